-- Where the loader continues in the journal after a restart.
SELECT generation, loaded_to FROM ingest_journal;
