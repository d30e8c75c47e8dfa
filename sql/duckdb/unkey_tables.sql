-- Files written before the journal keyed orders and conversations by content_key (a PRIMARY KEY, resident in memory).
-- Rebuilt once without it; run in one transaction when such a key is found, before tables.sql. CREATE TABLE AS keeps
-- the rows and columns but not the NOT NULLs, which the writer never needed.
DROP VIEW IF EXISTS customer_courier_conversations;
CREATE TABLE orders_unkeyed AS SELECT * FROM orders;
DROP TABLE orders;
ALTER TABLE orders_unkeyed RENAME TO orders;
CREATE TABLE conversations_unkeyed AS SELECT * FROM conversations;
DROP TABLE conversations;
ALTER TABLE conversations_unkeyed RENAME TO conversations;
