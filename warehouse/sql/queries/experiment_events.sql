-- Shared start of the experiment queries: one experiment's impressions and clicks, and its sessions.
-- A session belongs to the variant of its first impression of the experiment; a click counts only
-- when its session had an impression of that experiment (the join in each query).
-- An event without an experiment key on the advice page means the advice experiment ($default_key).
WITH exp_events AS (
    SELECT session_id, event, variant, ts, payload ->> 'action' AS action
    FROM __EVENTS__
    WHERE event IN ('impression', 'click') AND session_id IS NOT NULL
      AND coalesce(payload ->> 'experiment',
                   CASE WHEN page = $default_page AND variant IS NOT NULL THEN $default_key END) = $key
      AND ts >= $start AND ts < $end
),
sessions AS (
    SELECT session_id, arg_min(variant, ts) AS variant, count(*) AS impressions
    FROM exp_events WHERE event = 'impression' GROUP BY session_id
)
