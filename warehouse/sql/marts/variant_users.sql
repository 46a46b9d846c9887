-- mart.variant_users: sessions shown advice per variant. Grain: variant.
SELECT variant, count(*) AS users
FROM variant_sessions
GROUP BY ALL
