"""validate_student_record and FEATURE_SCHEMA: every error kind, normalisation, JSON form."""

import json
import math

import pytest

from analytics.models.schema import (
    CATEGORICAL_FEATURES,
    FEATURE_SCHEMA,
    FEATURES,
    NUMERIC_FEATURES,
    feature_schema_dicts,
    validate_student_record,
)
from tests.helpers import SAMPLE_STUDENT

VALID = dict(SAMPLE_STUDENT)


def _codes(errors):
    return {(error["field"], error["code"]) for error in errors}


def test_schema_matches_data_contract():
    assert FEATURES == (
        "gender", "race_ethnicity", "parental_education", "lunch", "test_prep",
        "reading_score", "writing_score",
    )
    assert set(CATEGORICAL_FEATURES) | set(NUMERIC_FEATURES) == set(FEATURES)
    by_name = {spec.name: spec for spec in FEATURE_SCHEMA}
    assert by_name["parental_education"].allowed == (
        "some high school", "high school", "some college", "associate's degree",
        "bachelor's degree", "master's degree",
    )
    assert by_name["lunch"].allowed == ("standard", "free/reduced")
    assert (by_name["reading_score"].minimum, by_name["reading_score"].maximum) == (0, 100)


def test_schema_dicts_are_json_ready():
    decoded = json.loads(json.dumps(feature_schema_dicts()))
    assert [spec["name"] for spec in decoded] == list(FEATURES)
    assert decoded[0]["allowed"] == ["female", "male"]


def test_valid_record_is_cleaned_without_errors():
    clean, errors = validate_student_record(VALID)
    assert errors == []
    assert clean == {**VALID, "reading_score": 72.0, "writing_score": 74.0}


def test_case_and_blanks_are_normalised_and_numeric_text_accepted():
    record = {**VALID, "gender": " Female ", "race_ethnicity": "GROUP b", "reading_score": " 88.5 "}
    clean, errors = validate_student_record(record)
    assert errors == []
    assert (clean["gender"], clean["race_ethnicity"], clean["reading_score"]) == ("female", "group B", 88.5)


def test_ingest_aliases_are_accepted_like_csv_ingest():
    clean, errors = validate_student_record({**VALID, "gender": "F", "test_prep": "yes"})
    assert errors == [] and (clean["gender"], clean["test_prep"]) == ("female", "completed")


def test_missing_fields_are_reported_with_allowed_values_for_categories():
    record = {k: v for k, v in VALID.items() if k not in ("lunch", "writing_score")}
    record["test_prep"] = None
    clean, errors = validate_student_record(record)
    assert _codes(errors) == {("lunch", "missing"), ("writing_score", "missing"), ("test_prep", "missing")}
    lunch_error = next(e for e in errors if e["field"] == "lunch")
    assert lunch_error["allowed"] == ["standard", "free/reduced"]
    assert "lunch" not in clean and "gender" in clean


def test_unknown_category_lists_allowed_values():
    _, errors = validate_student_record({**VALID, "race_ethnicity": "group F"})
    assert errors == [
        {"field": "race_ethnicity", "code": "invalid_category",
         "allowed": ["group A", "group B", "group C", "group D", "group E"]}
    ]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("reading_score", 101, "out_of_range"),
        ("reading_score", -0.5, "out_of_range"),
        ("writing_score", "eighty", "invalid_type"),
        ("writing_score", True, "invalid_type"),
        ("writing_score", [70], "invalid_type"),
        ("reading_score", math.nan, "not_finite"),
        ("reading_score", math.inf, "not_finite"),
        ("gender", 1, "invalid_type"),
    ],
)
def test_each_bad_value_kind_is_caught(field, value, code):
    clean, errors = validate_student_record({**VALID, field: value})
    assert _codes(errors) == {(field, code)}
    assert field not in clean


def test_out_of_range_error_states_the_range():
    _, errors = validate_student_record({**VALID, "reading_score": 150})
    assert errors[0]["minimum"] == 0 and errors[0]["maximum"] == 100


def test_boundaries_are_inclusive():
    _, errors = validate_student_record({**VALID, "reading_score": 0, "writing_score": 100})
    assert errors == []


def test_extra_fields_ignored_by_default_and_flagged_when_strict():
    record = {**VALID, "student_id": "S0000001"}
    clean, errors = validate_student_record(record)
    assert errors == [] and "student_id" not in clean
    _, strict_errors = validate_student_record(record, allow_extra=False)
    assert strict_errors == [{"field": "student_id", "code": "unexpected_field"}]
