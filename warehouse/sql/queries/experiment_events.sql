-- Shared start of the experiment queries: one experiment's impressions and clicks, its sessions, and
-- per-session sums. A session belongs to the variant of its first impression of the experiment; a
-- click counts only when its session had an impression of that experiment; only $primary clicks are
-- conversions. An event without an experiment key on the advice page means the advice experiment
-- ($default_key).
WITH exp_events AS (
    SELECT session_id, event, variant, ts, payload ->> 'action' AS action
    FROM __EVENTS__
    WHERE event IN ('impression', 'click') AND session_id IS NOT NULL
      AND coalesce(payload ->> 'experiment',
                   CASE WHEN page = $default_page AND variant IS NOT NULL THEN $default_key END) = $key
      AND ts >= $start AND ts < $end
),
sessions AS (
    SELECT session_id, arg_min(variant, ts) AS variant, count(*) AS impressions, min(ts) AS first_ts
    FROM exp_events WHERE event = 'impression' GROUP BY session_id
),
clicks AS (
    SELECT session_id, count(*) FILTER (WHERE action = $primary) AS primary_clicks
    FROM exp_events WHERE event = 'click' GROUP BY session_id
),
per_session AS (
    SELECT s.variant, CAST(s.first_ts AS DATE) AS day, CAST(s.impressions AS DOUBLE) AS x,
           CAST(coalesce(c.primary_clicks, 0) AS DOUBLE) AS y
    FROM sessions s LEFT JOIN clicks c USING (session_id)
)
