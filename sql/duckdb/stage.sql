-- Per-connection staging tables of the loader (DuckDB Appender), emptied inside the load's transaction; TEMP tables
-- never reach the WAL. stage_dead_letters is merged into the keyed dead_letters (ON CONFLICT DO NOTHING);
-- stage_orders and stage_conversations hold earlier publications of stored rows (first_publication.sql).
CREATE TEMP TABLE IF NOT EXISTS stage_orders AS SELECT * FROM orders LIMIT 0;
CREATE TEMP TABLE IF NOT EXISTS stage_conversations AS SELECT * FROM conversations LIMIT 0;
CREATE TEMP TABLE IF NOT EXISTS stage_dead_letters AS SELECT * FROM dead_letters LIMIT 0;

-- The views' order of message ids (view.sql, Publication.CompareMessageIds) as a value that compares that way: all-digit
-- ids first, by value at any length (fewer significant digits, then the digits), then the rest; the id itself last.
CREATE OR REPLACE TEMP MACRO message_id_order(id) AS
    CASE WHEN regexp_full_match(id, '[0-9]+') THEN (0, length(ltrim(id, '0')), ltrim(id, '0'), id) ELSE (1, 0, '', id) END;
