"""Effect I/O: CSV and JSON rows into frames with limits, option checks, column roles, the JSON payload,
and a sentence (en and ja) for every warning and error code the estimators raise."""
from __future__ import annotations

import json
import string

import numpy as np
import pandas as pd
import pytest

from analytics.causal import EffectInputError, estimate_effects, simulate_confounded, validate_effect_input
from analytics.causal.effect_io import (
    EffectOptions,
    analyse_effect,
    check_effect_input,
    column_kinds,
    effect_options,
    effect_payload,
    read_effect_csv,
    records_frame,
    sample_for_analysis,
)
from analytics.causal.messages import MESSAGES, describe

LIMIT = 10_000_000


def codes(excinfo) -> list[str]:
    return [error["code"] for error in excinfo.value.errors]


def test_csv_in_cp932_with_semicolons_and_japanese_header():
    text = "処置;意欲;点数\n1;0.5;70\n0;-0.2;60\n"
    frame = read_effect_csv(text.encode("cp932"), "jp.csv", max_bytes=LIMIT)
    assert list(frame.columns) == ["処置", "意欲", "点数"]
    assert frame["処置"].tolist() == [1, 0] and frame["点数"].tolist() == [70, 60]


def test_csv_with_bom_spaces_and_kaggle_header_keeps_names_and_codes_test_prep():
    text = ('\ufeff"gender", "test preparation course", "math score"\n'
            '"female", "completed", "72"\n"male", "none", "60"\n')
    frame = read_effect_csv(text.encode("utf-8"), "kaggle.csv", max_bytes=LIMIT)
    assert list(frame.columns) == ["gender", "test preparation course", "math score"]   # as the user wrote them
    assert frame["test preparation course"].tolist() == [1, 0]
    assert frame["gender"].tolist() == ["female", "male"]


@pytest.mark.parametrize("data, max_bytes, max_rows, code", [
    (b"a,b\n1,2\n" * 100, 50, 1000, "file_too_large"),
    (b"a,b\n" + b"1,2\n" * 11, LIMIT, 10, "too_many_rows"),
    (b"\x00\x01\x02binary", LIMIT, 1000, "not_text"),
    (b"  \n\n", LIMIT, 1000, "empty_file"),
    (b"a,b\n", LIMIT, 1000, "no_rows"),
    (b'a,b\n"1,2\n', LIMIT, 1000, "unparseable_csv"),
])
def test_unusable_csv_raises_a_coded_error(data, max_bytes, max_rows, code):
    with pytest.raises(EffectInputError) as excinfo:
        read_effect_csv(data, "f.csv", max_bytes=max_bytes, max_rows=max_rows)
    assert codes(excinfo) == [code]


def test_records_need_objects_and_respect_the_row_limit():
    with pytest.raises(EffectInputError) as excinfo:
        records_frame([[1, 2]])
    assert codes(excinfo) == ["rows_not_objects"]
    with pytest.raises(EffectInputError) as excinfo:
        records_frame([{"a": 1}] * 6, max_rows=5)
    assert codes(excinfo) == ["too_many_rows"]
    assert records_frame([{"t": 1, "x": 2.5}, {"t": 0, "x": None}])["x"].dtype.kind == "f"


def test_a_number_column_with_stray_text_is_a_non_numeric_covariate():
    frame = simulate_confounded(200, seed=1)
    frame["x1"] = frame["x1"].astype(object)
    frame.loc[3, "x1"] = "n.a."
    errors = check_effect_input(frame, "treat", "y", ["x1", "group"])
    assert [(e["code"], e["column"]) for e in errors] == [("non_numeric_covariate", "x1")]
    assert errors[0]["message_params"]["values"] == ["n.a."]
    assert check_effect_input(frame, "treat", "y", ["group"]) == []   # a true category is fine


@pytest.mark.parametrize("kwargs, code", [
    ({"psm_k": 0}, "invalid_psm_k"), ({"psm_k": 2.5}, "invalid_psm_k"), ({"psm_k": True}, "invalid_psm_k"),
    ({"caliper": -1}, "invalid_caliper"), ({"caliper": float("nan")}, "invalid_caliper"),
    ({"psm_k": 100000}, "invalid_psm_k"), ({"caliper": 1e9}, "invalid_caliper"), ({"caliper": 0}, "invalid_caliper"),
    ({"replace": "yes"}, "invalid_replace"),
    ({"trim": [0.6, 0.9]}, "invalid_trim"), ({"trim": [0.1]}, "invalid_trim"), ({"trim": "0.1,0.9"}, "invalid_trim"),
    ({"bootstrap": 5}, "invalid_bootstrap"), ({"bootstrap": True}, "invalid_bootstrap"),
    ({"ci": "normal"}, "invalid_ci"), ({"estimand": "atc"}, "invalid_estimand"),
    ({"cluster": ""}, "invalid_column_option"), ({"fixed_effects": 3}, "invalid_column_option"),
])
def test_invalid_options_name_the_option(kwargs, code):
    with pytest.raises(EffectInputError) as excinfo:
        effect_options(**kwargs)
    assert codes(excinfo) == [code]
    assert excinfo.value.errors[0]["field"] == next(iter(kwargs))


def test_valid_options_become_estimator_arguments():
    options = effect_options(psm_k=3, caliper=None, replace=False, trim=[0.05, 0.95])
    assert options == EffectOptions(psm_k=3, caliper=None, replace=False, trim=(0.05, 0.95))
    assert options.kwargs() == {"psm_k": 3, "caliper": None, "replace": False, "trim": (0.05, 0.95),
                                "cluster": None, "fixed_effects": None, "bootstrap": 0, "ci": "percentile",
                                "estimand": "ATE"}


def test_column_kinds_find_treatments_outcomes_and_groupings():
    frame = pd.DataFrame({"treat": [0, 1] * 30, "flag": [True, False] * 30, "y": np.arange(60.0),
                          "rating": [1, 2, 3] * 20, "group": ["a", "b", "c"] * 20,
                          "id": [f"s{i}" for i in range(60)], "const": 1})
    kinds = column_kinds(frame)
    assert kinds["binary"] == ["treat", "flag"]
    assert kinds["numeric"] == ["y", "rating", "const"]
    assert kinds["covariates"] == ["treat", "flag", "y", "rating", "group"]
    assert kinds["grouping"] == ["treat", "flag", "rating", "group"]
    assert kinds["ids"] == ["treat", "rating", "group"]   # "id" is unique per row: no cluster
    schools = column_kinds(frame.assign(school=[f"s{i // 2}" for i in range(60)]))
    assert "school" in schools["ids"] and "school" not in schools["covariates"]


def test_payload_rows_match_the_table_and_are_strict_json():
    frame = simulate_confounded(600, seed=3)
    analysis = analyse_effect(frame, "treat", "y", ["x1", "x2", "group"], checks=False)
    payload = effect_payload(analysis, describe)
    assert set(payload) == {"rows", "headline", "diagnostics", "warnings"}
    assert (payload["headline"]["method"], payload["headline"]["estimand"]) == ("aipw", "ATE")
    assert payload["headline"]["reason"]["code"] == "headline_preferred"
    table = analysis.result.table
    assert [r["estimate"] for r in payload["rows"]] == pytest.approx(table["estimate"].tolist(), abs=0)
    assert [r["n"] for r in payload["rows"]] == table["n"].tolist()
    json.dumps(payload, allow_nan=False)
    assert payload["diagnostics"]["refutations"] == []
    assert len(payload["diagnostics"]["assumptions"]) == 4


def test_analyse_effect_refuses_invalid_input_with_every_problem():
    frame = simulate_confounded(300, seed=2).assign(const=1.0)
    with pytest.raises(EffectInputError) as excinfo:
        analyse_effect(frame, "x1", "y", ["const", "missing"])
    assert set(codes(excinfo)) == {"missing_column", "non_binary_treatment", "constant_covariate"}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _warning_scenario() -> list[dict]:
    """Warnings from real estimates: post-treatment covariate, trimming, unmatched treated, poor overlap."""
    rng = np.random.default_rng(0)
    n = 400
    x = rng.standard_normal(n) * 2.5
    treat = (rng.random(n) < 1 / (1 + np.exp(-2.5 * x))).astype(int)
    frame = pd.DataFrame({"treat": treat, "x": x, "post": x + treat + rng.standard_normal(n),
                          "y": x + treat + rng.standard_normal(n)})
    result = estimate_effects(frame, "treat", "y", ["x", "post"], post_treatment={"post"}, trim=(0.05, 0.95),
                              caliper=0.01, replace=False)
    return result.warnings


def test_every_code_raised_has_a_sentence_in_both_languages():
    broken = pd.DataFrame({"t": [0, 1, 2] * 3, "y": ["a"] * 9, "c": [1] * 9, "h": [str(i) for i in range(9)],
                           "m": [1.0, None] * 4 + [2.0]})
    errors = validate_effect_input(broken, "t", "y", ["c", "h", "m", "t", "gone"], max_levels=5)
    warnings = _warning_scenario()
    raised = {item["code"] for item in errors + warnings}
    assert {"post_treatment_covariate", "units_trimmed", "treated_unmatched", "extreme_propensity_scores",
            "missing_column", "role_conflict", "missing_values", "non_binary_treatment", "non_numeric_outcome",
            "constant_covariate", "high_cardinality_covariate"} <= raised
    for item in errors + warnings:
        english, japanese = describe(item, "en"), describe(item, "ja")
        assert not english.startswith(item["code"] + ":"), english   # formatted, not the fallback
        assert not japanese.startswith(item["code"] + ":") and japanese != english
    assert all(_placeholders(text["en"]) == _placeholders(text["ja"]) for text in MESSAGES.values())


def test_describe_translates_method_and_column_names():
    item = {"code": "estimate_unavailable", "method": "aipw", "estimand": "ATT"}
    assert describe(item, "en") == "Doubly robust (AIPW) (ATT) could not be estimated on these data."
    post = {"code": "post_treatment_covariate", "column": "reading_score"}
    assert describe(post, "ja", {"reading_score": "読解"}).startswith("読解 は処置の後")


def test_a_large_table_is_analysed_on_a_seeded_sample_that_says_so():
    population = simulate_confounded(20_000, effect=2.0, seed=3)
    sample = sample_for_analysis(population, limit=8_000)
    again = sample_for_analysis(population, limit=8_000)
    assert len(sample) == 8_000 and sample.attrs["sampled_from"] == 20_000
    pd.testing.assert_frame_equal(sample, again)                       # same rows every time
    assert sample["treat"].mean() == pytest.approx(population["treat"].mean(), abs=0.02)
    analysis = analyse_effect(sample, "treat", "y", ["x1", "x2", "group"], checks=False)
    assert analysis.result.warnings[0] == {"code": "rows_sampled", "message_params": {"n_rows": 8_000,
                                                                                       "total": 20_000}}
    table = analysis.result.table
    dr = table[(table["method"] == "aipw") & (table["estimand"] == "ATE")].iloc[0]
    assert abs(dr["estimate"] - 2.0) < 3 * dr["se"]                    # still finds the planted effect
    assert "8,000" in describe(analysis.result.warnings[0], "en") and "20,000" in describe(
        analysis.result.warnings[0], "ja")
    small = simulate_confounded(500, seed=1)
    assert sample_for_analysis(small, limit=8_000) is small              # small tables are left whole


def test_infinite_or_huge_numbers_in_json_rows_are_named_with_their_row():
    frame = records_frame([{"t": i % 2, "y": float(i), "x": float(i % 7)} for i in range(40)])
    frame.loc[4, "y"] = float("inf")
    frame.loc[6, "x"] = 1e300
    errors = check_effect_input(frame, "t", "y", ["x"])
    assert [(e["code"], e["column"], e["message_params"]["row"]) for e in errors[:2]] == [
        ("nonfinite_rows", "y", 5), ("overflow_rows", "x", 7)]
    assert "row 5" in describe(errors[0]) and "5 行目" in describe(errors[0], "ja")
