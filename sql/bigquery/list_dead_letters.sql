-- One page of dead letters, oldest first, keyset-paged by (received_at, message_id). Unlike DuckDB's keyed table,
-- dead_letters may hold a redelivery twice (insertId dedupe is best effort): keep the first receipt of each message id.
-- A NULL reason means "any"; it filters the first receipts, so a page never shows a later copy of a message.
-- The page shows (shown) up to @limit - 1 letters, with no more than @data_budget bytes of data between them unless
-- its first letter alone is more (DeadLetterQuery.Fitting); the letters found past those come without their data and
-- only say that another page follows.
SELECT
    message_id, reason, detail, publish_time, received_at,
    CASE WHEN shown THEN data END AS data,
    shown
FROM (
    SELECT
        *,
        position < @limit AND (position = 1 OR bytes_through <= @data_budget) AS shown
    FROM (
        SELECT
            *,
            ROW_NUMBER() OVER (ORDER BY received_at, message_id) AS position,
            SUM(BYTE_LENGTH(data)) OVER (ORDER BY received_at, message_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS bytes_through
        FROM (
            SELECT message_id, reason, detail, publish_time, received_at, data
            FROM (
                SELECT
                    *,
                    ROW_NUMBER() OVER (PARTITION BY message_id ORDER BY received_at, reason, detail) AS receipt
                FROM `{dataset}.dead_letters`
            )
            WHERE receipt = 1
              AND (@reason IS NULL OR reason = @reason)
              AND (@after_received_at IS NULL
                   OR received_at > @after_received_at
                   OR (received_at = @after_received_at AND message_id > @after_message_id))
            ORDER BY received_at, message_id
            LIMIT @limit
        )
    )
)
ORDER BY received_at, message_id;
