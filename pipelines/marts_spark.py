"""The marts on Apache Spark: each mart's one SQL definition, transpiled by sqlglot, run by Spark SQL.

An optional extra (`pip install -r requirements-spark.txt`, Java 17+): pyspark is imported only here.
The master is `local[*]` by default (one machine, every core) or any cluster URL; on a cluster the lake
must be a folder every executor sees at the same path (a shared volume or a mounted bucket).
"""
from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path

from pipelines.errors import PipelineError
from warehouse.lake import events_root
from warehouse.marts import MART_INPUTS, spark_sql

# Both engines must read the lake's naive UTC timestamps alike: Spark reads Parquet TIMESTAMP written
# without UTC adjustment as TIMESTAMP_NTZ, and any conversion it still makes uses the session time zone.
BASE_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",            # a batch job: no web UI port to bind (tests run side by side)
    "spark.sql.parquet.compression.codec": "zstd",
    "spark.ui.showConsoleProgress": "false",  # no progress bars in a CLI summary or a test log
}


def spark_session(master: str = "local[*]", conf: dict[str, str] | None = None):
    """A SparkSession on `master` with the marts' settings (and `conf` on top); a clear error without pyspark/Java."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise PipelineError("the Spark engine needs pyspark: pip install -r requirements-spark.txt") from exc
    builder = SparkSession.builder.master(master).appName("eduloop-marts")
    local = {}
    if master.startswith("local"):
        # Spark's 200 shuffle partitions suit a cluster; on one machine they cost more than the work
        # (measured at 10 M events on local[2]: 105 s with 200, 69 s with 8).
        local["spark.sql.shuffle.partitions"] = str(4 * (os.cpu_count() or 1))
    for key, value in {**BASE_CONF, **local, **(conf or {})}.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:   # pyspark raises its own runtime errors when the JVM does not start
        raise PipelineError(f"could not start Spark on {master} (it needs Java 17+ on PATH or JAVA_HOME): "
                            f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from exc
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def compute_spark(spark, defs: dict[str, str], lake_dir: Path, out_dir: Path,
                  visible_until: datetime | None = None) -> dict[str, int]:
    """Run every definition, transpiled, on `spark` over the lake's events ingested up to `visible_until`
    (None: every event file); write each mart to out_dir/NAME/ as Parquet."""
    events = spark.read.parquet(str(events_root(lake_dir)))
    if visible_until is not None:   # core.events' filter (warehouse/lake.py events_view_sql)
        from pyspark.sql import functions as F

        at = F.col("ingested_at")
        # From text, not a Python datetime: pyspark would shift a naive datetime by the process's time zone.
        until = F.lit(visible_until.isoformat(sep=" ")).cast("timestamp_ntz")
        events = events.where(at.isNull() | (at <= until))
    events.createOrReplaceTempView("events")
    rows = {}
    try:
        for name in MART_INPUTS:
            spark.sql(spark_sql(defs[name])).write.mode("overwrite").parquet(str(out_dir / name))
            # The marts derived from this one read what was written, by its bare name (no recomputation).
            written = spark.read.parquet(str(out_dir / name))
            written.createOrReplaceTempView(name)
            rows[name] = written.count()
    finally:
        for name in ("events", *MART_INPUTS):
            spark.catalog.dropTempView(name)
    return rows


def compute_spark_job(defs: dict[str, str], lake_dir: Path, out_dir: Path, visible_until: datetime | None,
                      master: str, conf: dict[str, str], seconds: dict[str, float], spark=None) -> dict[str, int]:
    """Compute every mart on `spark`, or on a session started (`seconds['spark_start']`) and stopped here."""
    if spark is not None:
        return compute_spark(spark, defs, lake_dir, out_dir, visible_until)
    started = time.perf_counter()
    spark = spark_session(master, conf)
    seconds["spark_start"] = round(time.perf_counter() - started, 3)
    try:
        return compute_spark(spark, defs, lake_dir, out_dir, visible_until)
    finally:
        spark.stop()
