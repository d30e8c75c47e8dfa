-- New order events from the stage; RETURNING names the ones that were not already stored.
INSERT INTO orders SELECT * FROM stage_orders ON CONFLICT DO NOTHING RETURNING content_key;
