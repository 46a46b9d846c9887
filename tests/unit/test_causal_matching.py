"""PSM against brute-force matching written as explicit Python loops on small data."""

import numpy as np
import pytest

from analytics.causal import fit_propensity, psm_att, simulate_confounded
from analytics.causal.design import build_design
from analytics.causal.matching import TIE_TOLERANCE, VARIANCE_NEIGHBOURS, caliper_width


def _sample(n, covariates):
    df = simulate_confounded(n, seed=n)
    df["x1_sign"] = (df["x1"] > 0).astype(int)
    treated = df["treat"].to_numpy() == 1
    fit = fit_propensity(build_design(df, covariates).matrix, treated)
    return df["y"].to_numpy(), treated, fit.logit


@pytest.fixture(scope="module", params=[60, 200])
def small(request):
    """Outcome, treated flag and propensity logit on a small planted sample (no ties)."""
    return _sample(request.param, ["x1", "x2", "group"])


@pytest.fixture(scope="module")
def tied():
    """Only discrete covariates: six distinct scores, so nearly every match is a tie."""
    return _sample(300, ["x1_sign", "group"])


def _brute_force_matches(logit, treated, k, width, replace):
    """{treated row: [control rows]} by scanning every control for every treated unit."""
    treated_rows = [i for i in range(len(logit)) if treated[i]]
    control_rows = [j for j in range(len(logit)) if not treated[j]]
    matches = {i: [] for i in treated_rows}
    if replace:
        for i in treated_rows:
            distances = sorted(abs(logit[i] - logit[j]) for j in control_rows)
            radius = distances[min(k, len(distances)) - 1]
            if width is not None:
                radius = min(radius, width)
            # Every control as close as the k-th nearest counts (Abadie–Imbens ties).
            matches[i] = [j for j in control_rows if abs(logit[i] - logit[j]) <= radius + TIE_TOLERANCE]
        return matches
    available = set(control_rows)
    order = sorted(treated_rows, key=lambda i: -logit[i])
    for _ in range(k):
        for i in order:
            if not available:
                break
            best = min(available, key=lambda j: abs(logit[i] - logit[j]))
            if width is None or abs(logit[i] - logit[best]) <= width:
                matches[i].append(best)
                available.remove(best)
    return matches


def _brute_force_att_and_se(y, logit, treated, matches):
    """ATT and Abadie–Imbens (2006) SE with loops, as written in the paper (weights 1/k_i)."""
    matched = [i for i, controls in matches.items() if controls]
    differences = {i: y[i] - sum(y[j] for j in matches[i]) / len(matches[i]) for i in matched}
    att = sum(differences.values()) / len(matched)
    weight, weight_sq = {}, {}
    for i in matched:
        for j in matches[i]:
            weight[j] = weight.get(j, 0) + 1 / len(matches[i])
            weight_sq[j] = weight_sq.get(j, 0) + 1 / len(matches[i]) ** 2
    controls = [j for j in range(len(y)) if not treated[j]]
    total = sum((differences[i] - att) ** 2 for i in matched)
    for j in weight:
        others = [c for c in controls if c != j]
        radius = sorted(abs(logit[c] - logit[j]) for c in others)[VARIANCE_NEIGHBOURS - 1]
        neighbours = [c for c in others if abs(logit[c] - logit[j]) <= radius + TIE_TOLERANCE]
        local_mean = sum(y[c] for c in neighbours) / len(neighbours)
        variance = len(neighbours) / (len(neighbours) + 1) * (y[j] - local_mean) ** 2
        total += (weight[j] ** 2 - weight_sq[j]) * variance
    return att, np.sqrt(total) / len(matched), weight


@pytest.mark.parametrize("k,caliper,replace", [
    (1, 0.2, True), (2, 0.2, True), (3, None, True), (1, 0.05, True), (1, 0.2, False), (2, None, False),
])
def test_psm_equals_brute_force(small, k, caliper, replace):
    _check_against_brute_force(small, k, caliper, replace)


@pytest.mark.parametrize("k,caliper", [(1, 0.2), (2, None), (4, 0.1)])
def test_psm_with_ties_uses_every_tied_control(tied, k, caliper):
    result = _check_against_brute_force(tied, k, caliper, replace=True)
    assert (result.pairs.groupby("treated_row").size() > k).any()


def _check_against_brute_force(sample, k, caliper, replace):
    y, treated, logit = sample
    width = caliper_width(logit, treated, caliper)
    matches = _brute_force_matches(logit, treated, k, width, replace)
    att, se, control_weight = _brute_force_att_and_se(y, logit, treated, matches)
    result = psm_att(y, treated, logit, k=k, caliper=caliper, replace=replace)
    assert result.row["estimate"] == pytest.approx(att, abs=1e-10)
    assert result.row["se"] == pytest.approx(se, rel=1e-10)
    n_matched = sum(1 for controls in matches.values() if controls)
    assert result.counts == {"n_treated_matched": n_matched,
                             "n_treated_discarded": int(treated.sum()) - n_matched,
                             "n_controls_used": len(control_weight)}
    found = {(int(t), int(c)) for t, c in zip(result.pairs["treated_row"], result.pairs["control_row"])}
    assert found == {(i, j) for i, controls in matches.items() for j in controls}
    for j, weight in control_weight.items():
        assert result.weights[j] == pytest.approx(weight)
    return result


def test_caliper_is_share_of_pooled_logit_sd(small):
    _, treated, logit = small
    pooled = np.sqrt((np.var(logit[treated], ddof=1) + np.var(logit[~treated], ddof=1)) / 2)
    assert caliper_width(logit, treated, 0.2) == pytest.approx(0.2 * pooled)
    assert caliper_width(logit, treated, None) is None


def test_tight_caliper_discards_treated_and_reports_it(small):
    y, treated, logit = small
    loose = psm_att(y, treated, logit, caliper=None)
    tight = psm_att(y, treated, logit, caliper=0.001)
    assert loose.counts["n_treated_discarded"] == 0
    assert tight.counts["n_treated_discarded"] > 0
    assert tight.row["n"] == tight.counts["n_treated_matched"] + tight.counts["n_controls_used"]


def test_without_replacement_uses_each_control_once_at_scale():
    df = simulate_confounded(20_000, seed=3)
    treated = df["treat"].to_numpy() == 1
    fit = fit_propensity(build_design(df, ["x1", "x2", "group"]).matrix, treated)
    result = psm_att(df["y"].to_numpy(), treated, fit.logit, k=2, replace=False)
    assert result.pairs["control_row"].is_unique
    assert len(result.pairs) <= 2 * result.counts["n_treated_matched"]


def test_massive_ties_equal_exact_stratification_at_100k():
    # With only discrete covariates every treated unit is matched to its whole stratum of controls,
    # so the ATT is the treated-weighted mean of within-stratum differences.
    df = simulate_confounded(100_000, seed=12)
    df["x1_sign"] = (df["x1"] > 0).astype(int)
    treated = df["treat"].to_numpy() == 1
    fit = fit_propensity(build_design(df, ["x1_sign", "group"]).matrix, treated)
    result = psm_att(df["y"].to_numpy(), treated, fit.logit, k=1, caliper=None)
    means = df.groupby(["x1_sign", "group", "treat"])["y"].mean().unstack("treat")
    sizes = df[treated].groupby(["x1_sign", "group"]).size()
    expected = np.sum(sizes * (means[1] - means[0])) / sizes.sum()
    assert result.row["estimate"] == pytest.approx(expected, abs=1e-9)
    assert result.counts["n_controls_used"] == int((~treated).sum())
    assert result.pairs.empty  # hundreds of millions of tied pairs are summarised, not stored
