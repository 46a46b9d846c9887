-- mart.event_counts_daily: events per UTC day, type, page and variant. Grain: (day, event, page, variant).
SELECT CAST(ts AS DATE) AS day, event, page, variant, count(*) AS events
FROM events
GROUP BY ALL
