-- mart.session_day_counts: sessions per (UTC day, previous active day); the distinct sessions of a period
-- [s, e] = sum(sessions) WHERE day BETWEEN s AND e AND (prev_day IS NULL OR prev_day < s).
-- Grain: (day, prev_day).
SELECT day, prev_day, count(*) AS sessions
FROM session_days
GROUP BY ALL
