-- One page of the view, keyset-paged by order_id. A NULL parameter means "no filter". Text comes as UTF-8 bytes
-- (decode): a text parameter would end at a NUL.
SELECT *
FROM customer_courier_conversations
WHERE (CAST($city_code AS BLOB) IS NULL OR city_code = decode(CAST($city_code AS BLOB)))
  AND (CAST($has_city AS BOOLEAN) IS NULL OR (city_code IS NOT NULL) = CAST($has_city AS BOOLEAN))
  AND (CAST($first_message_by AS VARCHAR) IS NULL OR first_message_by = CAST($first_message_by AS VARCHAR))
  AND (CAST($started_after AS TIMESTAMP) IS NULL OR conversation_started_at >= CAST($started_after AS TIMESTAMP))
  AND (CAST($started_before AS TIMESTAMP) IS NULL OR conversation_started_at < CAST($started_before AS TIMESTAMP))
  AND (CAST($after_order_id AS BIGINT) IS NULL OR order_id > CAST($after_order_id AS BIGINT))
ORDER BY order_id
LIMIT CAST($limit AS BIGINT);
