"""Upload validation: one error code per problem, and plain numeric CSVs work as they are."""

import io

import numpy as np
import pandas as pd
import pytest

from analytics.causal import EffectInputError, estimate_effects, validate_effect_input


@pytest.fixture()
def upload():
    """A `treat, motivation, baseline, y` CSV as a user would upload it (true effect 5)."""
    rng = np.random.default_rng(0)
    n = 300
    motivation = rng.normal(size=n)
    baseline = rng.normal(50, 10, size=n)
    treat = (rng.random(n) < 1 / (1 + np.exp(-motivation))).astype(int)
    y = 5 * treat + 2 * motivation + 0.5 * baseline + rng.normal(size=n)
    text = pd.DataFrame({"treat": treat, "motivation": motivation, "baseline": baseline, "y": y}).to_csv(index=False)
    return pd.read_csv(io.StringIO(text))


def _codes(errors):
    return [(error["code"], error["column"]) for error in errors]


def test_numeric_csv_works_as_is(upload):
    assert validate_effect_input(upload, "treat", "y", ["motivation", "baseline"]) == []
    result = estimate_effects(upload, "treat", "y", ["motivation", "baseline"])
    assert result.table["estimate"].notna().all()
    aipw = result.table[(result.table.method == "aipw") & (result.table.estimand == "ATE")].iloc[0]
    assert aipw.ci_low <= 5 <= aipw.ci_high


def test_missing_columns_and_role_conflicts(upload):
    errors = validate_effect_input(upload, "treat", "score", ["motivation", "ghost", "treat"])
    assert ("missing_column", "score") in _codes(errors)
    assert ("missing_column", "ghost") in _codes(errors)
    assert ("role_conflict", "treat") in _codes(errors)


def test_non_binary_treatment_lists_values(upload):
    upload["treat"] = upload["treat"] * 2
    errors = validate_effect_input(upload, "treat", "y", ["motivation"])
    assert _codes(errors) == [("non_binary_treatment", "treat")]
    assert set(errors[0]["message_params"]["values"]) == {"0", "2"}
    upload["treat"] = np.where(upload["treat"] > 0, "completed", "none")
    assert _codes(validate_effect_input(upload, "treat", "y", ["motivation"])) == [("non_binary_treatment", "treat")]


def test_bool_treatment_is_accepted(upload):
    upload["treat"] = upload["treat"].astype(bool)
    assert validate_effect_input(upload, "treat", "y", ["motivation"]) == []
    assert estimate_effects(upload, "treat", "y", ["motivation"], methods=["ipw"]).table["estimate"].notna().all()


def test_too_few_treated_and_controls(upload):
    small = upload.sort_values("treat").iloc[[0, 1, 2, -1, -2]]
    errors = validate_effect_input(small, "treat", "y", ["motivation"], min_group=3)
    assert _codes(errors) == [("too_few_treated", "treat")]
    assert errors[0]["message_params"] == {"count": 2, "minimum": 3}
    errors = validate_effect_input(upload.iloc[:5].assign(treat=1), "treat", "y", [])
    assert ("too_few_controls", "treat") in _codes(errors)


def test_constant_and_high_cardinality_covariates(upload):
    upload["school"] = "one"
    upload["student_name"] = [f"name {i}" for i in range(len(upload))]
    upload["region"] = np.where(upload.index % 2 == 0, "north", "south")
    errors = validate_effect_input(upload, "treat", "y", ["school", "student_name", "region"])
    assert _codes(errors) == [("constant_covariate", "school"), ("high_cardinality_covariate", "student_name")]
    assert errors[1]["message_params"] == {"n_levels": len(upload), "max_levels": 20}


def test_non_numeric_outcome(upload):
    upload["y"] = np.where(upload["y"] > 30, "high", "low")
    assert _codes(validate_effect_input(upload, "treat", "y", ["motivation"])) == [("non_numeric_outcome", "y")]


def test_missing_values_report_row_counts(upload):
    upload.loc[:6, "baseline"] = np.nan
    upload.loc[:2, "y"] = np.nan
    errors = validate_effect_input(upload, "treat", "y", ["motivation", "baseline"])
    by_column = {error["column"]: error["message_params"] for error in errors if error["code"] == "missing_values"}
    assert by_column == {"y": {"n_rows": 3, "n_total": 300}, "baseline": {"n_rows": 7, "n_total": 300}}


def test_estimate_effects_raises_with_error_list(upload):
    with pytest.raises(EffectInputError) as caught:
        estimate_effects(upload, "treat", "missing", ["motivation"])
    assert _codes(caught.value.errors) == [("missing_column", "missing")]
    with pytest.raises(ValueError):
        estimate_effects(upload, "treat", "y", ["motivation"], methods=["magic"])
