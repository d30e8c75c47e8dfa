-- The newest rows' keys and publications across the three tables, oldest first, to seed the writer's duplicate check
-- at start-up: the $limit newest by receipt, as the running service would have remembered them. (Taken per table
-- instead, the table read last pushed the newest rows of the one read first out of the check.)
SELECT content_key, publish_time, message_id, dead_letter FROM (
    SELECT content_key, publish_time, message_id, false AS dead_letter, received_at, r FROM (
        SELECT content_key, publish_time, message_id, received_at, rowid AS r FROM orders ORDER BY rowid DESC LIMIT CAST($limit AS BIGINT))
    UNION ALL
    SELECT content_key, publish_time, message_id, false, received_at, r FROM (
        SELECT content_key, publish_time, message_id, received_at, rowid AS r FROM conversations ORDER BY rowid DESC LIMIT CAST($limit AS BIGINT))
    UNION ALL
    SELECT '', publish_time, message_id, true, received_at, r FROM (
        SELECT publish_time, message_id, received_at, rowid AS r FROM dead_letters ORDER BY received_at DESC LIMIT CAST($limit AS BIGINT))
    ORDER BY received_at DESC, r DESC
    LIMIT CAST($limit AS BIGINT)
)
ORDER BY received_at, r;
