"""REST API under /api/v1 (JSON in and out; errors as {"error": {code, message, field}})."""
from flask import Blueprint

api_blueprint = Blueprint("api_v1", __name__, url_prefix="/api/v1")

from dashboard.api import errors, health, events_api, openapi, admin_api, ops_api, effects_api, predict_api, recommend_api, request_log, experiments_api  # noqa: E402,F401,E501  (register routes)
