"""POST /api/v1/effects: the effect of a 0/1 treatment by every estimator (the `effect` command's JSON)."""
from __future__ import annotations

from flask import jsonify, request

from analytics.causal import METHODS, EffectInputError
from analytics.causal.effect_io import (
    MAX_EFFECT_ROWS,
    MAX_PSM_K,
    ROW_KEYS,
    analyse_effect,
    effect_options,
    effect_payload,
    records_frame,
)
from analytics.causal.messages import describe
from analytics.student_schema import CATEGORIES
from dashboard.api import api_blueprint
from dashboard.api.errors import ApiError, json_body
from dashboard.api.openapi import document
from dashboard.common.context import settings
from dashboard.ebpm.data import load_frame, planted_effect, warehouse_source
from warehouse.connection import WarehouseMissing
from warehouse.effect_queries import (
    DEFAULT_OUTCOME,
    PRE_TREATMENT_COVARIATES,
    SUBGROUP_COLUMNS,
    TREATMENT,
    post_treatment_columns,
)

OPTION_FIELDS = ("psm_k", "caliper", "replace", "trim", "cluster", "fixed_effects", "bootstrap", "ci", "estimand")
# One request must stay interactive: bootstrap replicates beyond this belong to the CLI.
API_MAX_BOOTSTRAP = 1000
FIELDS = ("treatment", "outcome", "covariates", "rows", "filters", "checks", *OPTION_FIELDS)
NUMBER = {"type": "number"}
NULLABLE_NUMBER = {"type": ["number", "null"]}

REQUEST_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "description": "Without `rows` the warehouse students are analysed (treatment test_prep: 'completed' = 1); "
                   "with `rows`, `treatment`, `outcome` and `covariates` are required.",
    "properties": {
        "treatment": {"type": "string", "default": TREATMENT, "description": "0/1 (or boolean) column"},
        "outcome": {"type": "string", "default": DEFAULT_OUTCOME, "description": "numeric column"},
        "covariates": {"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": True,
                       "default": list(PRE_TREATMENT_COVARIATES),
                       "description": "pre-treatment columns; text columns are one-hot encoded"},
        "rows": {"type": "array", "maxItems": MAX_EFFECT_ROWS, "items": {"type": "object"},
                 "description": "the data, one object per row ({column: value}); default the warehouse students"},
        "filters": {"type": "object", "additionalProperties": False,
                    "description": "warehouse students only: estimate on this subgroup",
                    "properties": {c: {"type": "string", "enum": list(CATEGORIES[c])} for c in SUBGROUP_COLUMNS}},
        "psm_k": {"type": "integer", "minimum": 1, "maximum": MAX_PSM_K, "default": 1,
                  "description": "controls matched to each treated unit"},
        "caliper": {**NULLABLE_NUMBER, "exclusiveMinimum": 0, "default": 0.2,
                    "description": "PSM caliper in SDs of the logit score; null for none"},
        "replace": {"type": "boolean", "default": True, "description": "match with replacement"},
        "trim": {"type": ["array", "null"], "items": NUMBER, "minItems": 2, "maxItems": 2, "default": None,
                 "description": "IPW/AIPW: keep propensity scores in [low, high], 0 <= low < 0.5 < high <= 1"},
        "checks": {"type": "boolean", "default": True,
                   "description": "run the placebo (permutations) and random-common-cause refutations of the headline"},
        "cluster": {"type": ["string", "null"], "default": None,
                    "description": "id column (e.g. school_id): cluster-robust SEs; any number of levels"},
        "fixed_effects": {"type": ["string", "null"], "default": None,
                          "description": "column to compare within (fixed effects); any number of levels"},
        "bootstrap": {"type": "integer", "minimum": 0, "maximum": API_MAX_BOOTSTRAP, "default": 0,
                      "description": "0 = analytic SEs; 20 or more = bootstrap replicates (whole clusters with "
                                     "`cluster`) for every SE and CI"},
        "ci": {"type": "string", "enum": ["percentile", "bca"], "default": "percentile",
               "description": "bootstrap interval kind"},
        "estimand": {"type": "string", "enum": ["ate", "att", "ATE", "ATT"], "default": "ate",
                     "description": "what the headline estimates (poor overlap may move it to ATT, with a reason)"},
    },
}
ROW_SCHEMA = {
    "type": "object", "required": list(ROW_KEYS),
    "properties": {"method": {"type": "string", "enum": list(METHODS)},
                   "estimand": {"type": "string", "enum": ["ATE", "ATT"]},
                   **{key: NULLABLE_NUMBER for key in ("estimate", "se", "ci_low", "ci_high", "p_value")},
                   "n": {"type": "integer"},
                   "se_type": {"type": "string", "enum": ["analytic", "cluster", "bootstrap"]},
                   "reliable": {"type": "boolean"},
                   "reason": {"type": ["object", "null"],
                              "description": "why the row is unreliable: {code, message, ...}"}},
}
HEADLINE_SCHEMA = {
    "type": ["object", "null"],
    "description": "the estimate chosen by the diagnostics (README 'EBPM headline'); reason {code, message, ...}",
    "properties": {"method": {"type": "string"}, "estimand": {"type": "string"},
                   **{key: NULLABLE_NUMBER for key in ("estimate", "se", "ci_low", "ci_high")},
                   "se_type": {"type": "string"}, "reason": {"type": "object"}},
}
RESPONSE_SCHEMA = {
    "type": "object", "required": ["rows", "headline", "diagnostics", "warnings"], "additionalProperties": False,
    "properties": {
        "rows": {"type": "array", "items": ROW_SCHEMA},
        "headline": HEADLINE_SCHEMA,
        "diagnostics": {
            "type": "object",
            "description": "n, n_treated, n_control, outcome_sd, propensity {min, max, n_below, n_above}, "
                           "common_support, weighting {ATE, ATT: ess_treated, ess_control, max_weight, ...}, "
                           "psm {n_treated_matched, n_treated_discarded, n_controls_used, caliper_width, k, "
                           "replace}, max_smd and smd [{covariate, sample, smd}] before/after adjustment, "
                           "overlap [{sample, group, bin_left, bin_right, density}], e_values, refutations, "
                           "assumptions [{assumption, status, evidence}], warning_codes, settings, planted_effect "
                           "(demo warehouse only)",
            "required": ["n", "n_treated", "n_control", "smd", "overlap", "common_support", "weighting"],
        },
        "warnings": {"type": "array", "items": {"type": "string"}, "description": "English sentences"},
    },
}


def _field_of(column: str | None, body: dict, treatment: str, outcome: str) -> str:
    if column == treatment:
        return "treatment"
    if column == outcome:
        return "outcome"
    for name in ("cluster", "fixed_effects"):
        if column is not None and column == body.get(name):
            return name
    return "covariates" if column in body.get("covariates", []) else "rows"


def _input_error(exc: EffectInputError, body: dict, treatment: str, outcome: str) -> ApiError:
    first = exc.errors[0]
    field = first.get("field") or _field_of(first.get("column"), body, treatment, outcome)
    message = " ".join(describe(error, "en") for error in exc.errors)
    return ApiError(422, first["code"], message, field, column=first.get("column"),
                    errors=[{"code": e["code"], "column": e.get("column"), "message": describe(e, "en")}
                            for e in exc.errors])


def _string(body: dict, name: str, default: str | None) -> str:
    value = body.get(name, default)
    if not isinstance(value, str) or not value:
        raise ApiError(422, "required" if value is None else "invalid", "must be a column name (string)", name)
    return value


def _covariates(body: dict) -> list[str]:
    value = body.get("covariates", list(PRE_TREATMENT_COVARIATES) if "rows" not in body else None)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise ApiError(422, "required" if value is None else "invalid",
                       "must be a non-empty array of column names", "covariates")
    if len(set(value)) != len(value):
        raise ApiError(422, "invalid", "covariates must not repeat", "covariates")
    return value


def _filters(body: dict) -> tuple[tuple[str, str], ...]:
    filters = body.get("filters") or {}
    if not isinstance(filters, dict):
        raise ApiError(422, "invalid", "must be an object {column: level}", "filters")
    if filters and "rows" in body:
        raise ApiError(422, "invalid", "filters apply to the warehouse students only; filter your rows instead",
                       "filters")
    for column, level in filters.items():
        if column not in SUBGROUP_COLUMNS:
            raise ApiError(422, "invalid", f"unknown filter; use one of {', '.join(SUBGROUP_COLUMNS)}",
                           f"filters.{column}")
        if level not in CATEGORIES[column]:
            raise ApiError(422, "invalid", f"unknown level; use one of {', '.join(CATEGORIES[column])}",
                           f"filters.{column}")
    return tuple(sorted(filters.items()))


@api_blueprint.post("/effects")
@document("/effects", "post", summary="Effect of a 0/1 treatment by difference in means, PSM, IPW, "
                                      "regression adjustment and AIPW, with diagnostics and warnings",
          request=REQUEST_SCHEMA,
          responses={"200": {"description": "estimates", "schema": RESPONSE_SCHEMA},
                     "400": {"description": "malformed JSON"},
                     "413": {"description": "request body larger than the upload limit"},
                     "422": {"description": "invalid field or data (missing column, non-binary treatment, "
                                            "too few treated/controls, constant or non-numeric covariate); "
                                            "`field` names the request field, `column` the data column"},
                     "503": {"description": "no rows given and the warehouse is not built"}})
def post_effects():
    """Validate the request, estimate on the rows (or the warehouse students), answer the effect JSON."""
    cfg = settings()
    if (request.content_length or 0) > cfg.max_upload_bytes:
        raise ApiError(413, "too_large", f"request body exceeds {cfg.max_upload_bytes} bytes", "rows")
    body = json_body()
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise ApiError(422, "unknown_field", "unknown field", unknown[0])
    given_rows = "rows" in body
    treatment = _string(body, "treatment", None if given_rows else TREATMENT)
    outcome = _string(body, "outcome", None if given_rows else DEFAULT_OUTCOME)
    covariates, filters = _covariates(body), _filters(body)
    checks = body.get("checks", True)
    if not isinstance(checks, bool):
        raise ApiError(422, "invalid", "must be true or false", "checks")
    bootstrap = body.get("bootstrap", 0)
    if isinstance(bootstrap, int) and not isinstance(bootstrap, bool) and bootstrap > API_MAX_BOOTSTRAP:
        raise ApiError(422, "invalid", f"at most {API_MAX_BOOTSTRAP} replicates per request", "bootstrap")
    try:
        options = effect_options(**{name: body[name] for name in OPTION_FIELDS if name in body})
        extra = {}
        if given_rows:
            frame = records_frame(body["rows"])
        else:
            source = warehouse_source(cfg.db_path)
            frame = load_frame(source, filters)
            truth = planted_effect(source, treatment, outcome)
            extra = {"planted_effect": truth} if truth is not None else {}
        analysis = analyse_effect(frame, treatment, outcome, covariates, options, checks=checks,
                                  post_treatment=post_treatment_columns(treatment, outcome))
    except EffectInputError as exc:
        raise _input_error(exc, body, treatment, outcome) from exc
    except WarehouseMissing as exc:
        raise ApiError(503, exc.code, str(exc)) from exc
    return jsonify(effect_payload(analysis, lambda item: describe(item, "en"), {"filters": dict(filters), **extra}))
