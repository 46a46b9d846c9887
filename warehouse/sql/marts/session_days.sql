-- mart.session_days: sessions that viewed a page, per UTC day, with the session's previous active day.
-- Grain: (day, session_key). session_key is the session id itself (text: the same on every engine).
-- prev_day lets a period's distinct sessions be summed without a DISTINCT over millions of keys:
-- a session counts on its first active day in the period (see mart.session_day_counts).
SELECT day, session_key, lag(day) OVER (PARTITION BY session_key ORDER BY day) AS prev_day
FROM (SELECT DISTINCT CAST(ts AS DATE) AS day, session_id AS session_key
      FROM events
      WHERE event = 'page_view' AND session_id IS NOT NULL) AS active
