"""Alert history: who acknowledged an alert (from the app's ack events) and when its condition cleared."""
from __future__ import annotations

from datetime import datetime

import pandas as pd

ALERT_STATES = ("open", "acknowledged", "resolved")


def apply_ack_authors(con, source: str = "core.events") -> int:
    """Copy who acknowledged (payload.by of the first 'ack_alert' event) into ml.alerts.acknowledged_by."""
    if source not in ("core.events", "live_events"):
        raise ValueError(f"unknown event source {source!r}")
    changed = con.execute(f"""
        UPDATE ml.alerts AS a SET acknowledged_by = ack.by
        FROM (SELECT payload ->> 'alert_id' AS alert_id, arg_min(coalesce(payload ->> 'by', 'unknown'), ts) AS by
              FROM {source}
              WHERE event = 'admin_action' AND payload ->> 'action' = 'ack_alert'
              GROUP BY 1) AS ack
        WHERE a.alert_id = ack.alert_id AND a.acknowledged_by IS NULL""").fetchone()
    return int(changed[0]) if changed else 0


def resolve_cleared_alerts(con, firing: list[tuple[str, str]], now: datetime) -> int:
    """Set resolved_at = now on unresolved alerts whose (rule, subject) no longer fires; return how many."""
    con.register("firing_now", pd.DataFrame(firing, columns=["rule", "subject"], dtype="string"))
    try:
        changed = con.execute("""
            UPDATE ml.alerts SET resolved_at = $now
            WHERE resolved_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM firing_now f WHERE f.rule = ml.alerts.rule
                                                          AND f.subject IS NOT DISTINCT FROM ml.alerts.subject)""",
                              {"now": now}).fetchone()
    finally:
        con.unregister("firing_now")
    return int(changed[0]) if changed else 0


def get_alert_history_df(con, *, limit: int = 200) -> pd.DataFrame:
    """Alerts newest first with state (open / acknowledged / resolved), who acknowledged and when resolved."""
    return con.execute("""
        SELECT alert_id, raised_at, rule, severity, subject, value, threshold, message_key, params,
               acknowledged_at, acknowledged_by, resolved_at,
               CASE WHEN resolved_at IS NOT NULL THEN 'resolved'
                    WHEN acknowledged_at IS NOT NULL THEN 'acknowledged' ELSE 'open' END AS state
        FROM ml.alerts ORDER BY raised_at DESC, alert_id LIMIT $limit""", {"limit": int(limit)}).df()
