-- A duplicate that was published before the stored copy (an out-of-order redelivery) becomes the stored publication.
UPDATE conversations AS t
SET message_id = s.message_id, publish_time = s.publish_time
FROM stage_conversations AS s
WHERE t.content_key = s.content_key
  AND (s.publish_time < t.publish_time
       OR (s.publish_time = t.publish_time
           AND coalesce(TRY_CAST(s.message_id AS HUGEINT) < TRY_CAST(t.message_id AS HUGEINT), s.message_id < t.message_id)));
