"""One input, one answer: batch scoring == per-row prediction, and UI == API == batch for the same students."""
from __future__ import annotations

import contextvars

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics.models.schema import FEATURES
from dashboard.predict.data import predict_one, production
from pipelines.score import load_production_models, score_students
from warehouse.publish import write_transaction


def _frame(db, sql: str, params=None) -> pd.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


def test_batch_scoring_equals_per_row_prediction(built_warehouse, tmp_path):
    db = tmp_path / "w.duckdb"
    db.write_bytes(built_warehouse.read_bytes())
    with write_transaction(db) as con:
        summary = score_students(con)
        models, _ = load_production_models(con)
    assert summary.rows == 1000 and summary.high + summary.medium + summary.low == 1000
    scored = _frame(db, f"SELECT s.student_id, {', '.join('s.' + f for f in FEATURES)}, r.predicted_math, "
                        "r.risk_probability, r.risk_level "
                        "FROM core.students s JOIN ml.risk_scores r USING (student_id) "
                        "ORDER BY s.student_id")
    one_by_one = pd.concat([models.predict(scored.loc[[i], list(FEATURES)]) for i in scored.index])
    assert np.allclose(one_by_one["predicted_math"], scored["predicted_math"], rtol=0, atol=1e-9)
    assert np.allclose(one_by_one["risk_probability"], scored["risk_probability"], rtol=0, atol=1e-12)
    assert (one_by_one["risk_level"].to_numpy() == scored["risk_level"].to_numpy()).all()
    # Risk levels follow the documented cut points of the stored threshold.
    t = models.risk.threshold
    expected = np.where(scored["risk_probability"] >= t, "high",
                        np.where(scored["risk_probability"] >= t / 2, "medium", "low"))
    assert (expected == scored["risk_level"].to_numpy()).all()


def _as_clicked(callback, **kwargs):
    """Run a callback as Dash does after a click on the Predict button (its callback context set)."""
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    def run():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": "predict-go.n_clicks", "value": 1}]))
        return callback(**kwargs)

    return contextvars.copy_context().run(run)


def test_ui_api_and_batch_agree(built_warehouse):
    from dashboard.app import server
    from dashboard.predict.page import run_prediction

    students = _frame(built_warehouse, f"SELECT s.student_id, {', '.join('s.' + f for f in FEATURES)}, "
                                       "r.predicted_math, r.risk_level, r.model_version FROM core.students s "
                                       "JOIN ml.risk_scores r USING (student_id) ORDER BY hash(s.student_id) LIMIT 12")
    client = server.test_client()
    default = production(built_warehouse).serving.default_algorithm
    for row in students.itertuples(index=False):
        record = {name: getattr(row, name) for name in FEATURES}
        api = client.post("/api/v1/predict", json={k: (float(v) if k.endswith("_score") else v)
                                                   for k, v in record.items()}).get_json()
        with server.test_request_context("/_dash-update-component"):
            outputs = _as_clicked(run_prediction, go=1, load=None, student_id=row.student_id, loaded=None,
                                  autorun=False, features=dict.fromkeys(FEATURES), algorithm=default, lang="en")
        ui = outputs["last"]                              # the predict-last store: what the UI showed and logged
        assert ui["predicted"] == pytest.approx(row.predicted_math, abs=1e-9)
        assert api["predicted_math"] == pytest.approx(row.predicted_math, abs=1e-9)
        assert ui["risk_level"] == api["risk_level"] == row.risk_level
        assert ui["model_version"] == api["model_version"] == row.model_version
        assert predict_one(built_warehouse, {k: (float(v) if k.endswith("_score") else v) for k, v in record.items()}
                           ).predicted_math == pytest.approx(row.predicted_math, abs=1e-9)
