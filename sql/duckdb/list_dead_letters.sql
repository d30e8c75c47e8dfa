-- One page of dead letters, oldest first, keyset-paged by (received_at, message_id). A NULL reason means "any".
-- Text comes as UTF-8 bytes (decode): a text parameter would end at a NUL.
SELECT message_id, reason, detail, publish_time, received_at, data
FROM dead_letters
WHERE (CAST($reason AS BLOB) IS NULL OR reason = decode(CAST($reason AS BLOB)))
  AND (CAST($after_received_at AS TIMESTAMP) IS NULL
       OR received_at > CAST($after_received_at AS TIMESTAMP)
       OR (received_at = CAST($after_received_at AS TIMESTAMP) AND message_id > decode(CAST($after_message_id AS BLOB))))
ORDER BY received_at, message_id
LIMIT CAST($limit AS BIGINT);
