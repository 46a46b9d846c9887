-- mart.variant_sessions: sessions shown advice of each variant (the A/B units). Grain: (variant, session_key).
SELECT DISTINCT variant, session_id AS session_key
FROM events
WHERE event = 'impression' AND page = 'predict' AND variant IS NOT NULL AND session_id IS NOT NULL
