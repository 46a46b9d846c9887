"""Every `Grain:` comment in warehouse/sql/ is checked: on a demo build, the stated key is unique.

The cases are generated from the SQL files, so a new table or view with a Grain comment is tested
without writing a test; a Grain comment that cannot be read (no key, no CREATE after it) fails.
"""
from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

SQL_DIR = Path(__file__).resolve().parents[2] / "warehouse" / "sql"
GRAIN = re.compile(r"Grain:\s*(\([^)]*\)|[a-z_]+)")
CREATE = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_]+\.[a-z_]+)", re.I)
IDENTIFIER = re.compile(r"^[a-z_]+$")
# Empty on a demo build (no student CSV loaded, no alert raised, no online predictions stored): their
# check is vacuous here, and every other relation must have rows so that its check means something.
# Empty on a demo build: real loads (students, interaction files) and their rejects, API predictions, alerts,
# a challenger (none is started) and error change points (the demo's error stream is stationary).
EMPTY_ON_DEMO = {"raw.loads", "raw.students", "core.interaction_loads", "quarantine.rows", "ml.predictions",
                 "ml.alerts", "mart.open_alerts", "ml.challengers", "ml.error_change_points"}


def declared_grains() -> list[tuple[str, tuple[str, ...]]]:
    """(relation, key columns) for every Grain comment, read from the SQL files in order."""
    found = []
    for path in sorted(SQL_DIR.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        for match in GRAIN.finditer(text):
            relation = CREATE.search(text, match.end())
            assert relation, f"{path.name}: Grain comment at offset {match.start()} has no CREATE after it"
            key = tuple(c.strip() for c in match.group(1).strip("()").split(","))
            found.append((relation.group(1).lower(), key))
    return found + MADE_IN_PYTHON


# Relations created by Python code rather than a CREATE in the SQL files (their key stated here).
MADE_IN_PYTHON = [("core.events", ("event_id",))]


GRAINS = declared_grains()


def test_every_relation_states_one_grain():
    relations = [relation for relation, _ in GRAINS]
    assert len(relations) == len(set(relations)) and len(relations) >= 36
    assert ("core.students", ("student_id",)) in GRAINS


@pytest.mark.parametrize(("relation", "key"), GRAINS, ids=[relation for relation, _ in GRAINS])
def test_the_stated_grain_is_unique_on_a_demo_build(built_warehouse, relation, key):
    assert all(IDENTIFIER.match(column) for column in (*key, *relation.split(".")))   # names from our files only
    columns = ", ".join(key)
    con = duckdb.connect(str(built_warehouse), read_only=True)
    try:
        rows, distinct = con.execute(f"""SELECT (SELECT count(*) FROM {relation}),
                                                (SELECT count(*) FROM (SELECT DISTINCT {columns} FROM {relation}))"""
                                     ).fetchone()
    finally:
        con.close()
    assert rows == distinct, f"{relation}: {rows - distinct} rows repeat the key ({columns})"
    assert (rows == 0) == (relation in EMPTY_ON_DEMO), f"{relation}: {rows} rows on the demo build"
