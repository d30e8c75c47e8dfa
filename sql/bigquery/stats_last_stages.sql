-- GET /stats: conversations per last_message_order_stage, by count descending, then stage.
SELECT last_message_order_stage AS stage, COUNT(*) AS conversations
FROM `{dataset}.customer_courier_conversations`
WHERE (@started_after IS NULL OR conversation_started_at >= @started_after)
  AND (@started_before IS NULL OR conversation_started_at < @started_before)
GROUP BY stage
ORDER BY conversations DESC, stage;
