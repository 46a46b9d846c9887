"""The mart definitions: one SELECT each, reading only what MART_INPUTS declares, the marts the app reads."""
from __future__ import annotations

from datetime import date

import duckdb
import sqlglot
from sqlglot import exp

from warehouse.marts import EVENTS, MART_INPUTS, bind, definitions, mart_table, spark_sql
from warehouse.ops_marts import AGGREGATES, DERIVED, aggregate_sql


def _tables(sql: str, dialect: str) -> set[str]:
    return {t.name for t in sqlglot.parse_one(sql, read=dialect).find_all(exp.Table)}


def test_each_definition_is_one_select_reading_only_its_declared_input():
    defs = definitions()
    assert list(defs) == list(MART_INPUTS)
    for name, sql in defs.items():
        statements = sqlglot.parse(sql, read="duckdb")
        assert len(statements) == 1 and isinstance(statements[0], exp.Select), name
        assert _tables(sql, "duckdb") == {MART_INPUTS[name]}, name
        # a mart reads events or a mart computed before it
        source = MART_INPUTS[name]
        assert source == EVENTS or list(MART_INPUTS).index(source) < list(MART_INPUTS).index(name)


def test_every_definition_transpiles_to_spark_sql_reading_the_same_relation():
    for name, sql in definitions().items():
        spark = spark_sql(sql)
        assert _tables(spark, "spark") == {MART_INPUTS[name]}, name
        assert "json_extract_string" not in spark.lower() and "hash(" not in spark.lower(), name
    assert "GET_JSON_OBJECT(payload, '$.message')" in spark_sql(definitions()["error_events"])


def test_the_operations_aggregates_are_exactly_the_marts_the_job_computes():
    assert set(AGGREGATES) | set(DERIVED) == {mart_table(name) for name in MART_INPUTS}
    assert AGGREGATES == {mart_table(n): sql for n, sql in definitions().items() if MART_INPUTS[n] == EVENTS}


def test_a_bound_definition_reads_its_source_and_stands_after_union_all():
    con = duckdb.connect()
    con.execute("CREATE TABLE src (ts TIMESTAMP, event VARCHAR, page VARCHAR, variant VARCHAR)")
    con.execute("INSERT INTO src VALUES ('2026-10-01 23:59:59', 'click', 'predict', 'A'), "
                "('2026-10-02 00:00:00', 'click', 'predict', 'A')")
    bound = bind(definitions()["event_counts_daily"], {EVENTS: "src"})
    rows = con.execute(f"SELECT DATE '2000-01-01', 'none', NULL, NULL, 0 WHERE false UNION ALL {bound}").fetchall()
    assert sorted(rows) == [(date(2026, 10, 1), "click", "predict", "A", 1),
                            (date(2026, 10, 2), "click", "predict", "A", 1)]
    assert "FROM pending_events" in aggregate_sql("mart.event_counts_daily", "pending_events")
