-- GET /stats, per city (API.md "/stats"; ConversationStats.cs CityStats). started_after inclusive, started_before
-- exclusive, NULL = open. Dialect: BigQuery has PERCENTILE_CONT only as an analytic function (it skips NULLs), so the
-- percentiles are computed per city over the window and picked up by the GROUP BY with ANY_VALUE. Cities sort NULLS
-- LAST as in DuckDB, written without the NULLS LAST clause. Percentiles are rounded to milliseconds, as in DuckDB.
WITH chosen AS (
    SELECT
        city_code,
        num_messages_courier + num_messages_customer AS messages,
        first_message_by,
        PERCENTILE_CONT(first_responsetime_delay_seconds, 0.5) OVER (PARTITION BY city_code) AS median_first_response_seconds,
        PERCENTILE_CONT(first_responsetime_delay_seconds, 0.9) OVER (PARTITION BY city_code) AS p90_first_response_seconds
    FROM `{dataset}.customer_courier_conversations`
    WHERE (@started_after IS NULL OR conversation_started_at >= @started_after)
      AND (@started_before IS NULL OR conversation_started_at < @started_before)
)
SELECT
    city_code,
    COUNT(*) AS conversations,
    SUM(messages) AS messages,
    ROUND(ANY_VALUE(median_first_response_seconds), 3) AS median_first_response_seconds,
    ROUND(ANY_VALUE(p90_first_response_seconds), 3) AS p90_first_response_seconds,
    COUNTIF(first_message_by = 'Courier') AS started_by_courier,
    COUNTIF(first_message_by = 'Customer') AS started_by_customer
FROM chosen
GROUP BY city_code
ORDER BY city_code IS NULL, city_code;
