"""POST /api/v1/events: accept a batch of events from other clients (LMS, load tests)."""
from __future__ import annotations

from flask import jsonify

from dashboard.api import api_blueprint
from dashboard.api.errors import ApiError, json_body
from dashboard.api.guards import gate_admin_events
from dashboard.api.openapi import document
from dashboard.common.context import event_writer
from warehouse.events import ALLOWED_FIELDS, EVENT_TYPES, KNOWN_PAGES, EventValidationError

MAX_EVENTS_PER_REQUEST = 5000

EVENT_SCHEMA = {
    "type": "object",
    "required": ["event"],
    "additionalProperties": False,
    "properties": {
        "event_id": {"type": "string", "format": "uuid"},
        "event": {"type": "string", "enum": sorted(EVENT_TYPES)},
        "ts": {"type": "string", "format": "date-time"},
        "session_id": {"type": "string", "maxLength": 128},
        "page": {"type": "string", "enum": list(KNOWN_PAGES)},
        "student_id": {"type": "string", "maxLength": 64},
        "variant": {"type": "string", "maxLength": 64},
        "model_version": {"type": "string", "maxLength": 64},
        "predicted": {"type": "number"},
        "payload": {"type": "object"},
        "experiment": {"type": "string", "minLength": 1, "maxLength": 64},
    },
}
assert set(EVENT_SCHEMA["properties"]) == ALLOWED_FIELDS


@api_blueprint.post("/events")
@document("/events", "post", summary="Append a batch of events (validated like the app's own)",
          request={"type": "object", "required": ["events"], "additionalProperties": False,
                   "properties": {"events": {"type": "array", "minItems": 1, "maxItems": MAX_EVENTS_PER_REQUEST,
                                             "items": EVENT_SCHEMA}}},
          responses={"202": {"description": "accepted"}, "400": {"description": "malformed JSON"},
                     "401": {"description": "admin_action events need the admin login"},
                     "403": {"description": "admin_action events from another site"},
                     "415": {"description": "Content-Type is not application/json"},
                     "422": {"description": "an event failed validation (ts older than 35 days or in the "
                                            "future, unknown page or action)"},
                     "507": {"description": "disk full: nothing of the batch was stored"}})
def post_events():
    """Validate every event (all or nothing), append them, answer 202 with the count."""
    body = json_body()
    events = body.get("events")
    unknown = sorted(set(body) - {"events"})
    if unknown:
        raise ApiError(422, "unknown_field", "unknown field", unknown[0])
    if not isinstance(events, list) or not events:
        raise ApiError(422, "invalid", "must be a non-empty array of event objects", "events")
    if len(events) > MAX_EVENTS_PER_REQUEST:
        raise ApiError(422, "too_many_rows", f"at most {MAX_EVENTS_PER_REQUEST} events per request", "events")
    gate_admin_events(events)   # on the very body this view stores, whatever its Content-Type said
    try:
        written = event_writer().write_many(events, client=True)
    except EventValidationError as exc:
        index = getattr(exc, "index", None)
        if index is None:
            index = next((i for i, e in enumerate(events) if _fails(e)), None)
        raise ApiError(422, "invalid_event", exc.message,
                       f"events[{index}].{exc.field}" if index is not None else exc.field) from exc
    return jsonify({"accepted": len(written), "event_ids": [e["event_id"] for e in written]}), 202


def _fails(event) -> bool:
    from warehouse.events import validate_event

    try:
        validate_event(event, client=True)
        return False
    except EventValidationError:
        return True
