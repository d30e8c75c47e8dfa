-- BigQuery table orders: the same columns as sql/duckdb/tables.sql. `{dataset}` is replaced with `project.dataset`
-- by the setup command. Dialect differences from DuckDB:
-- * No PRIMARY KEY: BigQuery does not enforce keys (and a NOT ENFORCED key would let the optimizer assume a
--   uniqueness streaming cannot give), so a row may be stored twice; the view keeps one row per content_key.
-- * Day-partitioned by publish time (always recent when a row is streamed, so never outside the streaming window),
--   clustered by order_id because the view groups and joins by it.
CREATE TABLE IF NOT EXISTS `{dataset}.orders` (
    content_key   STRING    NOT NULL,
    order_id      INT64     NOT NULL,
    city_code     STRING    NOT NULL,
    message_id    STRING    NOT NULL,
    publish_time  TIMESTAMP NOT NULL,
    received_at   TIMESTAMP NOT NULL
)
PARTITION BY DATE(publish_time)
CLUSTER BY order_id
OPTIONS (description = 'ChatIngest order events (orderId -> cityCode); may hold duplicates, see the view');
