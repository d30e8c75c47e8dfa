DELETE FROM stage_orders;
DELETE FROM stage_conversations;
DELETE FROM stage_dead_letters;
