-- customer_courier_conversations: one row per order that has at least one valid chat message (VIEW.md); the same
-- answers as sql/duckdb/view.sql. Dialect differences, each marked below:
-- * Dedupe: streaming insertIds dedupe only best effort, so the first CTE is what keeps a duplicate from counting,
--   as in DuckDB, whose table holds a second copy of a message that came back after its key left the recent keys.
-- * QUALIFY -> a ROW_NUMBER() subquery. Message ids sort as in DuckDB: all-digit ids first by value at any length
--   (numeric_id: the id without leading zeros when it is all digits, else NULL; then its length, then its digits),
--   the rest as strings, then the id and content_key. regexp_full_match -> REGEXP_CONTAINS with ^…$.
-- * agg(x) FILTER (WHERE c) -> MIN(IF(c, x, NULL)) and COUNTIF(c); bool_or -> LOGICAL_OR.
-- * epoch_us(t) // 1000000 -> DIV(UNIX_MICROS(t), 1000000).
-- * Views in BigQuery must name their tables with the dataset: `{dataset}` is replaced by the setup command.
CREATE OR REPLACE VIEW `{dataset}.customer_courier_conversations` AS
WITH messages AS (
    -- one row per distinct message, as its first publication. The content includes orderId, so partitioning by
    -- order_id too changes nothing in the answer, and lets a filter on order_id (get_conversation.sql) reach the
    -- table below this window, where clustering by order_id prunes it, instead of deduplicating the whole table.
    SELECT * EXCEPT (publication_rank)
    FROM (
        SELECT
            *,
            ROW_NUMBER() OVER (
                PARTITION BY order_id, content_key
                ORDER BY publish_time, numeric_id IS NULL, LENGTH(numeric_id), numeric_id, message_id) AS publication_rank
        FROM (
            SELECT *, IF(REGEXP_CONTAINS(message_id, '^[0-9]+$'), LTRIM(message_id, '0'), NULL) AS numeric_id
            FROM `{dataset}.conversations`
        )
    )
    WHERE publication_rank = 1
),
ranked AS (
    SELECT
        *,
        MIN(message_sent_time) OVER (PARTITION BY order_id) AS started_at,
        -- the latest message's stage; on a tie in time, the one published last (then the largest message id)
        FIRST_VALUE(order_stage) OVER (
            PARTITION BY order_id
            ORDER BY message_sent_time DESC, publish_time DESC, numeric_id IS NULL DESC, LENGTH(numeric_id) DESC,
                     numeric_id DESC, message_id DESC, content_key DESC) AS last_stage
    FROM messages
),
per_order AS (
    SELECT
        order_id,
        MIN(IF(sender_role = 'Courier', message_sent_time, NULL))  AS first_courier_message,
        MIN(IF(sender_role = 'Customer', message_sent_time, NULL)) AS first_customer_message,
        COUNTIF(sender_role = 'Courier')                           AS num_messages_courier,
        COUNTIF(sender_role = 'Customer')                          AS num_messages_customer,
        ANY_VALUE(started_at)                                      AS conversation_started_at,
        MAX(message_sent_time)                                     AS last_message_time,
        ANY_VALUE(last_stage)                                      AS last_message_order_stage,
        LOGICAL_OR(message_sent_time = started_at AND sender_role = 'Courier')  AS courier_at_start,
        LOGICAL_OR(message_sent_time = started_at AND sender_role = 'Customer') AS customer_at_start,
        LOGICAL_OR(message_sent_time = started_at AND sender_role = 'Courier' AND chat_started_by_message)  AS courier_flagged_at_start,
        LOGICAL_OR(message_sent_time = started_at AND sender_role = 'Customer' AND chat_started_by_message) AS customer_flagged_at_start
    FROM ranked
    GROUP BY order_id
),
decided AS (
    SELECT
        *,
        -- the earliest message's role; the flag only breaks a tie in time, and Courier breaks what the flag cannot
        CASE
            WHEN courier_at_start AND NOT customer_at_start THEN 'Courier'
            WHEN customer_at_start AND NOT courier_at_start THEN 'Customer'
            WHEN customer_flagged_at_start AND NOT courier_flagged_at_start THEN 'Customer'
            ELSE 'Courier'
        END AS first_message_by
    FROM per_order
),
first_orders AS (
    -- the order event published first wins a conflict (equal events were deduped the same way)
    SELECT order_id, city_code
    FROM (
        SELECT
            order_id,
            city_code,
            ROW_NUMBER() OVER (
                PARTITION BY order_id
                ORDER BY publish_time, numeric_id IS NULL, LENGTH(numeric_id), numeric_id, message_id, content_key)
                AS publication_rank
        FROM (
            SELECT *, IF(REGEXP_CONTAINS(message_id, '^[0-9]+$'), LTRIM(message_id, '0'), NULL) AS numeric_id
            FROM `{dataset}.orders`
        )
    )
    WHERE publication_rank = 1
)
SELECT
    d.order_id,
    o.city_code,
    d.first_courier_message,
    d.first_customer_message,
    d.num_messages_courier,
    d.num_messages_customer,
    d.first_message_by,
    d.conversation_started_at,
    -- whole seconds, truncated: the reply is never earlier than the start, so integer division truncates
    DIV(UNIX_MICROS(CASE d.first_message_by WHEN 'Courier' THEN d.first_customer_message ELSE d.first_courier_message END)
        - UNIX_MICROS(d.conversation_started_at), 1000000) AS first_responsetime_delay_seconds,
    d.last_message_time,
    d.last_message_order_stage
FROM decided AS d
LEFT JOIN first_orders AS o ON o.order_id = d.order_id;
