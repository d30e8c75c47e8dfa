-- customer_courier_conversations: one row per order that has at least one valid chat message (VIEW.md).
-- Message ids (VIEW.md: "as numbers when both are numeric, else as strings", which is no total order when both kinds
-- meet) sort as: all-digit ids first, by value at any length (fewer significant digits, then the digits), then the
-- rest as strings; the id itself, then content_key, settle what is still equal, so every answer is deterministic.
-- numeric_id is the id without leading zeros when it is all digits, else NULL. sql/bigquery/view.sql sorts the same.
CREATE OR REPLACE VIEW customer_courier_conversations AS
WITH published AS (
    SELECT *, CASE WHEN regexp_full_match(message_id, '[0-9]+') THEN ltrim(message_id, '0') END AS numeric_id
    FROM conversations
),
messages AS (
    -- One row per distinct message, as its first publication. The table has no key: a copy of a stored message that
    -- comes after its key has left the recent keys is appended again, so this is what keeps the counts right, as in
    -- BigQuery. order_id is in the partition (the key determines it anyway) so that a filter on order_id is pushed
    -- below the window.
    SELECT *
    FROM published
    QUALIFY row_number() OVER (
        PARTITION BY order_id, content_key
        ORDER BY publish_time, numeric_id IS NULL, length(numeric_id), numeric_id, message_id) = 1
),
ranked AS (
    SELECT
        *,
        min(message_sent_time) OVER (PARTITION BY order_id) AS started_at,
        -- the latest message's stage; on a tie in time, the one published last (then the largest message id)
        first_value(order_stage) OVER (
            PARTITION BY order_id
            ORDER BY message_sent_time DESC, publish_time DESC, numeric_id IS NULL DESC, length(numeric_id) DESC,
                     numeric_id DESC, message_id DESC, content_key DESC) AS last_stage
    FROM messages
),
per_order AS (
    SELECT
        order_id,
        min(message_sent_time) FILTER (WHERE sender_role = 'Courier')  AS first_courier_message,
        min(message_sent_time) FILTER (WHERE sender_role = 'Customer') AS first_customer_message,
        count(*) FILTER (WHERE sender_role = 'Courier')                AS num_messages_courier,
        count(*) FILTER (WHERE sender_role = 'Customer')               AS num_messages_customer,
        any_value(started_at)                                          AS conversation_started_at,
        max(message_sent_time)                                         AS last_message_time,
        any_value(last_stage)                                          AS last_message_order_stage,
        bool_or(message_sent_time = started_at AND sender_role = 'Courier')  AS courier_at_start,
        bool_or(message_sent_time = started_at AND sender_role = 'Customer') AS customer_at_start,
        bool_or(message_sent_time = started_at AND sender_role = 'Courier' AND chat_started_by_message)  AS courier_flagged_at_start,
        bool_or(message_sent_time = started_at AND sender_role = 'Customer' AND chat_started_by_message) AS customer_flagged_at_start
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
    -- the order event published first wins a conflict
    SELECT order_id, city_code
    FROM (SELECT *, CASE WHEN regexp_full_match(message_id, '[0-9]+') THEN ltrim(message_id, '0') END AS numeric_id FROM orders)
    QUALIFY row_number() OVER (
        PARTITION BY order_id
        ORDER BY publish_time, numeric_id IS NULL, length(numeric_id), numeric_id, message_id, content_key) = 1
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
    (epoch_us(CASE d.first_message_by WHEN 'Courier' THEN d.first_customer_message ELSE d.first_courier_message END)
        - epoch_us(d.conversation_started_at)) // 1000000 AS first_responsetime_delay_seconds,
    d.last_message_time,
    d.last_message_order_stage
FROM decided AS d
LEFT JOIN first_orders AS o ON o.order_id = d.order_id;
