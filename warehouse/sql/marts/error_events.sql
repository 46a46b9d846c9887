-- mart.error_events: error events with their message (rare, so small). Grain: event_id.
-- json_extract_string is transpiled to Spark's get_json_object (same text for a JSON string value).
SELECT CAST(event_id AS VARCHAR) AS event_id, ts, page, session_id,
       json_extract_string(payload, '$.message') AS message
FROM events
WHERE event = 'error'
