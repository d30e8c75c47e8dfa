-- How many of orders and conversations still have the content_key PRIMARY KEY of files written before the journal.
SELECT count(*) FROM duckdb_constraints()
WHERE table_name IN ('orders', 'conversations') AND constraint_type = 'PRIMARY KEY' AND schema_name = 'main';
