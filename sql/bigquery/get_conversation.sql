-- One order's row of the view (sql/duckdb/get_conversation.sql).
SELECT * FROM `{dataset}.customer_courier_conversations` WHERE order_id = @order_id;
