-- The embedded warehouse's tables. Every table is keyed so a redelivery or replay cannot add a row twice:
-- orders and conversations by content_key (128 bits of SHA-256 over the message's canonical JSON, VIEW.md "Duplicates"),
-- dead_letters by the Pub/Sub message id. message_id and publish_time are those of the message's first publication.
-- All TIMESTAMPs are UTC.

CREATE TABLE IF NOT EXISTS orders (
    content_key   VARCHAR   PRIMARY KEY,
    order_id      BIGINT    NOT NULL,
    city_code     VARCHAR   NOT NULL,
    message_id    VARCHAR   NOT NULL,
    publish_time  TIMESTAMP NOT NULL,
    received_at   TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS conversations (
    content_key              VARCHAR   PRIMARY KEY,
    order_id                 BIGINT    NOT NULL,
    sender_app_type          VARCHAR   NOT NULL,
    sender_role              VARCHAR   NOT NULL,  -- 'Courier' or 'Customer': the prefix of sender_app_type
    message_sent_time        TIMESTAMP NOT NULL,
    chat_started_by_message  BOOLEAN   NOT NULL,
    order_stage              VARCHAR   NOT NULL,
    from_id                  BIGINT    NOT NULL,
    to_id                    BIGINT    NOT NULL,
    courier_id               BIGINT    NOT NULL,
    customer_id              BIGINT    NOT NULL,
    message_id               VARCHAR   NOT NULL,
    publish_time             TIMESTAMP NOT NULL,
    received_at              TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS dead_letters (
    message_id    VARCHAR   PRIMARY KEY,
    reason        VARCHAR   NOT NULL,
    detail        VARCHAR   NOT NULL,
    publish_time  TIMESTAMP NOT NULL,
    received_at   TIMESTAMP NOT NULL,
    data          BLOB      NOT NULL
);
