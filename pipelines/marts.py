"""Job: compute every mart from the Parquet event lake, on DuckDB (default) or Apache Spark, from one definition.

Each mart is one SQL file (warehouse/sql/marts/, see warehouse/marts.py): DuckDB runs it as written,
Spark runs it transpiled by sqlglot (pipelines/marts_spark.py). Either engine writes every mart as Parquet
into a staging folder under the lake; from there one write transaction loads them into the warehouse's
mart tables (published atomically), and only then the staging folders replace <lake>/marts/<name>/, so
other tools (Spark, pandas, BI) read the same rows the app shows. A failure leaves the published warehouse
and the previous Parquet marts as they were.
"""
from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.errors import PipelineError
from warehouse.marts import MART_INPUTS, definitions, mart_table
from warehouse.ops_marts import AGGREGATES_VERSION
from warehouse.publish import pipeline_lock, write_transaction
from warehouse.settings import get_settings

ENGINES = ("duckdb", "spark")


@dataclass
class MartsOptions:
    """Typed parameters of one marts run."""

    db_path: Path
    lake_dir: Path
    engine: str = "duckdb"
    spark_master: str = "local[*]"
    spark_conf: dict[str, str] = field(default_factory=dict)
    # Another folder of NAME.sql definitions (tests edit a copy); None = the packaged ones.
    definitions_dir: Path | None = None


@dataclass
class MartsSummary:
    """What one marts run computed and how long each phase took."""

    engine: str
    rows: dict[str, int]
    seconds: dict[str, float]

    def as_json(self) -> dict:
        """JSON summary for the CLI."""
        return {"engine": self.engine, "rows": self.rows, "seconds": self.seconds}


def lake_events_dir(lake_dir: Path) -> Path:
    """The lake's event folder (Hive-partitioned: date=YYYY-MM-DD/part-*.parquet)."""
    return Path(lake_dir) / "events"


def lake_marts_dir(lake_dir: Path) -> Path:
    """The folder holding one Parquet folder per mart (<lake>/marts/<name>/)."""
    return Path(lake_dir) / "marts"


def check_lake(lake_dir: Path) -> Path:
    """The lake's event folder; PipelineError naming it when it holds no Parquet file."""
    events = lake_events_dir(lake_dir)
    if not events.is_dir() or next(events.glob("date=*/*.parquet"), None) is None:
        raise PipelineError(f"no event lake at {events} (expected date=YYYY-MM-DD/*.parquet); "
                            "run `python -m pipelines ingest-events` first")
    return events


def compute_duckdb(defs: dict[str, str], events_dir: Path, out_dir: Path) -> dict[str, int]:
    """Run every definition as written on an in-memory DuckDB over the lake; write each mart to out_dir/NAME/."""
    with tempfile.TemporaryDirectory(prefix="eduloop-marts-spill-") as spill:
        con = duckdb.connect(config={"memory_limit": get_settings().writer_memory_limit, "temp_directory": spill})
        try:
            con.read_parquet(str(events_dir / "date=*" / "*.parquet"), hive_partitioning=True).create_view("events")
            rows = {}
            for name in MART_INPUTS:
                # A temp table: the marts derived from this one read it by its bare name.
                con.execute(f"CREATE TEMP TABLE {name} AS {defs[name]}")
                (out_dir / name).mkdir(parents=True)
                con.table(name).write_parquet(str(out_dir / name / "part-0.parquet"), compression="zstd")
                rows[name] = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
            return rows
        finally:
            con.close()


def load_marts(con, staged: Path) -> None:
    """Replace every mart table of a writer connection with the staged Parquet marts.

    PipelineError when they do not cover exactly the warehouse's events (the live Operations figures add
    only the not-yet-ingested events to them): the lake changed while they were computed, or differs.
    """
    for name in MART_INPUTS:
        table = mart_table(name)
        con.execute(f"DELETE FROM {table}")
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet($files)",
                    {"files": str(staged / name / "*.parquet")})
    covered, total = con.execute("SELECT (SELECT coalesce(sum(events), 0) FROM mart.event_counts_daily), "
                                 "(SELECT count(*) FROM core.events)").fetchone()
    if covered != total:
        raise PipelineError(f"the marts cover {covered} lake events but the warehouse holds {total}: the lake "
                            "changed while they were computed; run `marts` again (the warehouse is unchanged)")
    con.execute("INSERT OR REPLACE INTO core.build_info VALUES ('ops_aggregates_version', ?)", [AGGREGATES_VERSION])


def _publish_parquet(staged: Path, marts_dir: Path) -> None:
    """Move each staged mart folder over <lake>/marts/<name>/ (the old one is kept aside until the new is in)."""
    for name in MART_INPUTS:
        target, old = marts_dir / name, marts_dir / f".old-{uuid.uuid4().hex[:8]}-{name}"
        if target.exists():
            target.rename(old)
        (staged / name).rename(target)
        shutil.rmtree(old, ignore_errors=True)


def run_marts(options: MartsOptions, spark=None) -> MartsSummary:
    """Compute every mart on the chosen engine, load them into the warehouse, then publish their Parquet.

    `spark`: a running SparkSession to use (and leave running) instead of starting one on options.spark_master.
    """
    if options.engine not in ENGINES:
        raise PipelineError(f"--engine must be one of {', '.join(ENGINES)}, not {options.engine!r}")
    if not Path(options.db_path).exists():
        raise PipelineError(f"warehouse not found at {options.db_path}; run `python -m pipelines build` first")
    events = check_lake(options.lake_dir)
    defs = definitions(options.definitions_dir)
    marts_dir = lake_marts_dir(options.lake_dir)
    marts_dir.mkdir(parents=True, exist_ok=True)
    with pipeline_lock(marts_dir):   # one marts run per lake at a time: it may clear what a killed run left
        for orphan in [*marts_dir.glob(".next-*"), *marts_dir.glob(".old-*")]:
            shutil.rmtree(orphan, ignore_errors=True)
        # Staged inside the lake: a Spark cluster's executors write there, and the final moves are renames.
        staged = marts_dir / f".next-{uuid.uuid4().hex}"
        seconds: dict[str, float] = {}
        try:
            started = time.perf_counter()
            if options.engine == "duckdb":
                rows = compute_duckdb(defs, events, staged)
            else:
                from pipelines.marts_spark import compute_spark_job

                rows = compute_spark_job(defs, events, staged, options.spark_master, options.spark_conf, seconds,
                                             spark)
            # compute: the marts alone (a Spark session's start-up is reported apart, as spark_start)
            seconds["compute"] = round(time.perf_counter() - started - seconds.get("spark_start", 0), 3)
            started = time.perf_counter()
            with write_transaction(options.db_path) as con:
                load_marts(con, staged)
            seconds["load"] = round(time.perf_counter() - started, 3)
            _publish_parquet(staged, marts_dir)
        finally:
            shutil.rmtree(staged, ignore_errors=True)
    return MartsSummary(options.engine, rows, seconds)
