-- One page of dead letters, oldest first, keyset-paged by (received_at, message_id). A NULL reason means "any".
SELECT message_id, reason, detail, publish_time, received_at, data
FROM dead_letters
WHERE (CAST($reason AS VARCHAR) IS NULL OR reason = CAST($reason AS VARCHAR))
  AND (CAST($after_received_at AS TIMESTAMP) IS NULL
       OR received_at > CAST($after_received_at AS TIMESTAMP)
       OR (received_at = CAST($after_received_at AS TIMESTAMP) AND message_id > CAST($after_message_id AS VARCHAR)))
ORDER BY received_at, message_id
LIMIT CAST($limit AS BIGINT);
