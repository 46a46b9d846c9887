-- KPI: advice click-through (the Predict tab's A/B test of advice messages), per UTC day and variant.
-- The one definition: mart.ctr_by_variant_day / mart.ab_summary (analysts), the Operations tab and
-- GET /api/v1/ops/summary (warehouse/ops_queries.py) all select from this text.
-- The source placeholder is a relation (day, event, page, variant, events): core.events at one row per event, or the
-- ingest-maintained daily aggregates plus the not-yet-ingested events.
-- An advice event is an impression or click WITH a variant ON the predict page. A page-less event is
-- not counted: impressions and clicks may come from any page or API client (Recommend logs clicks
-- too), and the app always stamps page = 'predict' on advice events.
SELECT day, variant,
       CAST(coalesce(sum(events) FILTER (WHERE event = 'impression'), 0) AS BIGINT) AS impressions,
       CAST(coalesce(sum(events) FILTER (WHERE event = 'click'), 0) AS BIGINT) AS clicks
FROM {source} AS counts
WHERE event IN ('impression', 'click') AND variant IS NOT NULL AND page = 'predict'
GROUP BY day, variant
