-- BigQuery table conversations: one row per stored chat message, the same columns as sql/duckdb/tables.sql.
-- No PRIMARY KEY (BigQuery does not enforce one): duplicates are possible and the view dedupes by content_key.
-- Day-partitioned by publish time and clustered by order_id, as orders.
CREATE TABLE IF NOT EXISTS `{dataset}.conversations` (
    content_key              STRING    NOT NULL,
    order_id                 INT64     NOT NULL,
    sender_app_type          STRING    NOT NULL,
    sender_role              STRING    NOT NULL,
    message_sent_time        TIMESTAMP NOT NULL,
    chat_started_by_message  BOOL      NOT NULL,
    order_stage              STRING    NOT NULL,
    from_id                  INT64     NOT NULL,
    to_id                    INT64     NOT NULL,
    courier_id               INT64     NOT NULL,
    customer_id              INT64     NOT NULL,
    message_id               STRING    NOT NULL,
    publish_time             TIMESTAMP NOT NULL,
    received_at              TIMESTAMP NOT NULL
)
PARTITION BY DATE(publish_time)
CLUSTER BY order_id
OPTIONS (description = 'ChatIngest chat messages; may hold duplicates, see the view');
