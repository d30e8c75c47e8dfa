-- New chat messages from the stage; RETURNING names the ones that were not already stored.
INSERT INTO conversations SELECT * FROM stage_conversations ON CONFLICT DO NOTHING RETURNING content_key;
