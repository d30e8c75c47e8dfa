-- Empties the writer's stage table after its batch was merged (inside the batch's transaction).
DELETE FROM stage_orders;
