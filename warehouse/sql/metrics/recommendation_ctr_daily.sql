-- KPI: recommendation conversion (lists shown on the Recommend tab, and clicks on them), per UTC day.
-- The one definition: mart.recommendation_ctr_by_day (analysts), the Operations tab and
-- GET /api/v1/ops/summary (warehouse/ops_queries.py) all select from this text.
-- The source placeholder is a relation (day, event, page, variant, events), as for advice_ctr_daily.sql.
-- Only events stamped page = 'recommend' count (a page-less click cannot be attributed).
SELECT day,
       CAST(coalesce(sum(events) FILTER (WHERE event = 'recommendation'), 0) AS BIGINT) AS shown,
       CAST(coalesce(sum(events) FILTER (WHERE event = 'click'), 0) AS BIGINT) AS clicks
FROM {source} AS counts
WHERE event IN ('recommendation', 'click') AND page = 'recommend'
GROUP BY day
