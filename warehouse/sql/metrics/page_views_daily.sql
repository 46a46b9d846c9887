-- KPI: usage, as page views per UTC day and page.
-- The one definition: mart.usage_by_page_day (analysts), the Operations tab's page-views chart and
-- GET /api/v1/ops/summary?section=usage (warehouse/ops_queries.py) all select from this text.
-- The source placeholder is a relation (day, event, page, variant, events), as for advice_ctr_daily.sql.
-- A page view without a page is kept (page NULL): it is usage, of an unknown tab; the tab's per-tab
-- chart leaves that row out.
SELECT day, page, CAST(sum(events) AS BIGINT) AS page_views
FROM {source} AS counts
WHERE event = 'page_view'
GROUP BY day, page
