-- Sets the journal's frame key (hex) once, for a file that has none yet.
UPDATE ingest_journal SET frame_key = unhex(CAST($frame_key AS VARCHAR)) WHERE frame_key IS NULL;
