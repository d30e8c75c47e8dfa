-- Empties the writer's stage table after a load used it (inside the load's transaction).
DELETE FROM stage_conversations;
