"""The recsys step and CLI: top-N for every student (never a seen item), evaluation stored and registered,
the planted taste structure found (user-kNN beats popularity), on-the-fly lists equal stored ones, cold
start, re-runs archive the previous model; `recsys-eval` on generated rating files (text, JSON, bad files)."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from analytics.recsys import evaluate_methods, make_synthetic_recsys_data
from pipelines.cli import main
from pipelines.recsys import DEFAULT_N, EVAL_KS
from pipelines.recsys_io import read_ratings
from tests.helpers import PYTHON, ROOT, run_env
from tests.helpers.files import rows
from warehouse.model_artifacts import file_sha256

METHODS = {"popularity", "user_knn", "item_knn", "content", "hybrid"}
METRIC_KEYS = {"precision", "recall", "ndcg", "map", "hit_rate", "coverage"}




@pytest.fixture(scope="module")
def production(built_warehouse) -> dict:
    (version, algorithm, params, metrics, path, sha), = rows(built_warehouse, """
        SELECT version, algorithm, CAST(params AS VARCHAR), CAST(test_metrics AS VARCHAR), artifact_path,
               artifact_sha256 FROM ml.model_registry WHERE task = 'recsys' AND status = 'production'""")
    return {"version": version, "algorithm": algorithm, "params": json.loads(params),
            "metrics": json.loads(metrics), "path": path, "sha": sha}


def test_every_student_gets_n_unseen_materials(built_warehouse, production):
    students, = rows(built_warehouse, "SELECT count(*) FROM core.students")[0]
    per_student = rows(built_warehouse, """
        SELECT count(*), min(rank), max(rank), count(DISTINCT material_id), count(DISTINCT model_version)
        FROM ml.recommendations GROUP BY student_id""")
    assert len(per_student) == students
    assert set(per_student) == {(DEFAULT_N, 1, DEFAULT_N, DEFAULT_N, 1)}
    assert rows(built_warehouse, "SELECT DISTINCT model_version FROM ml.recommendations") == [(production["version"],)]
    seen = rows(built_warehouse, """SELECT count(*) FROM ml.recommendations r
                                    JOIN core.interactions i USING (student_id, material_id)""")
    assert seen == [(0,)]
    # Within each list, scores never increase down the ranks of one method.
    assert rows(built_warehouse, """
        SELECT count(*) FROM (SELECT score, method, lag(score) OVER w AS prev, lag(method) OVER w AS prev_method
                              FROM ml.recommendations WINDOW w AS (PARTITION BY student_id ORDER BY rank))
        WHERE method = prev_method AND score > prev + 1e-9""") == [(0,)]


def test_registry_row_artifact_and_evaluation(built_warehouse, production):
    assert production["algorithm"] == "user_knn"
    assert production["params"]["k_neighbours"] == 50 and production["params"]["n"] == DEFAULT_N
    assert production["metrics"]["k"] == 10 and set(production["metrics"]["methods"]) == METHODS
    assert all(set(m) == METRIC_KEYS for m in production["metrics"]["methods"].values())
    assert file_sha256(production["path"]) == production["sha"]
    stored = rows(built_warehouse, "SELECT method, k, ndcg FROM ml.recsys_eval WHERE version = ?",
                  [production["version"]])
    assert {(m, k) for m, k, _ in stored} == {(m, k) for m in METHODS for k in EVAL_KS}
    # The registry's table is the stored K = 10 rows.
    assert {m: pytest.approx(v, abs=1e-6) for m, k, v in stored if k == 10} == \
        {m: v["ndcg"] for m, v in production["metrics"]["methods"].items()}


def test_user_knn_beats_popularity_on_the_demo_data(built_warehouse, production):
    ndcg = dict(rows(built_warehouse, "SELECT method, ndcg FROM ml.recsys_eval WHERE version = ? AND k = 10",
                     [production["version"]]))
    # Planted taste clusters: similar students really share materials, popularity ignores it.
    assert ndcg["user_knn"] > 1.2 * ndcg["popularity"]
    assert ndcg["popularity"] > ndcg["content"]


def test_lists_computed_now_equal_the_stored_ones(built_warehouse, production):
    from dashboard.recommend import data as recsys_store

    stored = rows(built_warehouse, """SELECT student_id, list(material_id ORDER BY rank), list(method ORDER BY rank)
                                      FROM ml.recommendations WHERE student_id <= 'S0000060' GROUP BY 1""")
    assert len(stored) == 60
    for student_id, materials, methods in stored:
        result = recsys_store.recommend_student(built_warehouse, student_id, DEFAULT_N)
        assert result.items["material_id"].tolist() == materials
        assert result.items["method"].tolist() == methods
        assert result.model_version == production["version"]


def test_rerun_with_cold_start_students_archives_the_previous_model(built_warehouse, production, fresh_dir):
    db = fresh_dir / "warehouse.duckdb"
    shutil.copyfile(built_warehouse, db)
    con = duckdb.connect(str(db))
    con.execute("""INSERT INTO core.students SELECT 'S9000001', gender, race_ethnicity, parental_education, lunch,
                   test_prep, math_score, reading_score, writing_score, school_id, class_id, exam_date, source,
                   load_id, line_no FROM core.students WHERE student_id = 'S0000001'""")
    con.execute("""INSERT INTO core.students SELECT 'S9000002', gender, race_ethnicity, parental_education, lunch,
                   test_prep, math_score, reading_score, writing_score, school_id, class_id, exam_date, source,
                   load_id, line_no FROM core.students WHERE student_id = 'S0000001'""")
    con.execute("INSERT INTO core.interaction_rows (student_id, material_id, rating, completed, ts) VALUES "
                "('S9000002', 'M0001', 4, true, TIMESTAMP '2026-10-01'), "
                "('S9000002', 'M0002', 5, true, TIMESTAMP '2026-10-02')")
    con.close()
    done = subprocess.run([PYTHON, "-m", "pipelines", "recsys", "--db", str(db), "--k", "20", "--n", "5", "--json"],
                          cwd=ROOT, env=run_env(fresh_dir), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["n"] == 5 and summary["k_neighbours"] == 20 and summary["rows"] == 5 * 1002
    assert Path(rows(db, "SELECT artifact_path FROM ml.model_registry WHERE version = ?",
                     [summary["version"]])[0][0]).parent == fresh_dir / "models" / summary["version"]
    statuses = dict(rows(db, "SELECT version, status FROM ml.model_registry WHERE task = 'recsys'"))
    assert statuses == {production["version"]: "archived", summary["version"]: "production"}
    cold = rows(db, """SELECT student_id, list(method), list(material_id) FROM ml.recommendations
                       WHERE student_id LIKE 'S9%' GROUP BY 1 ORDER BY 1""")
    assert [(s, m) for s, m, _ in cold] == [("S9000001", ["hybrid"] * 5), ("S9000002", ["hybrid"] * 5)]
    assert not {"M0001", "M0002"} & set(cold[1][2])          # the two materials S9000002 already used
    # No student without interactions: the most popular materials (the hybrid's whole score then).
    popular = [m for m, in rows(db, """SELECT material_id FROM core.interactions
                                      GROUP BY 1 ORDER BY count(DISTINCT student_id) DESC, material_id LIMIT 5""")]
    assert cold[0][2] == popular


# ---- recsys-eval ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ratings_files(tmp_path_factory) -> dict[str, Path]:
    data = make_synthetic_recsys_data(n_users=300, n_items=120, mean_interactions=25, seed=5).interactions
    folder = tmp_path_factory.mktemp("ratings")
    seconds = (data["ts"] - data["ts"].min()).dt.total_seconds().astype("int64") + 1_700_000_000
    movielens = folder / "ratings.data"
    movielens.write_text("".join(f"{u[1:]}\t{i[1:]}\t{int(r)}\t{s}\n" for u, i, r, s in
                                 zip(data["student_id"], data["material_id"], data["rating"], seconds)))
    csv = folder / "ratings.csv"
    data.rename(columns={"student_id": "userId", "material_id": "movieId"})[
        ["userId", "movieId", "rating", "ts"]].to_csv(csv, index=False)
    lines = movielens.read_text().splitlines(keepends=True)
    fields = lines[6].split("\t")
    fields[2] = "oops"                                      # line 7, third field: the rating
    bad = folder / "bad.data"
    bad.write_text("".join(lines[:6]) + "\t".join(fields) + "".join(lines[7:]))
    return {"movielens": movielens, "csv": csv, "bad": bad}


def test_recsys_eval_json_is_the_evaluation_of_every_method(ratings_files, capsys):
    assert main(["recsys-eval", "--ratings", str(ratings_files["movielens"]), "--k", "5", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert set(body) == {"k", "methods"} and body["k"] == 5
    assert set(body["methods"]) == {"popularity", "user_knn", "item_knn"}     # no catalogue: no content methods
    assert all(set(m) == METRIC_KEYS for m in body["methods"].values())
    expected = evaluate_methods(read_ratings(ratings_files["movielens"]), None, k=5).set_index("method")
    for method, metrics in body["methods"].items():
        assert metrics == {m: pytest.approx(expected.loc[method, m], abs=1e-6) for m in METRIC_KEYS}
    # Planted latent tastes: neighbours find them, the popularity baseline cannot.
    assert body["methods"]["user_knn"]["precision"] > body["methods"]["popularity"]["precision"]


def test_recsys_eval_text_and_csv_format(ratings_files, capsys):
    assert main(["recsys-eval", "--ratings", str(ratings_files["csv"]), "--format", "csv"]) == 0
    text = capsys.readouterr().out
    assert "ratings.csv" in text and "NDCG@10" in text and "P@10" in text
    lines = text.splitlines()
    assert [line.split()[0] for line in lines[2:]] == ["popularity", "user_knn", "item_knn"]
    assert main(["recsys-eval", "--ratings", str(ratings_files["csv"]), "--format", "csv", "--json"]) == 0
    from_csv = json.loads(capsys.readouterr().out)
    assert main(["recsys-eval", "--ratings", str(ratings_files["movielens"]), "--json"]) == 0
    assert from_csv == json.loads(capsys.readouterr().out)   # same ratings, same numbers in either format


def test_recsys_eval_bad_files_fail_with_one_line_naming_the_spot(ratings_files, fresh_dir, capsys):
    done = subprocess.run([PYTHON, "-m", "pipelines", "recsys-eval", "--ratings", str(ratings_files["bad"])],
                          cwd=ROOT, env=run_env(fresh_dir), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"error: {ratings_files['bad']}: line 7, column 3 (rating): 'oops' is not a number"]
    missing = fresh_dir / "missing.data"
    assert main(["recsys-eval", "--ratings", str(missing)]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"error: {missing}: no such file"]
