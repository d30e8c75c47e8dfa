-- A duplicate that was published before the stored copy (an out-of-order redelivery) becomes the stored publication.
-- {table} is orders or conversations; stage_{table} holds those earlier publications, and message_id_order is the
-- views' order of ids (stage.sql).
UPDATE {table} AS t
SET message_id = s.message_id, publish_time = s.publish_time
FROM stage_{table} AS s
WHERE t.content_key = s.content_key
  AND (s.publish_time, message_id_order(s.message_id)) < (t.publish_time, message_id_order(t.message_id));
