SELECT * FROM customer_courier_conversations WHERE order_id = CAST($order_id AS BIGINT);
