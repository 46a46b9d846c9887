"""Job: compute every mart from the Parquet event lake, on DuckDB (default) or Apache Spark, from one definition.

The job reads the lake of the warehouse it loads (warehouse.lake.lake_for with the lake the warehouse recorded;
`--lake` overrides) and only the events that warehouse published: the rows core.events shows, i.e.
`ingested_at IS NULL OR ingested_at <= core.build_info.lake_visible_until`, the view's own filter, applied on
both engines. Files of an ingest still running (or killed) stay out, so the marts cover exactly core.events.

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
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.errors import PipelineError
from warehouse.lake import events_glob, events_root, lake_for, lake_has_files, lake_state, recorded_lake
from warehouse.marts import MART_INPUTS, definitions, mart_table
from warehouse.ops_marts import AGGREGATES_VERSION
from warehouse.publish import pipeline_lock, write_transaction
from warehouse.settings import get_settings

ENGINES = ("duckdb", "spark")


@dataclass
class MartsOptions:
    """Typed parameters of one marts run."""

    db_path: Path
    # None: the warehouse's own lake (warehouse.lake.lake_for); a folder overrides it (--lake).
    lake_dir: Path | None = None
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
    lake: str = ""
    visible_until: str = ""   # the last ingested_at the marts cover (the warehouse's published snapshot)

    def as_json(self) -> dict:
        """JSON summary for the CLI."""
        return {"engine": self.engine, "lake": self.lake, "visible_until": self.visible_until, "rows": self.rows,
                "seconds": self.seconds}


def lake_marts_dir(lake_dir: Path) -> Path:
    """The folder holding one Parquet folder per mart (<lake>/marts/<name>/)."""
    return Path(lake_dir) / "marts"


def published_lake(db_path: Path, lake_dir: Path | None = None) -> tuple[Path, datetime]:
    """(the lake to read, the last ingested_at the warehouse shows): `lake_dir` or the warehouse's own lake.

    PipelineError when the lake holds no event file or the warehouse has published none of its events.
    """
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        lake = Path(lake_dir) if lake_dir is not None else lake_for(db_path, recorded_lake(con))
        visible_until = lake_state(con)[1]
    finally:
        con.close()
    if not lake_has_files(lake):
        raise PipelineError(f"no event lake at {events_root(lake)} (expected date=YYYY-MM-DD/*.parquet); "
                            "run `python -m pipelines ingest-events` first")
    if visible_until is None:
        raise PipelineError(f"the warehouse {db_path} has published no events of the lake {lake} yet; "
                            "run `python -m pipelines ingest-events` first")
    return lake, visible_until


def compute_duckdb(defs: dict[str, str], lake_dir: Path, out_dir: Path,
                   visible_until: datetime | None = None) -> dict[str, int]:
    """Run every definition as written on an in-memory DuckDB over the lake's events ingested up to
    `visible_until` (None: every event file); write each mart to out_dir/NAME/."""
    with tempfile.TemporaryDirectory(prefix="eduloop-marts-spill-") as spill:
        con = duckdb.connect(config={"memory_limit": get_settings().writer_memory_limit, "temp_directory": spill})
        try:
            events = con.read_parquet(events_glob(lake_dir), hive_partitioning=True)
            if visible_until is not None:   # core.events' filter (warehouse/lake.py events_view_sql)
                at = duckdb.ColumnExpression("ingested_at")
                events = events.filter(at.isnull() | (at <= duckdb.ConstantExpression(visible_until)))
            events.create_view("events")
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


def load_marts(con, staged: Path, visible_until: datetime | None = None) -> None:
    """Replace every mart table of a writer connection with the staged Parquet marts (computed over the events
    ingested up to `visible_until`).

    PipelineError when they do not cover exactly the warehouse's events (the live Operations figures add
    only the not-yet-ingested events to them): an ingest published while they were computed, or `--lake`
    names another lake than the one core.events reads.
    """
    if visible_until is not None and lake_state(con)[1] != visible_until:
        raise PipelineError(f"an ingest published events while the marts were computed (up to {visible_until}, "
                            "the warehouse now shows more); run `marts` again (the warehouse is unchanged)")
    for name in MART_INPUTS:
        table = mart_table(name)
        con.execute(f"DELETE FROM {table}")
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet($files)",
                    {"files": str(staged / name / "*.parquet")})
    covered, total = con.execute("SELECT (SELECT coalesce(sum(events), 0) FROM mart.event_counts_daily), "
                                 "(SELECT count(*) FROM core.events)").fetchone()
    if covered != total:
        raise PipelineError(f"the marts cover {covered} lake events but the warehouse holds {total}: the lake "
                            "read is not the one the warehouse's core.events reads, or it changed while they were "
                            "computed; run `marts` again (the warehouse is unchanged)")
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
    lake, visible_until = published_lake(Path(options.db_path), options.lake_dir)
    defs = definitions(options.definitions_dir)
    marts_dir = lake_marts_dir(lake)
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
                rows = compute_duckdb(defs, lake, staged, visible_until)
            else:
                from pipelines.marts_spark import compute_spark_job

                rows = compute_spark_job(defs, lake, staged, visible_until, options.spark_master,
                                         options.spark_conf, seconds, spark)
            # compute: the marts alone (a Spark session's start-up is reported apart, as spark_start)
            seconds["compute"] = round(time.perf_counter() - started - seconds.get("spark_start", 0), 3)
            started = time.perf_counter()
            with write_transaction(options.db_path) as con:
                load_marts(con, staged, visible_until)
            seconds["load"] = round(time.perf_counter() - started, 3)
            _publish_parquet(staged, marts_dir)
        finally:
            shutil.rmtree(staged, ignore_errors=True)
    return MartsSummary(options.engine, rows, seconds, str(lake), visible_until.isoformat())
