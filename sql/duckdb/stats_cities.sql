-- GET /stats cities: one row per city_code of the view in the window. Percentiles are continuous (linear
-- interpolation, as PERCENTILE_CONT) over the non-NULL delays; quantile_cont ignores NULLs and gives NULL when none.
-- Rounded to milliseconds: whole-second delays make them exact at a tenth, and interpolating in doubles adds noise
-- (52.599999999999994 for 52.6).
-- Conversations whose order event has not arrived count under a NULL city, which sorts LAST (after every city code):
-- the unknown bucket closes the list on both warehouses (BigQuery needs NULLS LAST spelled out, its ASC default is first).
SELECT
    city_code,
    count(*)                                                                   AS conversations,
    sum(num_messages_courier + num_messages_customer)::BIGINT                  AS messages,
    round(quantile_cont(CAST(first_responsetime_delay_seconds AS DOUBLE), 0.5), 3) AS median_first_response_seconds,
    round(quantile_cont(CAST(first_responsetime_delay_seconds AS DOUBLE), 0.9), 3) AS p90_first_response_seconds,
    count(*) FILTER (WHERE first_message_by = 'Courier')                       AS started_by_courier,
    count(*) FILTER (WHERE first_message_by = 'Customer')                      AS started_by_customer
FROM customer_courier_conversations
WHERE (CAST($started_after AS TIMESTAMP) IS NULL OR conversation_started_at >= CAST($started_after AS TIMESTAMP))
  AND (CAST($started_before AS TIMESTAMP) IS NULL OR conversation_started_at < CAST($started_before AS TIMESTAMP))
GROUP BY city_code
ORDER BY city_code ASC NULLS LAST;
