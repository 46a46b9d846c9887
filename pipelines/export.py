"""Job: export tables and marts as Parquet (events partitioned by date) for other engines."""
from __future__ import annotations

from pathlib import Path

from warehouse.connection import read_only

EXPORTED = ("core.students", "core.materials", "core.interactions", "core.demo_truth",
            "ml.model_registry", "ml.risk_scores", "ml.recommendations", "ml.drift_reports", "ml.alerts",
            "quarantine.rows", "mart.score_summary_by_group", "mart.usage_by_page_day",
            "mart.ctr_by_variant_day", "mart.ab_summary", "mart.errors", "mart.predictions_by_day")


def _quoted_path(path: Path) -> str:
    # COPY takes no parameter for its target; the path is ours (not user text), quotes escaped.
    return "'" + str(path).replace("'", "''") + "'"


def export_parquet(db_path: str | Path, out_dir: str | Path) -> dict[str, int]:
    """Write one Parquet file per table/view and a date-partitioned events dataset."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with read_only(db_path) as con:
        for name in EXPORTED:
            target = out / f"{name}.parquet"
            con.execute(f"COPY (SELECT * FROM {name}) TO {_quoted_path(target)} (FORMAT parquet)")
            counts[name] = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        events_dir = out / "core.events"
        con.execute(
            "COPY (SELECT *, CAST(ts AS DATE) AS date FROM core.events) "
            f"TO {_quoted_path(events_dir)} (FORMAT parquet, PARTITION_BY (date), OVERWRITE_OR_IGNORE)")
        counts["core.events"] = con.execute("SELECT count(*) FROM core.events").fetchone()[0]
    return counts
