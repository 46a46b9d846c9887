"""Numbered migrations: a warehouse written by the previous release (frozen DDL of e594110) is upgraded
to exactly the layout a new warehouse gets, keeps its rows, records core.schema_version, and a second
run changes nothing."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from warehouse.schema import apply_schema, migrations, schema_version

OLD_RELEASE_DDL = Path(__file__).resolve().parents[1] / "fixtures" / "release_e594110_schema.sql"
LAYOUT_SQL = """SELECT schema_name, table_name, column_index, column_name, data_type FROM duckdb_columns()
                WHERE database_name = current_database() AND schema_name IN ('raw', 'core', 'ml', 'mart', 'quarantine')
                ORDER BY ALL"""


CONSTRAINTS_SQL = """SELECT schema_name, table_name, constraint_type, constraint_column_names
                     FROM duckdb_constraints() WHERE database_name = current_database() ORDER BY ALL"""
INDEXES_SQL = """SELECT schema_name, table_name, index_name, is_unique, expressions
                 FROM duckdb_indexes() WHERE database_name = current_database() ORDER BY ALL"""


def _layout(con) -> list[tuple]:
    return [*con.execute(LAYOUT_SQL).fetchall(), *con.execute(CONSTRAINTS_SQL).fetchall(),
            *con.execute(INDEXES_SQL).fetchall()]


@pytest.fixture
def old_release(tmp_path):
    """A warehouse as release e594110 wrote it, with a few rows in the tables the migrations touch."""
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute(OLD_RELEASE_DDL.read_text(encoding="utf-8"))
    con.execute("INSERT INTO raw.event_files BY NAME SELECT '/e/a.jsonl' AS path, 10 AS size_bytes, 2 AS rows_loaded, "
                "now()::TIMESTAMP AS ingested_at, 1 AS file_id")
    con.execute("""INSERT INTO core.events BY NAME
                   SELECT uuid() AS event_id, 'impression' AS event, TIMESTAMP '2026-10-01 09:00' AS ts,
                          'predict' AS page, 'A' AS variant, 1 AS file_id, now()::TIMESTAMP AS ingested_at
                   FROM range(2)""")
    con.execute("""INSERT INTO core.interactions (student_id, material_id, rating, completed, ts)
                   VALUES ('S1', 'M1', 4, true, TIMESTAMP '2026-10-01 08:00')""")
    con.execute("""INSERT INTO ml.alerts (alert_id, raised_at, rule, severity, incident)
                   VALUES ('a1', TIMESTAMP '2026-10-01 10:00', 'ctr_drop', 'warning', '2026-10-01')""")
    yield con
    con.close()


def test_the_previous_release_is_upgraded_to_the_current_layout(old_release, tmp_path):
    assert schema_version(old_release) == 0
    ran = apply_schema(old_release)
    assert ran == [version for version, _, _ in migrations()]
    assert schema_version(old_release) == ran[-1]
    fresh = duckdb.connect(str(tmp_path / "new.duckdb"))
    assert apply_schema(fresh) == []                       # a new warehouse is born current
    assert schema_version(fresh) == ran[-1]
    assert _layout(old_release) == _layout(fresh)
    fresh.close()
    assert old_release.execute("SELECT count(*), count(file_id) FROM core.events").fetchone() == (2, 2)
    assert old_release.execute("SELECT impressions FROM mart.ab_summary").fetchall() == [(2,)]
    assert old_release.execute("SELECT incident FROM ml.alerts").fetchall() == [("2026-10-01",)]
    # 008: the rows moved to core.interaction_rows and read through the view core.interactions, as demo rows.
    assert old_release.execute("SELECT student_id, rating, source, line_no FROM core.interactions").fetchall() == [
        ("S1", 4.0, "demo", None)]
    assert ("core", "students", "students_key", True, "[student_id]") in _layout(old_release)   # keyed now


def test_a_second_run_changes_nothing(old_release):
    apply_schema(old_release)
    layout, versions = _layout(old_release), old_release.execute("SELECT * FROM core.schema_version").fetchall()
    assert apply_schema(old_release) == []
    assert _layout(old_release) == layout
    assert old_release.execute("SELECT * FROM core.schema_version").fetchall() == versions


def test_a_pending_migration_runs_once_on_a_current_warehouse(tmp_path, monkeypatch):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    apply_schema(con)
    extra = (999, "add_note", "ALTER TABLE core.build_info ADD COLUMN note VARCHAR;")
    monkeypatch.setattr("warehouse.schema.migrations", lambda: [*migrations(), extra])
    assert apply_schema(con) == [999]
    assert apply_schema(con) == []                          # not ALTERed twice (that would fail)
    assert "note" in {name for (name,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'build_info'").fetchall()}
    con.close()


def test_migration_files_are_numbered_without_gaps():
    versions = [version for version, _, _ in migrations()]
    assert versions == list(range(1, len(versions) + 1))
