"""SHAP explanations: additivity, hand-computed linear values, background, importance, pickling."""

import pickle

import numpy as np
import pandas as pd
import pytest

from analytics.models.estimators import make_classifier, make_regressor
from analytics.models.evaluation import split_train_test
from analytics.models.explain import ModelExplainer, sample_background
from analytics.models.features import feature_frame
from analytics.models.schema import FEATURES, TARGET
from analytics.models.synthetic import make_synthetic_students


@pytest.fixture(scope="module")
def split():
    return split_train_test(make_synthetic_students(600, seed=5), seed=0)


def _fit(kind, name, train):
    X = feature_frame(train)
    if kind == "regressor":
        params = {"n_estimators": 120} if name == "lightgbm" else None
        return make_regressor(name, params=params).fit(X, train[TARGET])
    return make_classifier(name).fit(X, (train[TARGET] < 55).astype(int))


MODELS = [("regressor", "linear"), ("regressor", "ridge"), ("regressor", "lightgbm"),
          ("classifier", "logistic"), ("classifier", "lightgbm")]


@pytest.fixture(scope="module", params=MODELS, ids=[f"{k}-{n}" for k, n in MODELS])
def explainer(request, split):
    train, _ = split
    kind, name = request.param
    return ModelExplainer(_fit(kind, name, train), sample_background(train, size=100, seed=1))


# LightGBM TreeSHAP agrees with the booster to ~1e-8 relative (float rounding); 1e-4 points is exact.
ADDITIVITY_TOLERANCE = 1e-4


def test_base_plus_shap_equals_prediction(split, explainer):
    _, test = split
    for position in range(5):
        explanation = explainer.explain(test.iloc[[position]])
        total = explanation.base_value + explanation.contributions["shap"].sum()
        assert total == pytest.approx(explanation.prediction, abs=ADDITIVITY_TOLERANCE)
    rows = test.head(20)
    np.testing.assert_allclose(
        explainer.base_value + explainer.shap_frame(rows).sum(axis=1), explainer.model_output(rows),
        atol=ADDITIVITY_TOLERANCE,
    )


def test_prediction_is_the_pipelines_own_output(split, explainer):
    _, test = split
    row = test.iloc[[0]]
    explanation = explainer.explain(row)
    if explanation.output == "score":
        expected = explainer.pipeline.predict(feature_frame(row))[0]
    else:
        probability = explainer.pipeline.predict_proba(feature_frame(row))[0, 1]
        expected = np.log(probability / (1 - probability))
    assert explanation.prediction == pytest.approx(expected, abs=1e-6)


def test_contributions_have_one_row_per_original_feature(split, explainer):
    _, test = split
    row = test.iloc[[1]]
    contributions = explainer.explain(row).contributions
    assert list(contributions.columns) == ["feature", "value", "shap"]
    assert contributions["feature"].tolist() == list(FEATURES)
    assert contributions["value"].tolist() == [row[name].iloc[0] for name in FEATURES]


def test_linear_shap_matches_hand_computation(split):
    train, test = split
    pipeline = _fit("regressor", "linear", train)
    background = sample_background(train, size=100, seed=1)
    explainer = ModelExplainer(pipeline, background)
    row = test.iloc[[2]]
    scaler = pipeline.named_steps["encode"].named_transformers_["numeric"]
    slope = pipeline.named_steps["model"].coef_[-2] / scaler.scale_[0]  # reading_score per point
    expected = slope * (row["reading_score"].iloc[0] - background["reading_score"].mean())
    contributions = explainer.explain(row).contributions.set_index("feature")["shap"]
    assert contributions["reading_score"] == pytest.approx(expected, rel=1e-9)
    assert explainer.base_value == pytest.approx(pipeline.predict(background).mean(), rel=1e-9)


def test_background_is_a_sample_of_training_rows(split):
    train, _ = split
    background = sample_background(train, size=100, seed=1)
    assert len(background) == 100 and background.index.isin(train.index).all()
    pd.testing.assert_frame_equal(background, feature_frame(train).loc[background.index])
    assert len(sample_background(train.head(30), size=100)) == 30


def test_global_importance_ranks_planted_effects(split):
    train, _ = split
    explainer = ModelExplainer(_fit("regressor", "linear", train), sample_background(train, size=100))
    importance = explainer.global_importance(train)
    assert importance["mean_abs_shap"].is_monotonic_decreasing
    by_feature = importance.set_index("feature")["mean_abs_shap"]
    # gender carries a planted 8-point effect, parental education none.
    assert by_feature["gender"] > 3 * by_feature["parental_education"]
    manual = explainer.shap_frame(train).abs().mean()
    assert by_feature["lunch"] == pytest.approx(manual["lunch"])


def test_dependence_of_numeric_feature_is_linear_for_linear_model(split):
    train, _ = split
    pipeline = _fit("regressor", "linear", train)
    explainer = ModelExplainer(pipeline, sample_background(train, size=100))
    dependence = explainer.dependence("writing_score")
    slope = np.polyfit(dependence["value"], dependence["shap"], 1)[0]
    scale = pipeline.named_steps["encode"].named_transformers_["numeric"].scale_[1]
    assert slope == pytest.approx(pipeline.named_steps["model"].coef_[-1] / scale, rel=1e-6)
    with pytest.raises(ValueError):
        explainer.dependence("math_score")


def test_explain_requires_exactly_one_row(split, explainer):
    _, test = split
    with pytest.raises(ValueError):
        explainer.explain(test.head(2))


def test_explainer_survives_pickle(split, explainer):
    _, test = split
    restored = pickle.loads(pickle.dumps(explainer))
    original, again = explainer.explain(test.iloc[[3]]), restored.explain(test.iloc[[3]])
    pd.testing.assert_frame_equal(original.contributions, again.contributions)
    assert original.base_value == again.base_value
