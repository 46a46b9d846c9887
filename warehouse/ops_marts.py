"""Operations marts: daily event aggregates kept in step at ingest, and alert acknowledgements applied.

The Operations tab must answer in well under 300 ms at 10 M events, so it never scans
core.events: ingest updates small aggregate tables (mart.event_counts_daily and friends) inside
the same private copy it publishes (adding just the new rows; a full rebuild takes ~3 s at 10 M),
and the live path adds only the not-yet-ingested events, aggregated with the very same SQL
(`aggregate_sql`). That SQL is the one definition per mart in warehouse/sql/marts/ (warehouse/marts.py),
which the `marts` job also runs over the Parquet event lake, on DuckDB or Apache Spark.
"""
from __future__ import annotations

from warehouse.marts import EVENTS, MART_INPUTS, bind, definitions, mart_table

# Bump when an aggregate's definition changes: the next ingest then rebuilds every aggregate.
# 3: session keys are the session id text (portable to Spark), no longer DuckDB's hash().
AGGREGATES_VERSION = "3"
# Sources an aggregate may read: the ingested events, the live path's pending events, or the rows
# one ingest just added (a temp view).
EVENT_SOURCES = ("core.events", "pending_events", "new_events")

# The marts over events and the small marts derived from them (rebuilt after them, from the warehouse
# only): the very definitions the `marts` job runs on DuckDB or Spark (warehouse/sql/marts/*.sql).
AGGREGATES = {mart_table(n): sql for n, sql in definitions().items() if MART_INPUTS[n] == EVENTS}
DERIVED = {mart_table(n): bind(sql, {MART_INPUTS[n]: mart_table(MART_INPUTS[n])})
           for n, sql in definitions().items() if MART_INPUTS[n] != EVENTS}


def aggregate_sql(table: str, source: str) -> str:
    """The SELECT that fills aggregate `table` from `source` (both from fixed lists)."""
    if source not in EVENT_SOURCES:
        raise ValueError(f"unknown event source {source!r}")
    return bind(AGGREGATES[table], {EVENTS: source})


def _aggregates_state(con) -> tuple[bool, int]:
    """(aggregates are of this version, events they cover)."""
    version = con.execute("SELECT value FROM core.build_info WHERE key = 'ops_aggregates_version'").fetchone()
    covered = con.execute("SELECT coalesce(sum(events), 0) FROM mart.event_counts_daily").fetchone()[0]
    return version is not None and version[0] == AGGREGATES_VERSION, int(covered)


def event_aggregates_current(con) -> bool:
    """True when the aggregates are of this version and cover exactly the events in core.events."""
    ok, covered = _aggregates_state(con)
    return ok and covered == con.execute("SELECT count(*) FROM core.events").fetchone()[0]


def refresh_event_aggregates(con, source: str = "core.events") -> None:
    """Rebuild every aggregate table from core.events, or from `source` when it holds the same rows (call
    inside a write transaction)."""
    statements = {**{t: aggregate_sql(t, source) for t in AGGREGATES}, **DERIVED}
    for table, select in statements.items():
        con.execute(f"DELETE FROM {table}")
        con.execute(f"INSERT INTO {table} {select}")
    con.execute("INSERT OR REPLACE INTO core.build_info VALUES ('ops_aggregates_version', ?)", [AGGREGATES_VERSION])


def sync_event_aggregates(con, batch: str | None = None) -> str:
    """Bring the aggregates in step with core.events after an ingest; return 'current', 'added' or 'rebuilt'.

    `batch` names the TEMP TABLE of rows the ingest just added to the lake. When the aggregates covered
    every event except those, only the batch is added (no lake scan); otherwise (first run, new version,
    a killed earlier run, anything unexpected) everything is rebuilt.
    """
    if batch is not None and not batch.isidentifier():
        raise ValueError(f"not a table name: {batch!r}")
    ok, covered = _aggregates_state(con)
    total = con.execute("SELECT count(*) FROM core.events").fetchone()[0]
    if ok and covered == total:
        return "current"
    new = 0 if batch is None else con.execute(f"SELECT count(*) FROM {batch}").fetchone()[0]
    if new and new == total:
        # The lake holds only the batch (a first ingest): rebuild from the batch in memory rather than from
        # the Parquet files just written (no casts, no decompression: ~1.5 s less CPU at 10 M events).
        con.execute(f"CREATE OR REPLACE TEMP VIEW new_events AS SELECT * FROM {batch}")
        try:
            refresh_event_aggregates(con, "new_events")
        finally:
            con.execute("DROP VIEW new_events")
        return "rebuilt"
    if not ok or new == 0 or covered + new != total:
        refresh_event_aggregates(con)
        return "rebuilt"
    # Only the columns the aggregates read; payloads (the bulk of a prediction event) only for errors.
    con.execute(f"""CREATE OR REPLACE TEMP TABLE new_events AS
                    SELECT event_id, event, ts, page, variant, session_id,
                           CASE WHEN event = 'error' THEN payload END AS payload
                    FROM {batch}""")
    try:
        _add_new_events(con)
    finally:
        con.execute("DROP TABLE IF EXISTS new_events")
    return "added"


def _add_new_events(con) -> None:
    """Merge the rows of TEMP TABLE new_events into every aggregate (same results as a rebuild)."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE merged_counts AS
                    SELECT day, event, page, variant, CAST(sum(events) AS BIGINT) AS events
                    FROM (SELECT * FROM mart.event_counts_daily
                          UNION ALL {aggregate_sql('mart.event_counts_daily', 'new_events')}) GROUP BY ALL""")
    con.execute("DELETE FROM mart.event_counts_daily")
    con.execute("INSERT INTO mart.event_counts_daily SELECT * FROM merged_counts")
    con.execute(f"INSERT INTO mart.error_events {aggregate_sql('mart.error_events', 'new_events')}")
    con.execute(f"""INSERT INTO mart.variant_sessions
                    SELECT * FROM ({aggregate_sql('mart.variant_sessions', 'new_events')}) n
                    ANTI JOIN mart.variant_sessions USING (variant, session_key)""")
    # A new active day can change the previous day of a session's later days: redo touched sessions.
    con.execute(f"""CREATE OR REPLACE TEMP TABLE touched_days AS
                    SELECT day, session_key FROM ({aggregate_sql('mart.session_days', 'new_events')})""")
    # Redone by the mart's own definition, over one page view per known and new active day of those sessions.
    active_days = """(SELECT CAST(day AS TIMESTAMP) AS ts, 'page_view' AS event, session_key AS session_id
                      FROM (SELECT day, session_key FROM mart.session_days
                            WHERE session_key IN (SELECT session_key FROM touched_days)
                            UNION SELECT day, session_key FROM touched_days) AS days)"""
    con.execute(f"CREATE OR REPLACE TEMP TABLE redone_days AS "
                f"{bind(AGGREGATES['mart.session_days'], {EVENTS: active_days})}")
    con.execute("DELETE FROM mart.session_days WHERE session_key IN (SELECT session_key FROM touched_days)")
    con.execute("INSERT INTO mart.session_days SELECT day, session_key, prev_day FROM redone_days")
    for table, select in DERIVED.items():
        con.execute(f"DELETE FROM {table}")
        con.execute(f"INSERT INTO {table} {select}")
    for temp in ("merged_counts", "touched_days", "redone_days"):
        con.execute(f"DROP TABLE {temp}")


def apply_alert_acks(con, source: str = "core.events") -> int:
    """Copy 'ack_alert' admin events of `source` into ml.alerts.acknowledged_at; return alerts changed."""
    if source not in ("core.events", "live_events", "ingest_batch"):   # ingest_batch: one ingest's new rows
        raise ValueError(f"unknown event source {source!r}")
    changed = con.execute(f"""
        UPDATE ml.alerts AS a SET acknowledged_at = ack.first_ack
        FROM (SELECT json_extract_string(payload, '$.alert_id') AS alert_id, min(ts) AS first_ack
              FROM {source}
              WHERE event = 'admin_action' AND json_extract_string(payload, '$.action') = 'ack_alert'
              GROUP BY 1) AS ack
        WHERE a.alert_id = ack.alert_id AND a.acknowledged_at IS NULL""").fetchone()
    return int(changed[0]) if changed else 0
