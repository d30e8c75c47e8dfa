INSERT INTO conversations VALUES ($key, $order_id, $sender_app_type, $sender_role, $message_sent_time, $chat_started_by_message,
    $order_stage, $from_id, $to_id, $courier_id, $customer_id, $message_id, $publish_time, $received_at);
