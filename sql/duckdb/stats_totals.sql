-- GET /stats totals: conversations and messages of the view in the window (started_after inclusive,
-- started_before exclusive; a NULL parameter means "no bound").
SELECT
    count(*)                                                                   AS conversations,
    coalesce(sum(num_messages_courier + num_messages_customer), 0)::BIGINT     AS messages
FROM customer_courier_conversations
WHERE (CAST($started_after AS TIMESTAMP) IS NULL OR conversation_started_at >= CAST($started_after AS TIMESTAMP))
  AND (CAST($started_before AS TIMESTAMP) IS NULL OR conversation_started_at < CAST($started_before AS TIMESTAMP));
