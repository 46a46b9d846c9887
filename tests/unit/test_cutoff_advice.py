"""Cutoff metrics agree with scikit-learn at every threshold; advice knows the student's situation."""
import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, precision_score, recall_score

from analytics.advice import advice_group
from analytics.models.cutoff import cutoff_table


@pytest.mark.parametrize("threshold", [0.0, 0.05, 0.3, 0.5, 0.731, 0.9, 1.0])
def test_cutoff_metrics_match_sklearn(threshold):
    rng = np.random.default_rng(7)
    proba = np.round(rng.uniform(size=2_000), 2)   # rounded: many ties exactly at the threshold
    y = (rng.uniform(size=proba.size) < proba).astype(int)
    flagged = (proba >= threshold).astype(int)
    tn, fp, fn, tp = confusion_matrix(y, flagged, labels=[0, 1]).ravel()
    got = cutoff_table(y, proba).metrics(threshold)
    assert (got["tn"], got["fp"], got["fn"], got["tp"]) == (tn, fp, fn, tp)
    if flagged.any():
        assert got["precision"] == pytest.approx(precision_score(y, flagged))
    assert got["recall"] == pytest.approx(recall_score(y, flagged))
    assert got["flagged_per_100"] == pytest.approx(100 * flagged.mean())


def test_cutoff_rejects_bad_outcomes():
    with pytest.raises(ValueError, match="only 0 and 1"):
        cutoff_table([0, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="same length"):
        cutoff_table([0, 1], [0.1])


def test_raising_the_cutoff_flags_fewer_students():
    rng = np.random.default_rng(1)
    table = cutoff_table(rng.integers(0, 2, 500), rng.uniform(size=500))
    flagged = [table.metrics(t)["flagged_per_100"] for t in np.linspace(0, 1, 21)]
    assert flagged == sorted(flagged, reverse=True) and flagged[0] == 100.0


def test_high_risk_student_who_completed_test_prep_gets_other_advice():
    assert advice_group("high", {"test_prep": "completed"}) == "high_prepped"
    assert advice_group("high", {"test_prep": "none"}) == "high"
    assert advice_group("medium", {"test_prep": "completed"}) == "medium"
    with pytest.raises(ValueError):
        advice_group("severe", {})
