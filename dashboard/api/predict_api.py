"""Prediction and model registry API: POST /predict, POST /predict/batch, GET /models, GET /models/production,
and the admin routes POST /admin/models/<version>/promote and POST /admin/models/rollback.

Inputs are checked strictly against FEATURE_SCHEMA (the same schema the OpenAPI document shows):
categories must be one of the allowed strings exactly, scores JSON numbers in 0..100. The first
problem answers 422 naming the field; every problem is listed under error.errors.
"""
from __future__ import annotations

import math
from typing import Any

from flask import jsonify

from analytics.models.estimators import REGRESSOR_NAMES
from analytics.models.schema import FEATURE_SCHEMA, SPEC_BY_NAME, validate_student_record
from dashboard.api import api_blueprint
from dashboard.api.errors import ApiError, call_service, json_body
from dashboard.api.guards import require_admin
from dashboard.api.model_admin import ADMIN_RESPONSES, run_model_command
from dashboard.api.openapi import document
from dashboard.api.provenance import provenance_fields
from dashboard.common import challenger
from dashboard.common.context import event_writer, log_event, session_id, settings
from dashboard.predict import data as model_store
from warehouse.connection import read_only
from warehouse.model_artifacts import artifact_name
from warehouse.model_queries import get_previous_production_run, get_production_rows, get_registry_df, get_registry_row
from warehouse.settings import get_settings

STUDENT_ID_MAX = 64
VERSION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
MESSAGES = {
    "missing": "is required",
    "invalid_type": "has the wrong type",
    "invalid_category": "is not an allowed value",
    "not_finite": "must be a finite number",
    "out_of_range": "must be between {minimum:g} and {maximum:g}",
    "unknown_field": "is not a known field",
}


def _feature_property(spec) -> dict:
    if spec.kind == "categorical":
        return {"type": "string", "enum": list(spec.allowed)}
    return {"type": "number", "minimum": spec.minimum, "maximum": spec.maximum}


FEATURE_PROPERTIES = {spec.name: _feature_property(spec) for spec in FEATURE_SCHEMA}
STUDENT_ID_PROPERTY = {"type": "string", "minLength": 1, "maxLength": STUDENT_ID_MAX}
ALGORITHM_PROPERTY = {"type": "string", "enum": list(REGRESSOR_NAMES),
                      "description": "score model (default: the production run's lowest-CV-RMSE one)"}
STUDENT_SCHEMA = {"type": "object", "required": [s.name for s in FEATURE_SCHEMA], "additionalProperties": False,
                  "properties": {**FEATURE_PROPERTIES, "student_id": STUDENT_ID_PROPERTY}}
PREDICT_SCHEMA = {**STUDENT_SCHEMA, "properties": {
    **STUDENT_SCHEMA["properties"], "algorithm": ALGORITHM_PROPERTY,
    "explain": {"type": "boolean", "description": "add SHAP contributions (score points) per feature"}}}
PREDICTION_FIELDS = {
    "predicted_math": {"type": "number"}, "risk_level": {"type": "string", "enum": ["low", "medium", "high"]},
    "risk_probability": {"type": "number", "minimum": 0, "maximum": 1},
}
PREDICT_RESPONSE = {"type": "object", "required": [*PREDICTION_FIELDS, "model_version", "algorithm"], "properties": {
    **PREDICTION_FIELDS, "risk_threshold": {"type": "number"}, "pass_mark": {"type": "number"},
    "algorithm": {"type": "string"}, "model_version": {"type": "string"}, "risk_model_version": {"type": "string"},
    "base_value": {"type": "number"},
    "demo": {"type": "boolean", "description": "true when the model learnt from generated (demo) students"},
    "contributions": {"type": "array", "items": {"type": "object", "required": ["feature", "value", "shap"],
                                                 "properties": {"feature": {"type": "string"},
                                                                "value": {"type": ["string", "number"]},
                                                                "shap": {"type": "number"}}}}}}
BATCH_RESPONSE = {"type": "object", "required": ["count", "model_version", "predictions"], "properties": {
    "count": {"type": "integer"}, "model_version": {"type": "string"}, "risk_model_version": {"type": "string"},
    "algorithm": {"type": "string"},
    "predictions": {"type": "array", "items": {"type": "object", "required": list(PREDICTION_FIELDS), "properties": {
        **PREDICTION_FIELDS, "student_id": {"type": ["string", "null"]}}}}}}
MODEL_ROW = {"type": "object", "required": ["version", "task", "status"], "properties": {
    "version": {"type": "string"}, "task": {"type": "string"}, "algorithm": {"type": "string"},
    "status": {"type": "string"}}}
MODELS_RESPONSE = {"type": "object", "required": ["models"], "properties": {"models": {"type": "array",
                                                                                       "items": MODEL_ROW}}}
PRODUCTION_RESPONSE = {"type": "object", "required": ["regression", "risk"],
                       "properties": {"regression": MODEL_ROW, "risk": MODEL_ROW}}
SERVICE_ERRORS = {"503": {"description": "warehouse missing or no production model"}}


# ---- validation ---------------------------------------------------------------------------------
def _problem(field: str, code: str, **extra) -> dict:
    message = f"{field} " + MESSAGES.get(code, code).format(**extra) if code == "out_of_range" else \
        f"{field} " + MESSAGES.get(code, code)
    if "allowed" in extra:
        message += f"; allowed: {', '.join(map(str, extra['allowed']))}"
    return {"field": field, "code": code, "message": message, **extra}


def _type_problems(record: dict, prefix: str) -> list[dict]:
    # Stricter than validate_student_record (which forgives case and numeric strings for CSV and
    # forms): the API promises exactly its OpenAPI schema.
    problems = []
    for spec in FEATURE_SCHEMA:
        value = record.get(spec.name)
        if value is None:
            continue
        if spec.kind == "categorical" and not (isinstance(value, str) and value in spec.allowed):
            code = "invalid_category" if isinstance(value, str) else "invalid_type"
            problems.append(_problem(prefix + spec.name, code, allowed=list(spec.allowed)))
        elif spec.kind == "numeric" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            problems.append(_problem(prefix + spec.name, "invalid_type", expected="number"))
    return problems


def clean_student(raw: Any, prefix: str = "", extra_fields: tuple[str, ...] = ()) -> tuple[dict, str | None]:
    """Validate one student object; return (clean feature dict, student_id) or raise a 422 naming the field."""
    if not isinstance(raw, dict):
        raise ApiError(422, "invalid_type", f"{prefix.rstrip('.') or 'body'} must be a JSON object",
                       prefix.rstrip(".") or None)
    problems = [_problem(prefix + name, "unknown_field")
                for name in sorted(set(raw) - set(SPEC_BY_NAME) - {"student_id", *extra_fields})]
    problems += _type_problems(raw, prefix)
    flagged = {p["field"] for p in problems}
    _, errors = validate_student_record(raw)
    for error in errors:
        field = prefix + error["field"]
        if field not in flagged:
            extra = {k: v for k, v in error.items() if k not in ("field", "code")}
            problems.append(_problem(field, error["code"], **extra))
    student_id = raw.get("student_id")
    if "student_id" in raw and not (isinstance(student_id, str) and 0 < len(student_id) <= STUDENT_ID_MAX):
        problems.append(_problem(prefix + "student_id", "invalid_type", expected=f"string of 1-{STUDENT_ID_MAX}"))
    if problems:
        first = problems[0]
        raise ApiError(422, first["code"], first["message"], first["field"],
                       **({"allowed": first["allowed"]} if "allowed" in first else {}), errors=problems[:50])
    clean = {spec.name: (float(raw[spec.name]) if spec.kind == "numeric" else raw[spec.name])
             for spec in FEATURE_SCHEMA}
    return clean, student_id


def _algorithm(body: dict) -> str | None:
    name = body.get("algorithm")
    if "algorithm" in body and name not in REGRESSOR_NAMES:
        raise ApiError(422, "invalid_algorithm", f"algorithm must be one of {', '.join(REGRESSOR_NAMES)}",
                       "algorithm", allowed=list(REGRESSOR_NAMES))
    return name


def _service(call, *args, **kwargs):
    return call_service(call, *args, unavailable={model_store.NoProductionModel: "no_production_model"}, **kwargs)


# ---- prediction -----------------------------------------------------------------------------------
@api_blueprint.post("/predict")
@document("/predict", "post", summary="Predict one student's math score and risk of falling below the pass mark",
          request=PREDICT_SCHEMA,
          responses={"200": {"description": "prediction", "schema": PREDICT_RESPONSE},
                     "400": {"description": "malformed JSON"}, "422": {"description": "invalid field (named)"},
                     **SERVICE_ERRORS})
def predict():
    """One prediction (optionally explained), logged as a 'prediction' event with its inputs."""
    body = json_body()
    explain = body.get("explain", False)
    if not isinstance(explain, bool):   # null too: the schema says boolean
        raise ApiError(422, "invalid_type", "explain must be true or false", "explain")
    algorithm = _algorithm(body)
    record, student_id = clean_student(body, extra_fields=("explain", "algorithm"))
    db_path = settings().db_path
    routed = _service(challenger.route, db_path, session_id())   # a canary session may get the challenger
    result = _service(model_store.predict_one, db_path, record, algorithm, explain, models=routed.models)
    log_event("prediction", page="api", student_id=student_id, model_version=result.model_version,
              predicted=result.predicted_math, **routed.event_fields,
              payload={"inputs": record, "algorithm": result.algorithm, "risk_level": result.risk_level,
                       "source": "api"})
    challenger.shadow(db_path, record, student_id, session_id(), result.model_version)   # queued, not awaited
    # The model learnt from the warehouse's students: say so when they were generated.
    return jsonify({**result.as_json(), "demo": provenance_fields(db_path, "students")["demo"]})


@api_blueprint.post("/predict/batch")
@document("/predict/batch", "post",
          summary=f"Predict up to EDULOOP_PREDICT_BATCH_LIMIT students (default {get_settings().predict_batch_limit})",
          request={"type": "object", "required": ["students"], "additionalProperties": False, "properties": {
              "students": {"type": "array", "minItems": 1, "maxItems": get_settings().predict_batch_limit,
                           "items": STUDENT_SCHEMA},
              "algorithm": ALGORITHM_PROPERTY}},
          responses={"200": {"description": "predictions in input order", "schema": BATCH_RESPONSE},
                     "400": {"description": "malformed JSON"},
                     "422": {"description": "invalid field (named, e.g. students[3].gender) or too many rows"},
                     **SERVICE_ERRORS})
def predict_batch():
    """Many predictions in one call (all rows valid or a 422 naming the first bad one)."""
    body = json_body()
    unknown = sorted(set(body) - {"students", "algorithm"})
    if unknown:
        raise ApiError(422, "unknown_field", f"{unknown[0]} is not a known field", unknown[0])
    students = body.get("students")
    limit = settings().predict_batch_limit
    if not isinstance(students, list) or not students:
        raise ApiError(422, "invalid_type", "students must be a non-empty array of student objects", "students")
    if len(students) > limit:
        raise ApiError(422, "too_many_rows", f"students holds {len(students)} rows; at most {limit} per request",
                       "students", limit=limit)
    algorithm = _algorithm(body)
    cleaned = [clean_student(raw, f"students[{i}].") for i, raw in enumerate(students)]
    records = [record for record, _ in cleaned]
    models, scores = _service(model_store.predict_records, settings().db_path, records, algorithm)
    ids = [student_id for _, student_id in cleaned]
    name = models.serving.resolve(algorithm)
    _log_batch(records, ids, scores, models.version, name)
    predictions = [{"student_id": sid, "predicted_math": float(p), "risk_level": str(level),
                    "risk_probability": float(prob)}
                   for sid, p, prob, level in zip(ids, scores["predicted_math"], scores["risk_probability"],
                                                  scores["risk_level"])]
    return jsonify({"count": len(predictions), "model_version": models.version,
                    "risk_model_version": models.risk_version, "algorithm": name, "predictions": predictions})


def _log_batch(records: list[dict], ids: list, scores, model_version: str, algorithm: str) -> None:
    """One 'prediction' event per row (the monitor reads payload.inputs for drift); best effort."""
    sid = session_id()
    events = [{"event": "prediction", "page": "api", "session_id": sid, "student_id": student_id,
               "model_version": model_version, "predicted": float(p) if math.isfinite(p) else None,
               "payload": {"inputs": record, "algorithm": algorithm, "source": "api-batch"}}
              for record, student_id, p in zip(records, ids, scores["predicted_math"])]
    try:
        event_writer().write_many([{k: v for k, v in e.items() if v is not None} for e in events])
    except Exception:   # logging must not fail a prediction the client already paid for
        pass


# ---- registry -------------------------------------------------------------------------------------
def _json_row(row: dict) -> dict:
    out = {}
    for key, value in row.items():
        if key == "artifact_path":   # public answers name the artifact, never a server path
            key, value = "artifact", None if value is None else artifact_name(value)
        elif hasattr(value, "isoformat"):
            value = None if value != value else value.isoformat()   # NaT != NaT
        elif isinstance(value, float) and math.isnan(value):
            value = None
        out[key] = value
    return out


def _registry_rows() -> list[dict]:
    with read_only(settings().db_path) as con:
        df = get_registry_df(con)
        return [_json_row(get_registry_row(con, version)) for version in df["version"]]


@api_blueprint.get("/models")
@document("/models", "get", summary="Every registered model version, newest first (metrics, data, status)",
          responses={"200": {"description": "registry", "schema": MODELS_RESPONSE}, **SERVICE_ERRORS})
def list_models():
    """The model registry."""
    return jsonify({"models": _service(_registry_rows)})


@api_blueprint.get("/models/production")
@document("/models/production", "get", summary="The production score and risk models",
          responses={"200": {"description": "production rows", "schema": PRODUCTION_RESPONSE},
                     "404": {"description": "no production model yet"}, "503": {"description": "warehouse missing"}})
def production_models():
    """The registry rows of the production models."""
    rows = _service(model_store.production_rows, settings().db_path)
    if "regression" not in rows or "risk" not in rows:
        raise ApiError(404, "no_production_model", "no production model yet; run `python -m pipelines train`")
    return jsonify({task: _json_row(row) for task, row in rows.items()})


# ---- admin ----------------------------------------------------------------------------------------
@api_blueprint.post("/admin/models/<version>/promote")
@document("/admin/models/{version}/promote", "post",
          summary="Make a model version (and its run's sibling) production; runs `pipelines promote`",
          parameters=[{"name": "version", "in": "path", "required": True,
                       "schema": {"type": "string", "pattern": VERSION_PATTERN}}],
          responses={"200": {"description": "promoted (or already production)"}, **ADMIN_RESPONSES,
                     "404": {"description": "unknown version"}, "422": {"description": "malformed version"}})
@require_admin
def promote_model(version: str):
    """Promote a registered version through the pipeline (the app never writes the warehouse)."""
    import re

    if not re.match(VERSION_PATTERN, version):
        raise ApiError(422, "invalid_version", "version must be 1-64 letters, digits, '.', '_' or '-'", "version")
    with _service(read_only, settings().db_path) as con:
        row = get_registry_row(con, version)
    if row is None or row["task"] not in ("regression", "risk"):
        raise ApiError(404, "unknown_version", f"no model version {version}", "version")
    return jsonify(run_model_command(["promote", version], "promote"))


@api_blueprint.post("/admin/models/rollback")
@document("/admin/models/rollback", "post", summary="Bring back the previous production models; runs "
          "`pipelines rollback`", responses={"200": {"description": "rolled back"}, **ADMIN_RESPONSES})
@require_admin
def rollback_models():
    """Roll back through the pipeline (answered at once when there is nothing to roll back to)."""
    with _service(read_only, settings().db_path) as con:
        current = get_production_rows(con).get("regression")
        previous = get_previous_production_run(con, current["promoted_at"]) if current else None
    if previous is None:
        raise ApiError(409, "conflict", "no previous production model to roll back to")
    return jsonify(run_model_command(["rollback"], "rollback"))
