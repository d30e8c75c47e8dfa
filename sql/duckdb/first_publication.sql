-- A duplicate that was published before the stored copy (an out-of-order redelivery) becomes the stored publication.
-- {table} is orders or conversations; stage_{table} holds those earlier publications, and message_id_order is the
-- views' order of ids (stage.sql). One load may stage several publications of one message: only the first of them
-- may update it, as UPDATE … FROM with several matching rows takes any one of them.
UPDATE {table} AS t
SET message_id = s.message_id, publish_time = s.publish_time
FROM (
    SELECT content_key, publish_time, message_id
    FROM stage_{table}
    QUALIFY row_number() OVER (PARTITION BY content_key ORDER BY publish_time, message_id_order(message_id)) = 1
) AS s
WHERE t.content_key = s.content_key
  AND (s.publish_time, message_id_order(s.message_id)) < (t.publish_time, message_id_order(t.message_id));
