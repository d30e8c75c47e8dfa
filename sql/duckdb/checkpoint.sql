-- Folds the WAL into the database file; run by the writer while writes pause (DuckDbWarehouse.CheckpointIfIdle).
CHECKPOINT;
