-- One page of the view, keyset-paged by order_id. A NULL parameter means "no filter". Same as
-- sql/duckdb/list_conversations.sql; BigQuery's named parameters are typed by the request, so no CASTs are needed.
SELECT *
FROM `{dataset}.customer_courier_conversations`
WHERE (@city_code IS NULL OR city_code = @city_code)
  AND (@has_city IS NULL OR (city_code IS NOT NULL) = @has_city)
  AND (@first_message_by IS NULL OR first_message_by = @first_message_by)
  AND (@started_after IS NULL OR conversation_started_at >= @started_after)
  AND (@started_before IS NULL OR conversation_started_at < @started_before)
  AND (@after_order_id IS NULL OR order_id > @after_order_id)
ORDER BY order_id
LIMIT @limit;
