-- The readiness probe: a query that touches no table, so it costs nothing and only proves BigQuery answers.
SELECT 1 AS ready;
