-- A duplicate that was published before the stored copy (an out-of-order redelivery) becomes the stored publication.
-- {table} is orders or conversations; stage_{table} holds those earlier publications (stage.sql).
UPDATE {table} AS t
SET message_id = s.message_id, publish_time = s.publish_time
FROM stage_{table} AS s
WHERE t.content_key = s.content_key
  AND (s.publish_time < t.publish_time
       OR (s.publish_time = t.publish_time
           AND CASE -- the smaller id in the views' order (view.sql, Publication.CompareMessageIds): all-digit ids first, by value
                   WHEN regexp_full_match(s.message_id, '[0-9]+') <> regexp_full_match(t.message_id, '[0-9]+')
                       THEN regexp_full_match(s.message_id, '[0-9]+')
                   WHEN regexp_full_match(s.message_id, '[0-9]+') AND length(ltrim(s.message_id, '0')) <> length(ltrim(t.message_id, '0'))
                       THEN length(ltrim(s.message_id, '0')) < length(ltrim(t.message_id, '0'))
                   WHEN regexp_full_match(s.message_id, '[0-9]+') AND ltrim(s.message_id, '0') <> ltrim(t.message_id, '0')
                       THEN ltrim(s.message_id, '0') < ltrim(t.message_id, '0')
                   ELSE s.message_id < t.message_id
               END));
