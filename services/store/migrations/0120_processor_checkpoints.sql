-- Journal first, processors after (issue 18). The ingest transaction before a
-- PUBACK only journals (or dead-letters) and de-duplicates; everything else a
-- reading causes is a processor over the journal that keeps its position here,
-- advanced in the same transaction as its outputs, so a crash or a failure
-- resumes exactly where the last commit left off.
CREATE TABLE processor_checkpoints (
  name TEXT PRIMARY KEY,                 -- 'rules', ...
  position INTEGER NOT NULL,             -- the last journal row (readings.id) whose outputs committed
  updated_at INTEGER NOT NULL            -- service clock, ms
);
-- Before this migration ingest evaluated every journaled reading in its own
-- transaction: the rules processor starts after the last one.
INSERT INTO processor_checkpoints (name, position, updated_at) SELECT 'rules', COALESCE(MAX(id), 0), 0 FROM readings;
