-- The dead letters of one page, chosen by list_dead_letter_sizes.sql: after the previous page's last one, through
-- this page's last one, oldest first. A NULL reason means "any". Text comes as UTF-8 bytes (decode): a text
-- parameter would end at a NUL.
SELECT message_id, reason, detail, publish_time, received_at, data
FROM dead_letters
WHERE (CAST($reason AS BLOB) IS NULL OR reason = decode(CAST($reason AS BLOB)))
  AND (CAST($after_received_at AS TIMESTAMP) IS NULL
       OR received_at > CAST($after_received_at AS TIMESTAMP)
       OR (received_at = CAST($after_received_at AS TIMESTAMP) AND message_id > decode(CAST($after_message_id AS BLOB))))
  AND (received_at < CAST($through_received_at AS TIMESTAMP)
       OR (received_at = CAST($through_received_at AS TIMESTAMP) AND message_id <= decode(CAST($through_message_id AS BLOB))))
ORDER BY received_at, message_id
LIMIT CAST($limit AS BIGINT);
