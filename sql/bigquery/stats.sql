-- GET /stats in one query (API.md "/stats"; ConversationStats.cs): one job reads the tables at one snapshot, so the
-- cities' totals, the last stages and the minutes count the same conversations while rows stream in. (Three queries
-- side by side each saw the tables as they were when it started.) DuckDB gets the same from one read transaction
-- (sql/duckdb/stats_*.sql). The rows are of three parts, told apart by `part`:
--   1  per city: conversations, messages, the first-response percentiles, who started; cities sort NULLS LAST as in
--      DuckDB, written without the NULLS LAST clause (BigQuery's ASC puts NULLs first);
--   2  per last_message_order_stage: conversations, by count descending, then stage;
--   3  per minute of conversation_started_at (UTC, truncated): conversations, by minute.
-- started_after inclusive, started_before exclusive, NULL = open. BigQuery has PERCENTILE_CONT only as an analytic
-- function (it skips NULLs), so the percentiles are computed per city over the window and picked up by the GROUP BY
-- with ANY_VALUE, rounded to milliseconds as in DuckDB.
WITH windowed AS (
    SELECT *
    FROM `{dataset}.customer_courier_conversations`
    WHERE (@started_after IS NULL OR conversation_started_at >= @started_after)
      AND (@started_before IS NULL OR conversation_started_at < @started_before)
),
chosen AS (
    SELECT
        city_code,
        num_messages_courier + num_messages_customer AS messages,
        first_message_by,
        PERCENTILE_CONT(first_responsetime_delay_seconds, 0.5) OVER (PARTITION BY city_code) AS median_first_response_seconds,
        PERCENTILE_CONT(first_responsetime_delay_seconds, 0.9) OVER (PARTITION BY city_code) AS p90_first_response_seconds
    FROM windowed
),
parts AS (
    SELECT
        1 AS part,
        city_code,
        COUNT(*) AS conversations,
        SUM(messages) AS messages,
        ROUND(ANY_VALUE(median_first_response_seconds), 3) AS median_first_response_seconds,
        ROUND(ANY_VALUE(p90_first_response_seconds), 3) AS p90_first_response_seconds,
        COUNTIF(first_message_by = 'Courier') AS started_by_courier,
        COUNTIF(first_message_by = 'Customer') AS started_by_customer,
        CAST(NULL AS STRING) AS stage,
        CAST(NULL AS TIMESTAMP) AS minute
    FROM chosen
    GROUP BY city_code
    UNION ALL
    SELECT 2, NULL, COUNT(*), NULL, NULL, NULL, NULL, NULL, last_message_order_stage, NULL
    FROM windowed
    GROUP BY last_message_order_stage
    UNION ALL
    SELECT 3, NULL, COUNT(*), NULL, NULL, NULL, NULL, NULL, NULL, TIMESTAMP_TRUNC(conversation_started_at, MINUTE)
    FROM windowed
    GROUP BY TIMESTAMP_TRUNC(conversation_started_at, MINUTE)
)
SELECT *
FROM parts
ORDER BY
    part,
    CASE WHEN part = 1 THEN IF(city_code IS NULL, 1, 0) WHEN part = 2 THEN -conversations ELSE 0 END,
    CASE WHEN part = 1 THEN city_code WHEN part = 2 THEN stage END,
    minute;
