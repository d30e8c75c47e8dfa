-- The secret keying the journal's frame checks (DuckDbJournal, format 3), as hex; NULL until the first open that sets it.
SELECT hex(frame_key) FROM ingest_journal;
