-- GET /stats started_per_minute: conversations per minute of conversation_started_at (UTC, truncated) in the window.
-- Minutes without a conversation are absent, not zero.
SELECT
    date_trunc('minute', conversation_started_at) AS minute,
    count(*)                                      AS conversations
FROM customer_courier_conversations
WHERE (CAST($started_after AS TIMESTAMP) IS NULL OR conversation_started_at >= CAST($started_after AS TIMESTAMP))
  AND (CAST($started_before AS TIMESTAMP) IS NULL OR conversation_started_at < CAST($started_before AS TIMESTAMP))
GROUP BY minute
ORDER BY minute;
