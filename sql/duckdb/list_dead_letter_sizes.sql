-- The dead letters a page may show and the size of each one's data, oldest first, keyset-paged by
-- (received_at, message_id); the service picks those that fit the page's budget and reads only them
-- (list_dead_letters.sql). A NULL reason means "any". Text comes as UTF-8 bytes (decode): a text parameter would end
-- at a NUL.
SELECT received_at, message_id, octet_length(data) AS data_bytes
FROM dead_letters
WHERE (CAST($reason AS BLOB) IS NULL OR reason = decode(CAST($reason AS BLOB)))
  AND (CAST($after_received_at AS TIMESTAMP) IS NULL
       OR received_at > CAST($after_received_at AS TIMESTAMP)
       OR (received_at = CAST($after_received_at AS TIMESTAMP) AND message_id > decode(CAST($after_message_id AS BLOB))))
ORDER BY received_at, message_id
LIMIT CAST($limit AS BIGINT);
