"""At-risk classifier: threshold choice on validation data, reports, risk levels, officials' figures."""

import pickle

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

from analytics.models.evaluation import split_train_test
from analytics.models.risk import (
    RiskModel,
    at_risk_label,
    choose_threshold,
    classification_report,
    curve_frames,
    risk_levels,
    train_risk_model,
)
from analytics.models.schema import TARGET
from analytics.models.synthetic import make_synthetic_students


@pytest.fixture(scope="module")
def split():
    students = make_synthetic_students(700, seed=21)
    return split_train_test(students, seed=0, stratify=(students[TARGET] < 55).astype(int))


@pytest.fixture(scope="module", params=["logistic", "lightgbm"])
def evaluation(request, split):
    train, test = split
    return train_risk_model(request.param, train, test, pass_mark=55, seed=0)


def test_choose_threshold_hand_case():
    y = np.array([1, 1, 1, 1, 1, 0, 0])
    proba = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.65, 0.1])
    # 4 of 5 positives needed: the 4th highest positive probability is 0.6.
    assert choose_threshold(y, proba, min_recall=0.8) == 0.6
    assert choose_threshold(y, proba, min_recall=1.0) == 0.5
    with pytest.raises(ValueError):
        choose_threshold(np.zeros(3), np.array([0.1, 0.2, 0.3]))


def test_risk_levels_cut_points():
    levels = risk_levels(np.array([0.40, 0.39, 0.20, 0.19, 0.0]), threshold=0.4)
    assert levels.tolist() == ["high", "medium", "medium", "low", "low"]


def test_classification_report_hand_case_and_officials_terms():
    y = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    proba = np.array([0.9, 0.8, 0.7, 0.2, 0.6, 0.3, 0.1, 0.1, 0.05, 0.0])
    report = classification_report(y, proba, threshold=0.5)
    assert (report["tp"], report["fn"], report["fp"], report["tn"]) == (3, 1, 1, 5)
    assert report["recall"] == pytest.approx(0.75) and report["precision"] == pytest.approx(0.75)
    assert report["f1"] == pytest.approx(f1_score(y, proba >= 0.5))
    assert report["roc_auc"] == pytest.approx(roc_auc_score(y, proba))
    assert report["pr_auc"] == pytest.approx(average_precision_score(y, proba))
    assert report["at_risk_flagged_per_100"] == pytest.approx(75.0)
    assert report["flagged_per_100_students"] == pytest.approx(40.0)
    assert report["true_at_risk_per_100_flagged"] == pytest.approx(75.0)


def test_curve_frames_end_points():
    y = np.array([0, 1, 0, 1])
    roc, pr = curve_frames(y, np.array([0.1, 0.8, 0.4, 0.6]))
    assert (roc["fpr"].iloc[-1], roc["tpr"].iloc[-1]) == (1.0, 1.0)
    assert pr["recall"].max() == 1.0 and np.isnan(pr["threshold"].iloc[-1])


def test_threshold_meets_recall_target_on_validation(evaluation):
    scores = evaluation.validation_scores
    flagged = scores["probability"] >= evaluation.model.threshold
    recall = flagged[scores["at_risk"] == 1].mean()
    assert recall >= 0.8
    assert evaluation.validation["recall"] == pytest.approx(recall)
    assert evaluation.model.threshold == choose_threshold(scores["at_risk"], scores["probability"])


def test_threshold_does_not_depend_on_the_test_split(split, evaluation):
    train, test = split
    other_test = make_synthetic_students(150, seed=99)
    again = train_risk_model(evaluation.model.name, train, other_test, pass_mark=55, seed=0)
    assert again.model.threshold == evaluation.model.threshold


def test_test_report_matches_test_scores(split, evaluation):
    _, test = split
    scores = evaluation.test_scores
    assert scores["at_risk"].tolist() == at_risk_label(test[TARGET], 55).tolist()
    flagged = scores["probability"] >= evaluation.model.threshold
    assert evaluation.test["tp"] == int((flagged & (scores["at_risk"] == 1)).sum())
    assert evaluation.test["roc_auc"] > 0.85  # planted effects make the label learnable


def test_risk_model_scores_and_survives_pickle(split, evaluation):
    _, test = split
    restored: RiskModel = pickle.loads(pickle.dumps(evaluation.model))
    scored = restored.score(test)
    np.testing.assert_array_equal(scored["probability"], evaluation.model.predict_proba(test))
    assert set(scored["risk_level"]) <= {"low", "medium", "high"}
    assert (scored["flagged"] == (scored["risk_level"] == "high")).all()
