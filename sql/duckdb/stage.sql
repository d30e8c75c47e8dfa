-- Per-connection staging tables of the writer: a batch is appended here (DuckDB Appender), then merged into the keyed
-- tables with ON CONFLICT DO NOTHING, all in one transaction. TEMP tables never reach the WAL.
CREATE TEMP TABLE IF NOT EXISTS stage_orders AS SELECT * FROM orders LIMIT 0;
CREATE TEMP TABLE IF NOT EXISTS stage_conversations AS SELECT * FROM conversations LIMIT 0;
CREATE TEMP TABLE IF NOT EXISTS stage_dead_letters AS SELECT * FROM dead_letters LIMIT 0;
