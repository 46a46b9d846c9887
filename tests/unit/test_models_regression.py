"""Score regressors: encoding inside the pipeline, known answers, unknown categories, pickling."""

import pickle

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from analytics.models.estimators import REGRESSOR_NAMES, make_classifier, make_regressor
from analytics.models.evaluation import (
    cv_metric_cards,
    flat_regression_metrics,
    prediction_frame,
    regression_metrics,
    split_train_test,
    summarize_folds,
)
from analytics.models.features import (
    PREPROCESSOR_STEP,
    encode_rows_fast,
    encoded_feature_sources,
    feature_frame,
)
from analytics.models.schema import FEATURES, TARGET
from analytics.models.synthetic import PLANTED_EFFECTS, make_synthetic_students


@pytest.fixture(scope="module")
def split():
    students = make_synthetic_students(800, seed=3)
    return split_train_test(students, seed=0)


@pytest.fixture(scope="module")
def fitted(split):
    train, _ = split
    return {
        name: make_regressor(name).fit(feature_frame(train), train[TARGET]) for name in REGRESSOR_NAMES
    }


def test_linear_models_reach_planted_accuracy(split, fitted):
    _, test = split
    for name in ("linear", "ridge"):
        metrics = regression_metrics(test[TARGET], fitted[name].predict(feature_frame(test)))
        assert metrics["r2"] >= 0.85, name
        assert metrics["rmse"] < 5.5, name  # noise sd is 4 points plus rounding
    lightgbm = regression_metrics(test[TARGET], fitted["lightgbm"].predict(feature_frame(test)))
    assert lightgbm["r2"] >= 0.75


def test_linear_pipeline_matches_statsmodels_ols(split, fitted):
    train, test = split
    formula = TARGET + " ~ " + " + ".join(
        f"C({name})" if train[name].dtype != "int64" else name for name in FEATURES
    )
    reference = smf.ols(formula, data=train).fit()
    ours = fitted["linear"].predict(feature_frame(test))
    np.testing.assert_allclose(ours, reference.predict(test), atol=1e-8)


def test_linear_pipeline_recovers_planted_gender_effect(fitted):
    model = fitted["linear"].named_steps["model"]
    sources = encoded_feature_sources()
    gender = model.coef_[[i for i, s in enumerate(sources) if s == "gender"]]  # (female, male)
    assert gender[1] - gender[0] == pytest.approx(PLANTED_EFFECTS[("gender", "male")], abs=1.0)


def test_unknown_category_encodes_as_zero_block_and_predicts(split, fitted):
    _, test = split
    rows = test.head(3).copy()
    rows["race_ethnicity"] = ["group Z", "group A", "group Z"]
    encoder = fitted["linear"].named_steps[PREPROCESSOR_STEP]
    encoded = encoder.transform(feature_frame(rows))
    block = [i for i, s in enumerate(encoded_feature_sources()) if s == "race_ethnicity"]
    np.testing.assert_array_equal(encoded[[0, 2]][:, block], 0.0)
    assert encoded[1, block].sum() == 1.0
    for name, model in fitted.items():
        assert np.isfinite(model.predict(feature_frame(rows))).all(), name


def test_fast_encoder_reproduces_pipeline_encoding(split, fitted):
    _, test = split
    rows = test.copy()
    rows.loc[rows.index[:5], "lunch"] = "unknown lunch"
    for name in ("linear", "lightgbm"):
        encoder = fitted[name].named_steps[PREPROCESSOR_STEP]
        expected = encoder.transform(feature_frame(rows))
        np.testing.assert_allclose(encode_rows_fast(encoder, rows), expected, rtol=0, atol=1e-12)


def test_encoded_columns_do_not_depend_on_training_sample(split):
    train, _ = split
    only_group_a = train[train["race_ethnicity"] == "group A"]
    small = make_regressor("linear").fit(feature_frame(only_group_a), only_group_a[TARGET])
    full_width = len(encoded_feature_sources())
    assert small.named_steps[PREPROCESSOR_STEP].transform(feature_frame(train)).shape[1] == full_width


@pytest.mark.parametrize("name", REGRESSOR_NAMES)
def test_pickle_round_trip_gives_identical_predictions(split, fitted, name):
    _, test = split
    restored = pickle.loads(pickle.dumps(fitted[name]))
    np.testing.assert_array_equal(
        restored.predict(feature_frame(test)), fitted[name].predict(feature_frame(test))
    )


def test_lightgbm_is_deterministic_for_a_seed(split):
    train, test = split
    first, second = (
        make_regressor("lightgbm", seed=7).fit(feature_frame(train), train[TARGET]) for _ in range(2)
    )
    np.testing.assert_array_equal(first.predict(feature_frame(test)), second.predict(feature_frame(test)))


def test_unknown_model_names_are_rejected():
    with pytest.raises(ValueError):
        make_regressor("svm")
    with pytest.raises(ValueError):
        make_classifier("linear")


def test_feature_frame_reorders_and_rejects_missing_columns(split):
    train, _ = split
    shuffled = train.loc[:, list(reversed(train.columns))]
    assert list(feature_frame(shuffled).columns) == list(FEATURES)
    with pytest.raises(KeyError):
        feature_frame(train.drop(columns="lunch"))


def test_regression_metrics_hand_computed():
    metrics = regression_metrics(np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 2.0, 3.0, 2.0]))
    assert metrics["rmse"] == pytest.approx(np.sqrt(5 / 4))
    assert metrics["mae"] == pytest.approx(3 / 4)
    assert metrics["r2"] == pytest.approx(1 - 5 / 5)  # SS_res 5, SS_tot 5


def test_fold_summary_uses_sample_sd_and_flat_cards():
    folds = pd.DataFrame({"rmse": [4.0, 6.0], "mae": [3.0, 3.0], "r2": [0.8, 0.9]})
    summary = summarize_folds(folds)
    assert summary["rmse_mean"] == 5.0 and summary["rmse_sd"] == pytest.approx(np.sqrt(2))
    flat = flat_regression_metrics(summary, {"rmse": 5.5, "mae": 3.1, "r2": 0.85})
    cards = cv_metric_cards(flat)
    assert [card["metric"] for card in cards] == ["rmse", "mae", "r2"]
    assert cards[0] == {"metric": "rmse", "cv_mean": 5.0, "cv_sd": pytest.approx(np.sqrt(2)),
                        "test": 5.5, "lower_is_better": True}
    assert cards[2]["lower_is_better"] is False


def test_prediction_frame_residual_is_actual_minus_predicted():
    frame = prediction_frame(np.array([70, 50]), np.array([65.0, 55.0]))
    assert frame["residual"].tolist() == [5.0, -5.0]


def test_split_is_seeded_and_stratified():
    students = make_synthetic_students(400, seed=1)
    label = pd.Series((students[TARGET] < 50).astype(int), index=students.index)
    train_a, test_a = split_train_test(students, seed=5, stratify=label)
    train_b, test_b = split_train_test(students, seed=5, stratify=label)
    assert test_a.index.equals(test_b.index) and len(test_a) == 80
    assert abs(label[test_a.index].mean() - label.mean()) < 0.02
