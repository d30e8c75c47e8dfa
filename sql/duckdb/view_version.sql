-- The version of sql/duckdb/view.sql the view was last defined from (a hash of the file, kept as the view's comment):
-- the warehouse redefines it only when the file changed, as CREATE OR REPLACE writes DuckDB's WAL at every open.
SELECT comment FROM duckdb_views()
WHERE database_name = current_database() AND schema_name = 'main' AND view_name = 'customer_courier_conversations';
