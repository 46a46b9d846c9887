-- KPI: error rate, as error events per clock hour (UTC).
-- The one definition: mart.errors_by_hour (analysts), the Operations tab's errors panel, the ops API and the
-- monitor's error-burst alert (warehouse/ops_queries.get_errors_hourly_df) all select from this text.
-- The source placeholder is a relation of error events (event_id, ts, page, session_id, message): mart.errors,
-- or the ingest-maintained mart.error_events plus the not-yet-ingested errors, already cut to a time window.
SELECT date_trunc('hour', ts) AS hour, CAST(count(*) AS BIGINT) AS errors
FROM {source} AS errors
GROUP BY 1
