"""`python -m pipelines marts`: every mart from the event lake, on DuckDB or Apache Spark, into the warehouse."""
from __future__ import annotations

import argparse
from pathlib import Path

from pipelines.cli import emit, register_command
from pipelines.errors import PipelineError


def _configure(p: argparse.ArgumentParser) -> None:
    from pipelines.marts import ENGINES

    p.add_argument("--engine", choices=ENGINES, default="duckdb",
                   help="where the marts are computed (default duckdb; spark: requirements-spark.txt, Java 17+)")
    p.add_argument("--spark-master", default="local[*]",
                   help="Spark master URL (default local[*]; e.g. spark://host:7077 for a cluster)")
    p.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE",
                   help="an extra Spark setting, e.g. spark.driver.memory=4g (repeatable)")
    p.add_argument("--lake", type=Path,
                   help="event lake folder (default: the lake of the warehouse --db, EDULOOP_LAKE when set)")


def _spark_conf(pairs: list[str]) -> dict[str, str]:
    conf = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise PipelineError(f"--spark-conf expects KEY=VALUE, got {pair!r}")
        conf[key.strip()] = value.strip()
    return conf


def _run(args: argparse.Namespace) -> int:
    from pipelines.marts import MartsOptions, run_marts

    summary = run_marts(MartsOptions(db_path=args.db, lake_dir=args.lake,
                                     engine=args.engine, spark_master=args.spark_master,
                                     spark_conf=_spark_conf(args.spark_conf)))
    rows = ", ".join(f"{name} {n}" for name, n in summary.rows.items())
    emit(args, summary.as_json(), f"marts on {summary.engine} in {summary.seconds['compute']} s "
                                  f"(+{summary.seconds['load']} s load): {rows}")
    return 0


register_command("marts", "compute every mart from the event lake (DuckDB or Spark) into the warehouse",
                 _configure, _run)
