-- Per-connection staging tables of the loader (DuckDB Appender), emptied inside the load's transaction; TEMP tables
-- never reach the WAL. stage_dead_letters is merged into the keyed dead_letters (ON CONFLICT DO NOTHING);
-- stage_orders and stage_conversations hold earlier publications of stored rows (first_publication.sql).
CREATE TEMP TABLE IF NOT EXISTS stage_orders AS SELECT * FROM orders LIMIT 0;
CREATE TEMP TABLE IF NOT EXISTS stage_conversations AS SELECT * FROM conversations LIMIT 0;
CREATE TEMP TABLE IF NOT EXISTS stage_dead_letters AS SELECT * FROM dead_letters LIMIT 0;
