-- GET /stats: conversations per minute of conversation_started_at (UTC, truncated), by minute.
-- Dialect: date_trunc('minute', t) in DuckDB is TIMESTAMP_TRUNC(t, MINUTE) here.
SELECT TIMESTAMP_TRUNC(conversation_started_at, MINUTE) AS minute, COUNT(*) AS conversations
FROM `{dataset}.customer_courier_conversations`
WHERE (@started_after IS NULL OR conversation_started_at >= @started_after)
  AND (@started_before IS NULL OR conversation_started_at < @started_before)
GROUP BY minute
ORDER BY minute;
