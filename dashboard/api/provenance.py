"""Provenance of the served warehouse for API answers: `"demo": true` when an answer uses generated rows.

Read once per published warehouse (dashboard.common.data), so a predict request does not open the
warehouse just to ask.
"""
from __future__ import annotations

from pathlib import Path

from dashboard.common.data import current_provenance
from warehouse.provenance import is_empty, uses_demo

# What the API tells a user to load when a kind is empty (English; the tabs use the i18n tables).
EMPTY_HINTS = {
    "events": "no events yet: send them to POST /api/v1/events or use the app (then run `python -m pipelines "
              "ingest-events`)",
    "interactions": "no learning activity yet: load it with `python -m pipelines ingest-interactions FILE` "
                    "(CSV or --format xapi), then run `python -m pipelines recsys`",
    "students": "no students yet: load them with `python -m pipelines ingest-students FILE`",
}


def provenance_fields(db_path: str | Path, *kinds: str) -> dict:
    """{"demo": bool} for an answer computed from these kinds, plus "empty"/"hint" when the first is empty."""
    provenance = current_provenance(db_path)
    fields = {"demo": uses_demo(provenance, *kinds)}
    if kinds and is_empty(provenance, kinds[0]):
        fields.update(empty=True, hint=EMPTY_HINTS.get(kinds[0]))
    return fields
