INSERT INTO orders VALUES ($key, $order_id, $city_code, $message_id, $publish_time, $received_at);
