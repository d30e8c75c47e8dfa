-- The embedded warehouse's tables. orders and conversations carry content_key (128 bits of SHA-256 over the message's
-- canonical JSON, VIEW.md "Duplicates") but no PRIMARY KEY: DuckDB keeps such an index in memory, growing with every
-- row. The writer drops redeliveries of recent rows itself (RecentKeys) and the view counts each content_key once, as
-- its first publication, so an old copy appended again changes nothing. dead_letters stay keyed by message id (they
-- are few). message_id and publish_time are those of the message's first publication. All TIMESTAMPs are UTC.

CREATE TABLE IF NOT EXISTS orders (
    content_key   VARCHAR   NOT NULL,
    order_id      BIGINT    NOT NULL,
    city_code     VARCHAR   NOT NULL,
    message_id    VARCHAR   NOT NULL,
    publish_time  TIMESTAMP NOT NULL,
    received_at   TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS conversations (
    content_key              VARCHAR   NOT NULL,
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

-- How far the tables hold the write-ahead journal (DuckDbJournal): updated in the same transaction as the rows it covers.
CREATE TABLE IF NOT EXISTS ingest_journal (
    generation  BIGINT NOT NULL,  -- the journal segment
    loaded_to   BIGINT NOT NULL,  -- the byte offset in it up to which every frame is in the tables
    frame_key   BLOB              -- this database's secret, keying the salt of each segment's frame checks (format 3)
);
INSERT INTO ingest_journal (generation, loaded_to) SELECT 0, 0 WHERE NOT EXISTS (SELECT 1 FROM ingest_journal);
ALTER TABLE ingest_journal ADD COLUMN IF NOT EXISTS frame_key BLOB; -- a file of an earlier version
