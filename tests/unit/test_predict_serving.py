"""Serving and the model-loop pieces without training: encoding, ServingModels, scoring queries, the gate."""
from __future__ import annotations

import math

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics.models.estimators import estimator_output, make_classifier, make_regressor
from analytics.models.features import encode_rows_fast, feature_frame
from analytics.models.risk import RiskModel, at_risk_label, risk_levels
from analytics.models.schema import FEATURES, SPEC_BY_NAME
from analytics.models.serving import ServingModels
from analytics.models.synthetic import make_synthetic_students
from analytics.student_schema import CATEGORIES
from pipelines.score import predict_in_chunks
from pipelines.train import promotion_decision
from warehouse.model_queries import get_scoring_frame
from warehouse.schema import apply_schema


@pytest.fixture(scope="module")
def students() -> pd.DataFrame:
    return make_synthetic_students(600, seed=11)


@pytest.fixture(scope="module")
def serving(students) -> ServingModels:
    X, y = feature_frame(students), students["math_score"].to_numpy(float)
    regressors = {name: make_regressor(name, params={"n_estimators": 40} if name == "lightgbm" else None).fit(X, y)
                  for name in ("linear", "ridge", "lightgbm")}
    risk = RiskModel("logistic", make_classifier("logistic").fit(X, at_risk_label(y, 50)), 0.3, 50)
    return ServingModels(regressors, "ridge", risk, background=X.iloc[:100])


def _as_categoricals(frame: pd.DataFrame, reverse: bool = False) -> pd.DataFrame:
    coded = frame.copy()
    for name, allowed in CATEGORIES.items():
        categories = list(allowed)[::-1] if reverse else list(allowed)   # any category order must work
        coded[name] = pd.Categorical(frame[name], categories=categories)
    return coded


def test_fast_encoding_of_text_and_categorical_columns_equals_the_pipeline_encoder(students):
    pipeline = make_regressor("ridge").fit(feature_frame(students), students["math_score"])
    encoder = pipeline.named_steps["encode"]
    frame = feature_frame(students).copy()
    frame.loc[frame.index[:3], "race_ethnicity"] = "group Z"        # unknown category -> all-zero block
    expected = encoder.transform(frame)
    assert np.array_equal(encode_rows_fast(encoder, frame), expected)
    assert np.array_equal(encode_rows_fast(encoder, _as_categoricals(frame, reverse=True)), expected)
    assert expected[:3, 2:7].sum() == 0                               # the race block of the unknown rows


def test_serving_equals_the_fitted_pipelines(serving, students):
    X = feature_frame(students)
    out = serving.predict(X)
    assert np.allclose(out["predicted_math"], serving.regressors["ridge"].predict(X), rtol=0, atol=1e-10)
    proba = serving.risk.pipeline.predict_proba(X)[:, 1]
    assert np.allclose(out["risk_probability"], proba, rtol=0, atol=1e-12)
    assert list(out["risk_level"]) == list(risk_levels(proba, 0.3))
    boosted = serving.predict(X, "lightgbm")["predicted_math"]
    assert np.allclose(boosted, serving.regressors["lightgbm"].predict(X), rtol=0, atol=1e-10)
    with pytest.raises(ValueError, match="unknown algorithm"):
        serving.predict(X, "svm")


def test_direct_output_equals_the_estimators_own_for_every_family(students):
    X, y = feature_frame(students), students["math_score"].to_numpy(float)
    label = at_risk_label(y, 50)
    for pipeline in (make_classifier("logistic").fit(X, label),
                     make_classifier("lightgbm", params={"n_estimators": 30}).fit(X, label)):
        estimator, encoded = pipeline.named_steps["model"], pipeline.named_steps["encode"].transform(X)
        assert np.allclose(estimator_output(estimator, encoded), estimator.predict_proba(encoded)[:, 1],
                           rtol=0, atol=1e-12)
    for name in ("linear", "ridge", "lightgbm"):
        pipeline = make_regressor(name, params={"n_estimators": 30} if name == "lightgbm" else None).fit(X, y)
        estimator, encoded = pipeline.named_steps["model"], pipeline.named_steps["encode"].transform(X)
        assert np.allclose(estimator_output(estimator, encoded), estimator.predict(encoded), rtol=0, atol=1e-10)


def test_one_row_chunks_and_categoricals_give_the_same_answer(serving, students):
    X = feature_frame(students)
    whole = serving.predict(X)
    rows = pd.concat([serving.predict(X.iloc[[i]]) for i in range(0, len(X), 37)])
    pd.testing.assert_frame_equal(rows, whole.iloc[::37], check_exact=False, atol=1e-10)
    chunked = predict_in_chunks(serving, _as_categoricals(X), chunk_rows=128)
    pd.testing.assert_frame_equal(chunked, whole, check_exact=False, atol=1e-10)


def test_explanation_is_built_once_and_adds_up(serving, students):
    row = feature_frame(students).iloc[[5]]
    first = serving.explain(row, "lightgbm")
    assert serving.explainer("lightgbm") is serving.explainer("lightgbm")
    assert first.base_value + first.contributions["shap"].sum() == pytest.approx(
        serving.predict_scores(row, "lightgbm")[0], abs=1e-4)
    # The API passes plain column arrays instead of a one-row frame: same explanation.
    columns = {name: row[name].to_numpy() for name in FEATURES}
    pd.testing.assert_frame_equal(serving.explain(columns, "lightgbm").contributions, first.contributions)


def test_scoring_frame_codes_categories_in_sql(students):
    con = duckdb.connect()
    apply_schema(con)
    frame = students.head(5).copy()
    frame["lunch"] = ["standard", "free/reduced", "free/reduced", "standard", "standard"]
    frame.loc[4, "gender"] = "unknown"      # not in the schema: must become a missing code, not a crash
    frame["student_id"] = [f"S{i}" for i in range(5)]
    con.register("f", frame)
    con.execute("""INSERT INTO core.students (student_id, gender, race_ethnicity, parental_education, lunch, test_prep,
                   math_score, reading_score, writing_score, source, load_id)
                   SELECT student_id, gender, race_ethnicity, parental_education, lunch, test_prep, math_score,
                          reading_score, writing_score, 'test', 'test' FROM f""")
    row_ids, scoring = get_scoring_frame(con, CATEGORIES)
    ids = [con.execute("SELECT student_id FROM core.students WHERE rowid = ?", [int(r)]).fetchone()[0] for r in row_ids]
    assert ids == list(frame["student_id"])
    assert list(scoring["lunch"]) == list(frame["lunch"])
    assert scoring["gender"].isna().tolist() == [False] * 4 + [True]
    assert scoring["reading_score"].tolist() == frame["reading_score"].astype(float).tolist()
    assert list(scoring.columns) == list(FEATURES)


PRODUCTION = {"regression": {"cv_metrics": {"cv_rmse_mean": 5.5}, "test_metrics": {"test_rmse": 5.4, "test_r2": 0.86}},
              "risk": {"cv_metrics": {"validation_pr_auc": 0.86, "validation_roc_auc": 0.97}, "test_metrics": {}}}


def _candidate(rmse=5.5, r2=0.86, pr_auc=0.86, roc_auc=0.97):
    return {"regression": {"cv_rmse_mean": rmse, "test_rmse": rmse, "test_r2": r2},
            "risk": {"validation_pr_auc": pr_auc, "validation_roc_auc": roc_auc}}


@pytest.mark.parametrize("candidate, production, ok, codes", [
    (_candidate(), {}, True, ("no_production_model", "no_production_model")),
    (_candidate(rmse=5.7), PRODUCTION, True, ("within_tolerance", "within_tolerance")),     # 3.6 % worse
    (_candidate(rmse=5.9), PRODUCTION, False, ("worse_than_production",)),                 # 7.3 % worse
    (_candidate(rmse=5.2, pr_auc=0.80), PRODUCTION, False, ("better_than_production", "worse_than_production")),
    (_candidate(rmse=15.0, r2=-0.02, pr_auc=0.14, roc_auc=0.5), {}, False,                 # shuffled target
     ("no_better_than_mean", "no_better_than_chance")),
])
def test_promotion_gate(candidate, production, ok, codes):
    passed, reason = promotion_decision(candidate, production, 0.05)
    assert passed is ok
    assert all(code in reason for code in codes), reason
    assert "tolerance 0.05" in reason and not any(math.isnan(x) for x in candidate["regression"].values())


def test_unknown_categories_in_the_schema_are_the_ingest_categories():
    assert {name: SPEC_BY_NAME[name].allowed for name in CATEGORIES} == CATEGORIES
