-- The same sums per day a session started (after experiment_events.sql). Grain: (day, variant).
-- analytics.ab_sessions.results_over_time accumulates them into the daily looks of a peeking chart.
SELECT day, variant, count(*) AS sessions, sum(x) AS sum_x, sum(y) AS sum_y, sum(x * x) AS sum_x2,
       sum(y * y) AS sum_y2, sum(x * y) AS sum_xy, count(*) FILTER (WHERE y > 0) AS converted
FROM per_session GROUP BY day, variant ORDER BY day, variant
