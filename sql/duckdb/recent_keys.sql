-- The newest rows' keys and publications, oldest first, to seed the writer's duplicate check at start-up.
SELECT content_key, publish_time, message_id, false AS dead_letter FROM (
    SELECT content_key, publish_time, message_id, rowid AS r FROM orders ORDER BY rowid DESC LIMIT CAST($limit AS BIGINT))
UNION ALL
SELECT content_key, publish_time, message_id, false FROM (
    SELECT content_key, publish_time, message_id, rowid AS r FROM conversations ORDER BY rowid DESC LIMIT CAST($limit AS BIGINT))
UNION ALL
SELECT '', publish_time, message_id, true FROM (
    SELECT publish_time, message_id FROM dead_letters ORDER BY received_at DESC LIMIT CAST($limit AS BIGINT));
