"""E-values against VanderWeele & Ding (2017) and the assumption report on planted data."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from analytics.causal import (
    assess_assumptions,
    e_value,
    e_value_from_risk_ratio,
    e_values,
    estimate_effects,
    primary_estimate,
    simulate_confounded,
)


def test_e_value_of_risk_ratio_matches_published_example():
    # VanderWeele & Ding (2017), Ann Intern Med: RR 3.9 (95% CI 1.8 to 8.7) -> E-values 7.26 and 3.0.
    assert e_value_from_risk_ratio(3.9) == pytest.approx(7.26, abs=0.005)
    assert e_value_from_risk_ratio(1.8) == pytest.approx(3.0, abs=1e-12)
    assert e_value_from_risk_ratio(1 / 3.9) == pytest.approx(e_value_from_risk_ratio(3.9))
    assert e_value_from_risk_ratio(1.0) == 1.0


def test_e_value_of_mean_difference_uses_standardized_effect():
    # Hand case: effect 5 points, SD 10 -> d = 0.5, RR = exp(0.455); CI (1, 9) -> lower RR exp(0.091).
    result = e_value(5.0, 1.0, 9.0, 10.0)
    rr, rr_low = math.exp(0.91 * 0.5), math.exp(0.91 * 0.1)
    assert result["d"] == pytest.approx(0.5)
    assert result["risk_ratio"] == pytest.approx(rr)
    assert result["e_value"] == pytest.approx(rr + math.sqrt(rr * (rr - 1)))
    assert result["e_value_ci"] == pytest.approx(rr_low + math.sqrt(rr_low * (rr_low - 1)))


def test_e_value_of_harmful_estimate_uses_upper_bound_and_null_crossing_gives_one():
    harmful = e_value(-5.0, -9.0, -1.0, 10.0)
    rr_high = math.exp(-0.91 * 0.1)
    assert harmful["e_value"] == pytest.approx(e_value(5.0, 1.0, 9.0, 10.0)["e_value"])
    assert harmful["e_value_ci"] == pytest.approx(e_value_from_risk_ratio(rr_high))
    assert e_value(2.0, -1.0, 5.0, 10.0)["e_value_ci"] == 1.0


def test_e_values_table_covers_every_estimate():
    result = estimate_effects(simulate_confounded(3000, seed=2), "treat", "y", ["x1", "x2", "group"])
    table = e_values(result)
    assert len(table) == len(result.table)
    sd = result.diagnostics["outcome_sd"]
    row = result.table.iloc[0]
    assert table.iloc[0]["e_value"] == pytest.approx(e_value(row.estimate, row.ci_low, row.ci_high, sd)["e_value"])


def _statuses(report):
    return {item["assumption"]: item["status"] for item in report}


def test_assumptions_ok_on_well_behaved_planted_data():
    result = estimate_effects(simulate_confounded(20_000, seed=1), "treat", "y", ["x1", "x2", "group"])
    report = assess_assumptions(result)
    assert [item["assumption"] for item in report] == [
        "no_unmeasured_confounding", "overlap", "sutva", "model_specification"]
    assert _statuses(report) == {"no_unmeasured_confounding": "info", "overlap": "ok", "sutva": "info",
                                 "model_specification": "ok"}
    overlap = report[1]["evidence"]
    assert overlap["share_outside_support"] == result.diagnostics["common_support"]["share_outside"]
    assert overlap["ess_control"] == result.diagnostics["weighting"]["ATE"]["ess_control"]
    assert report[0]["evidence"]["method"] == primary_estimate(result.table)["method"] == "aipw"
    assert json.dumps(report)


def test_assumptions_warn_on_post_treatment_covariate_and_poor_overlap():
    rng = np.random.default_rng(7)
    n = 3000
    x = rng.standard_normal(n)
    treat = (rng.random(n) < 1 / (1 + np.exp(-4 * x))).astype(int)
    reading = 50 + 5 * x + 4 * treat + rng.standard_normal(n)  # measured after the course
    df = pd.DataFrame({"treat": treat, "x": x, "reading": reading, "math": 50 + 5 * x + 2 * treat + reading * 0.1})
    result = estimate_effects(df, "treat", "math", ["x", "reading"], post_treatment={"reading"})
    report = assess_assumptions(result, refutations=[{"check": "placebo_treatment", "passed": False}])
    assert _statuses(report) == {"no_unmeasured_confounding": "warn", "overlap": "warn", "sutva": "info",
                                 "model_specification": "warn"}
    assert report[3]["evidence"]["post_treatment_covariates"] == ["reading"]
    assert report[0]["evidence"]["refutations_failed"] == ["placebo_treatment"]
