"""EBPM tab builders and data helpers without a browser: headline card, SE-type labels, placebo histogram,
upload problems, the poor-overlap bootstrap, upload column choices and the URL state."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.io as pio
import pytest
from dash import dash_table

from analytics.causal import estimate_effects, placebo_test
from analytics.causal.effect_csv import cell_errors
from analytics.causal.effect_io import read_effect_csv
from analytics.causal.messages import describe
from analytics.causal.simulate import simulate_clustered, simulate_confounded
from dashboard.common.i18n import t
from dashboard.ebpm import view
from dashboard.ebpm.data import (
    EffectSpec,
    auto_bootstrap,
    effect_result,
    query_state,
    upload_choices,
    upload_source,
    validated_spec,
)
from warehouse.uploads import store_upload


def _text(component) -> str:
    return json.dumps(component.to_plotly_json(), ensure_ascii=False, default=lambda o: o.to_plotly_json())


@pytest.fixture(scope="module")
def clustered():
    df = simulate_clustered(3000, 40, seed=3)
    return df, estimate_effects(df, "treat", "y", ["x1", "x2"], cluster="school_id")


def _poor_overlap(n: int = 1500, seed: int = 1) -> pd.DataFrame:
    """A confounder that almost decides the treatment: propensity scores pile up near 0 and 1."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    treated = (rng.random(n) < 1 / (1 + np.exp(-4 * x))).astype(int)
    return pd.DataFrame({"t": treated, "x": x, "y": 2.0 * treated + 3 * x + rng.standard_normal(n)})


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_se_type_labels_name_each_kind(lang):
    shown = {kind: view.se_type_label(kind, lang) for kind in ("analytic", "cluster", "bootstrap")}
    assert len(set(shown.values())) == 3
    assert all(kind in label for kind, label in shown.items() if kind != "analytic" or lang == "ja")
    assert not any(label.startswith("ebpm.") for label in shown.values())


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_headline_card_shows_the_chosen_row_its_se_type_and_reason(clustered, lang):
    _df, result = clustered
    headline = result.headline
    text = _text(view.headline_card(result, lang))
    assert headline["se_type"] == "cluster"
    assert view.se_type_label("cluster", lang) in text
    assert f"{headline['estimate']:+.2f}" in text and f"{headline['se']:.2f}" in text
    assert f"{headline['ci_low']:.2f}" in text and f"{headline['ci_high']:.2f}" in text
    assert describe(headline["reason"], lang) in text
    assert view.term(headline["method"], lang) in text
    assert str(result.diagnostics["n_clusters"]) in text


def test_headline_card_without_a_headline_says_so(clustered):
    _df, result = clustered
    result = type(result)(**{**result.__dict__, "headline": None})
    assert t("ebpm.headline.none", "en") in _text(view.headline_card(result, "en"))


def test_estimates_table_puts_the_se_type_beside_every_ci_and_marks_unreliable_rows():
    result = estimate_effects(_poor_overlap(), "t", "y", ["x"])
    table = next(c for c in view.estimates_table(result, "en").children if isinstance(c, dash_table.DataTable)).data
    assert [row["se_type"] for row in table] == [view.se_type_label(s, "en") for s in result.table["se_type"]]
    unreliable = result.table[~result.table["reliable"]]
    assert len(unreliable)   # the planted poor overlap leaves at least one weighting row unreliable
    for position in unreliable.index:
        assert table[position]["reliable"] == t("ebpm.unreliable", "en",
                                                  reason=describe(result.table.loc[position, "reason"], "en"))
    assert len(view.unreliable_list(result, "en")) == 1


def test_estimates_figure_labels_each_method_with_its_se_type(clustered):
    _df, result = clustered
    figure = view.figures(result, "en", None)[0]
    names = list(figure.data[0].y)
    assert names and all(view.se_type_label("cluster", "en") in name for name in names)


def test_placebo_histogram_holds_every_permutation_and_marks_the_actual_estimate():
    df = simulate_confounded(600, seed=2)
    placebo = placebo_test(df, "treat", "y", ["x1", "x2"], n_permutations=25)
    figure = view.placebo_figure(placebo, "en")
    assert sorted(figure.data[0].x) == sorted(placebo["distribution"])
    assert any(shape["x0"] == placebo["actual_estimate"] for shape in figure.layout.shapes)
    assert f"{placebo['p_value']:.3f}" in figure.layout.title.text
    assert figure.layout.xaxis.title.text and figure.layout.yaxis.title.text
    panel = _text(view.sensitivity_panel(pd.DataFrame(columns=["method", "estimand", "d", "risk_ratio", "e_value",
                                                                 "e_value_ci", "headline"]), [placebo], "ja"))
    assert "ebpm-placebo" in panel and f"{placebo['p_value']:.3f}" in panel
    pio.to_json(figure)   # serialisable for the browser


def test_forest_title_names_the_se_type():
    subgroups = pd.DataFrame({"variable": ["lunch"], "subgroup": ["standard"], "method": ["aipw"],
                              "estimand": ["ATE"], "estimate": [1.0], "se": [0.5], "ci_low": [0.0],
                              "ci_high": [2.0], "p_value": [0.05], "n": [100]})
    assert view.se_type_label("cluster", "ja") in view.forest_figure(subgroups, 1.0, "ja", "cluster").layout.title.text


def _inf_upload() -> pd.DataFrame:
    rows = "\n".join(f"{i % 2},{i * 0.1},{'Inf' if i == 3 else i},{i % 7}" for i in range(60))
    return read_effect_csv(("treat,baseline,score,motivation\n" + rows).encode(), "inf.csv", max_bytes=10**6)


def test_upload_problems_are_red_and_broken_columns_are_not_preselected():
    frame = _inf_upload()
    errors = cell_errors(frame, list(frame.columns))
    assert [e["column"] for e in errors] == ["score"]
    text = _text(view.upload_problems(errors, "en"))
    assert "text-danger" in text and describe(errors[0], "en") in text and "line 5" in describe(errors[0], "en")
    choices = upload_choices(frame, None)
    assert choices["outcome"][1] != "score" and "score" not in choices["covariates"][1]
    assert "score" in [o["value"] for o in choices["outcome"][0]]   # still offered, just not chosen


def test_poor_overlap_bootstraps_the_weighting_estimators_within_the_budget(tmp_path):
    data = _poor_overlap().to_csv(index=False).encode()
    source = upload_source(tmp_path, store_upload(tmp_path, data, name="o.csv", max_bytes=10**7,
                                                  max_rows=10**5).token)
    spec = validated_spec({"treatment": "t", "outcome": "y", "covariates": ["x"]}, allow_filters=False)
    result = effect_result(source, spec)
    replicates = auto_bootstrap(result, spec)
    assert 50 <= replicates <= 200
    by_method = dict(zip(result.table["method"], result.table["se_type"]))
    assert by_method["ipw"] == by_method["aipw"] == "bootstrap"
    assert by_method["regression_adjustment"] == by_method["psm"] == "analytic"
    assert str(replicates) in _text(view.headline_card(result, "en", replicates))


def test_good_overlap_keeps_analytic_ses(tmp_path):
    data = simulate_confounded(800, seed=4).to_csv(index=False).encode()
    source = upload_source(tmp_path, store_upload(tmp_path, data, name="c.csv", max_bytes=10**7,
                                                  max_rows=10**5).token)
    spec = EffectSpec("treat", "y", ("x1", "x2"))
    result = effect_result(source, spec)
    assert auto_bootstrap(result, spec) == 0 and set(result.table["se_type"]) == {"analytic"}


def test_url_state_restores_allowed_values_and_drops_the_rest():
    state = query_state({"treatment": "tutoring", "outcome": "reading_score", "cov": "gender,lunch,../x",
                         "sub_lunch": "standard", "sub_gender": "robot", "k": "3", "caliper": "none",
                         "replace": "0", "trim": "0.05", "cluster": "school_id", "fe": "/etc/passwd",
                         "estimand": "ATT", "boot": "300", "ci": "bca", "by": "gender"})
    assert state["treatment"] == "tutoring" and state["outcome"] == "reading_score"
    assert state["covariates"] == ["gender", "lunch"]
    assert state["filters"]["lunch"] == "standard" and state["filters"]["gender"] is None
    assert (state["psm_k"], state["caliper"], state["replace"], state["trim"]) == (3, None, False, "0.05")
    assert (state["cluster"], state["fixed_effects"], state["estimand"]) == ("school_id", None, "ATT")
    assert (state["bootstrap"], state["boot_n"], state["ci"], state["by"]) == (True, 300, "bca", "gender")
    defaults = query_state({"k": "100000", "caliper": "1e9", "boot": "99999", "estimand": "X"})
    assert (defaults["psm_k"], defaults["caliper"], defaults["bootstrap"], defaults["estimand"]) == \
        (1, 0.2, False, "ATE")
