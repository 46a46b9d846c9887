-- Per-variant sums over the sessions of one experiment (after experiment_events.sql). Grain: variant.
-- Columns match analytics.ab_sessions.SUFFICIENT_COLUMNS (x = impressions, y = primary clicks).
SELECT variant, count(*) AS sessions, sum(x) AS sum_x, sum(y) AS sum_y, sum(x * x) AS sum_x2,
       sum(y * y) AS sum_y2, sum(x * y) AS sum_xy, count(*) FILTER (WHERE y > 0) AS converted
FROM per_session GROUP BY variant ORDER BY variant
