-- Re-admission of dead letters (POST /api/v1/dead-letters/readmit): when a
-- dead letter went through ingest again and was accepted (or found already
-- journaled), when that was and the reading it became. The row stays: it is
-- the record that the message was once refused, and why.
ALTER TABLE dead_letters ADD COLUMN readmitted_at INTEGER;
ALTER TABLE dead_letters ADD COLUMN readmitted_reading_id INTEGER;
