-- Clicks per action (primary and secondary) of one experiment's sessions (after experiment_events.sql).
-- Grain: (variant, action); a click without an action is '(none)'.
SELECT s.variant, coalesce(e.action, '(none)') AS action, count(*) AS clicks,
       count(DISTINCT e.session_id) AS sessions_clicking
FROM exp_events e JOIN sessions s USING (session_id)
WHERE e.event = 'click'
GROUP BY ALL ORDER BY 1, 2
