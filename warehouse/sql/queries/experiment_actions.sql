-- Clicks per action (primary and secondary) of one experiment's sessions. Grain: (variant, action).
-- Same membership rules as experiment_sessions.sql; a click without an action is '(none)'.
WITH exp_events AS (
    SELECT session_id, event, variant, ts, coalesce(payload ->> 'action', '(none)') AS action
    FROM __EVENTS__
    WHERE event IN ('impression', 'click') AND session_id IS NOT NULL
      AND coalesce(payload ->> 'experiment',
                   CASE WHEN page = $default_page AND variant IS NOT NULL THEN $default_key END) = $key
      AND ts >= $start AND ts < $end
),
sessions AS (
    SELECT session_id, arg_min(variant, ts) AS variant
    FROM exp_events WHERE event = 'impression' GROUP BY session_id
)
SELECT s.variant, e.action, count(*) AS clicks, count(DISTINCT e.session_id) AS sessions_clicking
FROM exp_events e JOIN sessions s USING (session_id)
WHERE e.event = 'click'
GROUP BY ALL ORDER BY s.variant, e.action
