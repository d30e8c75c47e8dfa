-- BigQuery table dead_letters: payloads that could never become a row, the same columns as sql/duckdb/tables.sql
-- (BLOB is BYTES here). No PRIMARY KEY: a redelivery may be stored twice; list_dead_letters.sql keeps one per message id.
-- Day-partitioned by the day it was received; it has no order_id, so it is clustered by message_id.
CREATE TABLE IF NOT EXISTS `{dataset}.dead_letters` (
    message_id    STRING    NOT NULL,
    reason        STRING    NOT NULL,
    detail        STRING    NOT NULL,
    publish_time  TIMESTAMP NOT NULL,
    received_at   TIMESTAMP NOT NULL,
    data          BYTES     NOT NULL
)
PARTITION BY DATE(received_at)
CLUSTER BY message_id
OPTIONS (description = 'ChatIngest messages parked with their raw bytes and a machine-readable reason');
