INSERT INTO dead_letters VALUES ($message_id, $reason, $detail, $publish_time, $received_at, $data) ON CONFLICT DO NOTHING;
