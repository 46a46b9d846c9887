"""`build` makes a complete warehouse whose demo data has the documented shape."""
import subprocess
from datetime import date

import duckdb
import pytest

from pipelines.build import BuildOptions, build
from tests.helpers import PYTHON, ROOT, run_env


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    root = tmp_path_factory.mktemp("build")
    db = root / "w.duckdb"
    build(BuildOptions(db_path=db, events_dir=root / "events", scale=20000, seed=1,
                       as_of=date(2026, 11, 1), quiet=True))
    return db


def q(db, sql):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_demo_students_match_kaggle_shape(demo_db):
    (n, female, standard, prep, m, m_sd, r, w, rw, mr), = q(demo_db, """
        SELECT count(*), avg((gender='female')::INT), avg((lunch='standard')::INT),
               avg((test_prep='completed')::INT), avg(math_score), stddev(math_score),
               avg(reading_score), avg(writing_score),
               corr(reading_score, writing_score), corr(math_score, reading_score)
        FROM core.students""")
    assert n == 20000
    assert abs(female - 0.518) < 0.02 and abs(standard - 0.645) < 0.02 and abs(prep - 0.358) < 0.02
    assert abs(m - 66) < 1.5 and abs(m_sd - 15) < 1.5 and abs(r - 69) < 1.5 and abs(w - 68) < 1.5
    assert abs(rw - 0.95) < 0.03 and abs(mr - 0.82) < 0.04
    groups = dict(q(demo_db, "SELECT race_ethnicity, avg(1) * count(*) / 20000 FROM core.students GROUP BY 1"))
    assert abs(groups["group C"] - 0.319) < 0.02 and len(groups) == 5
    assert len(q(demo_db, "SELECT DISTINCT parental_education FROM core.students")) == 6


def test_test_prep_is_confounded_and_truth_is_stored(demo_db):
    truth = dict(q(demo_db, "SELECT outcome, true_effect FROM core.demo_truth WHERE treatment = 'test_prep'"))
    assert truth == {"math_score": 3.0, "reading_score": 5.0, "writing_score": 7.0}
    (naive,), = q(demo_db, "SELECT avg(math_score) FILTER (test_prep='completed') - "
                           "avg(math_score) FILTER (test_prep='none') FROM core.students")
    assert naive > truth["math_score"] + 1.0     # confounding inflates the naive difference
    rates = dict(q(demo_db, "SELECT lunch, avg((test_prep='completed')::INT) FROM core.students GROUP BY 1"))
    assert rates["standard"] > rates["free/reduced"] + 0.05


def test_demo_schools_classes_and_the_school_programme(demo_db):
    (n_schools, pupils, tutored, smallest, largest), = q(demo_db, """
        SELECT count(DISTINCT school_id), sum(n_students), avg(tutoring::INT), min(n_students), max(n_students)
        FROM core.schools""")
    assert n_schools == 40 and pupils == 20000 and tutored == 0.4
    assert smallest < 300 < 700 < largest                       # schools of varying size
    (orphans, foreign_classes, biggest_class), = q(demo_db, """
        SELECT count(*) FILTER (sc.school_id IS NULL), count(*) FILTER (NOT starts_with(s.class_id, s.school_id)),
               max(c.n) FROM core.students s LEFT JOIN core.schools sc USING (school_id)
        CROSS JOIN (SELECT max(n) AS n FROM (SELECT count(*) AS n FROM core.students GROUP BY class_id))
        AS c""")
    assert orphans == 0 and foreign_classes == 0 and biggest_class == 30
    assert q(demo_db, "SELECT outcome, true_effect FROM core.demo_truth WHERE treatment = 'tutoring'") == [
        ("math_score", 4.0)]


def test_materials_interactions_and_events(demo_db):
    (materials,), = q(demo_db, "SELECT count(*) FROM core.materials")
    assert 200 <= materials <= 500
    (orphans,), = q(demo_db, "SELECT count(*) FROM core.interactions i ANTI JOIN core.students USING (student_id)")
    assert orphans == 0
    (dupes,), = q(demo_db, "SELECT count(*) - count(DISTINCT (student_id, material_id)) FROM core.interactions")
    assert dupes == 0
    (days, first, last), = q(demo_db, "SELECT count(DISTINCT CAST(ts AS DATE)), min(ts)::DATE, max(ts)::DATE "
                                      "FROM core.events")
    assert days == 30 and str(first) == "2026-10-02" and str(last) == "2026-10-31"
    ctr = dict(q(demo_db, "SELECT variant, ctr FROM mart.ab_summary"))
    assert ctr["B"] > ctr["A"]          # planted: B's true CTR is 12 %, A's 8 %
    kinds = {k for (k,) in q(demo_db, "SELECT DISTINCT event FROM core.events")}
    assert {"page_view", "prediction", "impression", "click", "error"} <= kinds
    (events_dupes,), = q(demo_db, "SELECT count(*) - count(DISTINCT event_id) FROM core.events")
    assert events_dupes == 0


def test_views_are_queryable_and_unique_on_their_grain(demo_db):
    for view, grain in [("mart.usage_by_page_day", "day, page"), ("mart.ctr_by_variant_day", "day, variant"),
                        ("mart.score_summary_by_group", "dimension, level"), ("mart.ab_summary", "variant")]:
        (rows, distinct), = q(demo_db, f"SELECT count(*), count(DISTINCT ({grain})) FROM {view}")
        assert rows > 0 and rows == distinct, view


def test_build_is_deterministic(tmp_path):
    dbs = []
    for name in ("a", "b"):
        db = tmp_path / f"{name}.duckdb"
        build(BuildOptions(db_path=db, events_dir=tmp_path / f"ev-{name}", scale=500, seed=9,
                           as_of=date(2026, 11, 1), quiet=True))
        dbs.append(db)
    sql = ("SELECT sum(hash(student_id, math_score, reading_score, test_prep)) FROM core.students UNION ALL "
           "SELECT sum(hash(event_id, event, ts)) FROM core.events")
    assert q(dbs[0], sql) == q(dbs[1], sql)


@pytest.mark.slow
def test_cli_build_and_export(tmp_path):
    env = run_env(tmp_path)
    out = subprocess.run([PYTHON, "-m", "pipelines", "build", "--scale", "300", "--skip-models", "--json",
                          "--as-of", "2026-11-01"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert '"students": 300' in out.stdout
    out = subprocess.run([PYTHON, "-m", "pipelines", "export", "--parquet", str(tmp_path / "pq")],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    con = duckdb.connect()
    n = con.execute("SELECT count(*) FROM read_parquet(?, hive_partitioning = true)",
                    [str(tmp_path / "pq" / "core.events" / "*" / "*.parquet")]).fetchone()[0]
    assert n == q(tmp_path / "warehouse.duckdb", "SELECT count(*) FROM core.events")[0][0]
    assert (tmp_path / "pq" / "core.students.parquet").exists()
