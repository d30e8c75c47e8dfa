-- New dead letters from the stage; a redelivery (same message id) adds nothing.
INSERT INTO dead_letters SELECT * FROM stage_dead_letters ON CONFLICT DO NOTHING RETURNING message_id;
