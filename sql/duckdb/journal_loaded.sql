-- Inside a load's transaction: the journal up to here is in the tables.
UPDATE ingest_journal SET generation = $generation, loaded_to = $loaded_to;
