"""Recommendations API: GET /recommendations/{student_id}?n=10 and POST /recommendations (an ad-hoc history).

GET answers from ml.recommendations (source "stored") or, for a student without stored rows or an
n beyond the stored list, computes the list now with the same production models (source
"computed", with reasons). POST ranks for a history that is not in the warehouse (cold start).
Each answer is logged as a 'recommendation' event (page 'api').
"""
from __future__ import annotations

import math
from typing import Any

from flask import jsonify, request

from dashboard.api import api_blueprint
from dashboard.api.errors import ApiError, call_service, json_body
from dashboard.api.openapi import document
from dashboard.api.provenance import provenance_fields
from dashboard.common.context import log_event, settings
from dashboard.recommend import data as recsys_store

DEFAULT_N = 10
MAX_N = recsys_store.MAX_N
MAX_K = recsys_store.MAX_K
MAX_HISTORY = 1000
STUDENT_ID_MAX = 64
RATING_RANGE = (1.0, 5.0)
REASONS = ["similar_students", "similar_materials", "content_match", "popular", "new_material"]
ITEM_SCHEMA = {"type": "object", "required": ["rank", "material_id", "score", "method"], "properties": {
    "rank": {"type": "integer", "minimum": 1}, "material_id": {"type": "string"}, "title": {"type": "string"},
    "subject": {"type": "string", "enum": ["math", "reading", "writing"]},
    "difficulty": {"type": "integer", "minimum": 1, "maximum": 5}, "format": {"type": "string"},
    "score": {"type": "number", "description": "the choosing method's score (user_knn: sum of neighbour similarities; "
                                               "hybrid: 0..1 blend)"},
    "method": {"type": "string", "enum": ["user_knn", "hybrid"]},
    "reason": {"type": ["string", "null"], "enum": [*REASONS, None],
               "description": "why (computed lists only; null for stored rows)"},
    "because_of": {"type": "array", "items": {"type": "string"},
                   "description": "similar_students: the neighbours who had it, most similar first; "
                                  "similar_materials/content_match: the history's materials that led to it"}}}
LIST_SCHEMA = {"type": "object", "required": ["n", "k", "source", "model_version", "method", "items"], "properties": {
    "student_id": {"type": "string"}, "n": {"type": "integer"}, "k": {"type": "integer"},
    "source": {"type": "string", "enum": ["stored", "computed"]}, "model_version": {"type": "string"},
    "method": {"type": "string", "enum": ["user_knn", "hybrid"],
               "description": "user_knn, or hybrid for cold start (fewer than 5 materials)"},
    "items": {"type": "array", "items": ITEM_SCHEMA},
    "demo": {"type": "boolean", "description": "true when the interactions it learnt from were generated (demo)"},
    "empty": {"type": "boolean"}, "hint": {"type": "string"}}}
HISTORY_SCHEMA = {"type": "object", "required": ["history"], "additionalProperties": False, "properties": {
    "history": {"type": "array", "maxItems": MAX_HISTORY, "description": "materials the learner used (may be empty)",
                "items": {"type": "object", "required": ["material_id"], "additionalProperties": False,
                          "properties": {"material_id": {"type": "string", "description": "a core.materials id"},
                                         "rating": {"type": "number", "minimum": RATING_RANGE[0],
                                                    "maximum": RATING_RANGE[1],
                                                    "description": "optional; the production model uses "
                                                                   "implicit feedback, so any used material "
                                                                   "counts the same"}}}},
    "n": {"type": "integer", "minimum": 1, "maximum": MAX_N, "default": DEFAULT_N},
    "k": {"type": "integer", "minimum": 1, "maximum": MAX_K, "description": "neighbours (default: production K)"}}}
SERVICE_ERRORS = {"503": {"description": "warehouse missing or no production recommender"}}


def _service(call, *args, **kwargs):
    return call_service(call, *args, unavailable={recsys_store.NoRecommender: "no_recommender"}, **kwargs)


def _bounded_int(value: Any, field: str, low: int, high: int) -> int:
    """An integer in [low, high] (JSON number or query text), or a 422 naming the field."""
    if isinstance(value, str):
        text = value.strip()
        # ASCII digits only: "²".isdigit() is True but int("²") fails, and "--5" is not a number.
        digits = text[1:] if text[:1] == "-" else text
        value = int(text) if digits.isascii() and digits.isdigit() and len(digits) <= 9 else None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ApiError(422, "out_of_range", f"{field} must be an integer between {low} and {high}", field,
                       minimum=low, maximum=high)
    return value


def _history(raw: Any, rec: recsys_store.LoadedRecommender) -> list[tuple[str, float]]:
    """Validated (material_id, rating) pairs; a 422 names the first bad field, e.g. history[2].material_id."""
    if not isinstance(raw, list):
        raise ApiError(422, "invalid_type", "history must be an array of {material_id, rating?} objects", "history")
    if len(raw) > MAX_HISTORY:
        raise ApiError(422, "too_many_items", f"history holds {len(raw)} items; at most {MAX_HISTORY}", "history")
    pairs = []
    for i, item in enumerate(raw):
        where = f"history[{i}]"
        if not isinstance(item, dict):
            raise ApiError(422, "invalid_type", f"{where} must be an object", where)
        unknown = sorted(set(item) - {"material_id", "rating"})
        if unknown:
            raise ApiError(422, "unknown_field", f"{where}.{unknown[0]} is not a known field", f"{where}.{unknown[0]}")
        material = item.get("material_id")
        if not isinstance(material, str) or not material:
            raise ApiError(422, "missing" if material is None else "invalid_type",
                           f"{where}.material_id must be a material id string", f"{where}.material_id")
        if not rec.knows_material(material):
            raise ApiError(422, "unknown_material", f"{where}.material_id {material[:64]!r} is not a known material",
                           f"{where}.material_id")
        rating = item.get("rating", 1.0)
        if isinstance(rating, bool) or not isinstance(rating, (int, float)) or not math.isfinite(rating) \
                or not RATING_RANGE[0] <= rating <= RATING_RANGE[1]:
            raise ApiError(422, "out_of_range", f"{where}.rating must be a number between 1 and 5", f"{where}.rating")
        pairs.append((material, float(rating)))
    return pairs


def _log(result: recsys_store.RecommendationList) -> None:
    log_event("recommendation", page="api", student_id=result.student_id, model_version=result.model_version,
              payload={"items": result.items["material_id"].tolist(), "k": result.k, "method": result.method,
                       "source": result.source})


@api_blueprint.get("/recommendations/<student_id>")
@document("/recommendations/{student_id}", "get",
          summary="A student's top-n learning materials (stored batch, or computed now when not stored)",
          parameters=[{"name": "student_id", "in": "path", "required": True,
                       "schema": {"type": "string", "maxLength": STUDENT_ID_MAX}},
                      {"name": "n", "in": "query", "required": False,
                       "schema": {"type": "integer", "minimum": 1, "maximum": MAX_N, "default": DEFAULT_N}}],
          responses={"200": {"description": "recommendations in rank order", "schema": LIST_SCHEMA},
                     "404": {"description": "unknown student_id"}, "422": {"description": "n outside 1..100"},
                     **SERVICE_ERRORS})
def student_recommendations(student_id: str):
    """Top-n for one warehouse student."""
    n = _bounded_int(request.args.get("n", DEFAULT_N), "n", 1, MAX_N)
    result = None
    if len(student_id) <= STUDENT_ID_MAX:
        result = _service(recsys_store.stored_or_computed, settings().db_path, student_id, n)
    if result is None:
        raise ApiError(404, "unknown_student", f"no student with student_id {student_id[:STUDENT_ID_MAX]!r}",
                       "student_id")
    _log(result)
    return jsonify({**result.as_json(), **provenance_fields(settings().db_path, "interactions")})


@api_blueprint.post("/recommendations")
@document("/recommendations", "post",
          summary="Top-n for an ad-hoc history (cold start: a learner not in the warehouse)", request=HISTORY_SCHEMA,
          responses={"200": {"description": "recommendations in rank order (never a material of the history)",
                             "schema": LIST_SCHEMA},
                     "400": {"description": "malformed JSON"},
                     "422": {"description": "invalid field (named, e.g. history[2].material_id for an unknown id)"},
                     **SERVICE_ERRORS})
def history_recommendations():
    """Top-n for the materials a learner used."""
    body = json_body()
    unknown = sorted(set(body) - {"history", "n", "k"})
    if unknown:
        raise ApiError(422, "unknown_field", f"{unknown[0]} is not a known field", unknown[0])
    if "history" not in body:
        raise ApiError(422, "missing", "history is required", "history")
    n = _bounded_int(body.get("n", DEFAULT_N), "n", 1, MAX_N)
    k = _bounded_int(body["k"], "k", 1, MAX_K) if body.get("k") is not None else None
    rec = _service(recsys_store.production, settings().db_path)
    history = _history(body["history"], rec)
    result = _service(recsys_store.recommend_history, settings().db_path, history, n, k)
    _log(result)
    return jsonify({**result.as_json(), **provenance_fields(settings().db_path, "interactions")})
