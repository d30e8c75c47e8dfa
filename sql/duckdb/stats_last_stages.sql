-- GET /stats last_stages: conversations per last_message_order_stage in the window, most frequent first, then by stage.
SELECT
    last_message_order_stage AS stage,
    count(*)                 AS conversations
FROM customer_courier_conversations
WHERE (CAST($started_after AS TIMESTAMP) IS NULL OR conversation_started_at >= CAST($started_after AS TIMESTAMP))
  AND (CAST($started_before AS TIMESTAMP) IS NULL OR conversation_started_at < CAST($started_before AS TIMESTAMP))
GROUP BY last_message_order_stage
ORDER BY conversations DESC, stage;
