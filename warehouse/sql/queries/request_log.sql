-- One row per logged API request to $path in [$start, $end). Grain: event (an 'api_call').
SELECT ts, CAST(payload ->> 'duration_ms' AS DOUBLE) AS duration_ms, CAST(payload ->> 'status' AS INTEGER) AS status,
       session_id
FROM __EVENTS__
WHERE event = 'api_call' AND payload ->> 'path' = $path AND ts >= $start AND ts < $end
ORDER BY ts
