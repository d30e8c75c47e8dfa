-- The file the connection's database is kept in; empty when DuckDB opened the path as something else: an existing CSV,
-- JSON or Parquet file opens as an in-memory database with a view over the file, which would keep nothing written.
SELECT path FROM duckdb_databases() WHERE database_name = current_database();
