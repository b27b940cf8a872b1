-- Ids that must never be handed out twice: inbox ids are compared with
-- ingest's checkpoint, and readings ids are evidence cited by alarms, facts
-- and signed inspections. Without AUTOINCREMENT SQLite reuses the highest id
-- once its row is deleted (retention prunes processed inbox rows), and new
-- messages would sit below the checkpoint, skipped. Rebuild both tables with
-- AUTOINCREMENT and never go below what ingest already processed.
CREATE TABLE inbox_v2 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  received_at INTEGER NOT NULL,
  client_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  payload BLOB NOT NULL,
  qos INTEGER NOT NULL
);
INSERT INTO inbox_v2 (id, received_at, client_id, topic, payload, qos) SELECT id, received_at, client_id, topic, payload, qos FROM inbox;
DROP TABLE inbox;
ALTER TABLE inbox_v2 RENAME TO inbox;
UPDATE sqlite_sequence SET seq = MAX(seq, (SELECT last_inbox_id FROM ingest_checkpoint WHERE id = 1)) WHERE name = 'inbox';
INSERT INTO sqlite_sequence (name, seq)
  SELECT 'inbox', last_inbox_id FROM ingest_checkpoint WHERE id = 1 AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'inbox');

CREATE TABLE readings_v2 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  community_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  seq INTEGER NOT NULL,
  event_time INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  payload TEXT NOT NULL,
  UNIQUE (device_id, seq)
);
INSERT INTO readings_v2 SELECT id, community_id, device_id, kind, seq, event_time, received_at, payload FROM readings;
DROP TABLE readings;
ALTER TABLE readings_v2 RENAME TO readings;
CREATE INDEX readings_by_community_time ON readings (community_id, event_time);
