-- Per-variant sums over the sessions of one experiment (after experiment_events.sql). Grain: variant.
-- Only $primary clicks are conversions. Columns match analytics.ab_sessions.SUFFICIENT_COLUMNS
-- (x = impressions, y = primary clicks).
, clicks AS (
    SELECT session_id, count(*) FILTER (WHERE action = $primary) AS primary_clicks
    FROM exp_events WHERE event = 'click' GROUP BY session_id
),
per_session AS (
    SELECT s.variant, CAST(s.impressions AS DOUBLE) AS x, CAST(coalesce(c.primary_clicks, 0) AS DOUBLE) AS y
    FROM sessions s LEFT JOIN clicks c USING (session_id)
)
SELECT variant, count(*) AS sessions, sum(x) AS sum_x, sum(y) AS sum_y, sum(x * x) AS sum_x2,
       sum(y * y) AS sum_y2, sum(x * y) AS sum_xy, count(*) FILTER (WHERE y > 0) AS converted
FROM per_session GROUP BY variant ORDER BY variant
