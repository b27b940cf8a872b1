-- Raw MQTT messages as received, appended by the broker before it acknowledges
-- them (QoS 1 PUBACK means "this row is on disk"). Ingest processes rows in id
-- order and records its progress in ingest_checkpoint in the same transaction
-- as what it derived, so a crash replays exactly the unprocessed rows.
CREATE TABLE inbox (
  id INTEGER PRIMARY KEY,
  received_at INTEGER NOT NULL,          -- unix ms, service clock
  client_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  payload BLOB NOT NULL,
  qos INTEGER NOT NULL
);

CREATE TABLE ingest_checkpoint (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_inbox_id INTEGER NOT NULL
);
INSERT INTO ingest_checkpoint (id, last_inbox_id) VALUES (1, 0);

-- The journal of accepted readings: validated, de-duplicated on (device, seq).
CREATE TABLE readings (
  id INTEGER PRIMARY KEY,
  community_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  seq INTEGER NOT NULL,
  event_time INTEGER NOT NULL,           -- unix ms, from the device's ts
  received_at INTEGER NOT NULL,          -- unix ms, service clock
  payload TEXT NOT NULL,                 -- validated JSON
  UNIQUE (device_id, seq)
);
CREATE INDEX readings_by_community_time ON readings (community_id, event_time);

-- Payloads that could not be accepted, with the reason. Nothing is silently dropped.
CREATE TABLE dead_letters (
  id INTEGER PRIMARY KEY,
  received_at INTEGER NOT NULL,
  client_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  payload BLOB NOT NULL,
  code TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX dead_letters_by_time ON dead_letters (received_at);

-- Alarms: one open alarm per (community, rule, subject); repeats bump the count.
CREATE TABLE alarms (
  id INTEGER PRIMARY KEY,
  community_id TEXT NOT NULL,
  rule TEXT NOT NULL,
  subject TEXT NOT NULL,
  severity TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
  title TEXT NOT NULL,
  details TEXT NOT NULL,                 -- JSON
  first_event_time INTEGER NOT NULL,
  last_event_time INTEGER NOT NULL,
  occurrences INTEGER NOT NULL DEFAULT 1,
  reading_ids TEXT NOT NULL DEFAULT '[]',-- JSON array of readings.id
  opened_at INTEGER NOT NULL,            -- service clock
  acknowledged_at INTEGER,
  acknowledged_by TEXT,
  acknowledge_note TEXT,
  resolved_at INTEGER,
  resolved_by TEXT,
  resolve_note TEXT
);
CREATE UNIQUE INDEX alarms_one_active ON alarms (community_id, rule, subject) WHERE status <> 'resolved';
CREATE INDEX alarms_by_status ON alarms (status, community_id);

-- Registry.
CREATE TABLE communities (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  property_company TEXT NOT NULL,
  time_zone TEXT NOT NULL DEFAULT 'Asia/Shanghai'
);

CREATE TABLE gates (
  community_id TEXT NOT NULL REFERENCES communities (id),
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  PRIMARY KEY (community_id, id)
);

-- kind: lobby, corridor, parking, stairwell, elevator (public areas sprayed),
-- touch_points, garbage, indoor (ventilated), activity_room.
CREATE TABLE areas (
  community_id TEXT NOT NULL REFERENCES communities (id),
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  PRIMARY KEY (community_id, id)
);

CREATE TABLE devices (
  id TEXT PRIMARY KEY,
  community_id TEXT NOT NULL REFERENCES communities (id),
  kind TEXT NOT NULL,                    -- thermometer, access_panel, sprayer, ventilation, speaker, door_sensor
  location TEXT NOT NULL DEFAULT '',     -- gateId / areaId / roomId it is installed at
  secret_hash TEXT NOT NULL,             -- scrypt$N$r$p$salt$hash
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL
);
CREATE INDEX devices_by_community ON devices (community_id);

CREATE TABLE staff (
  community_id TEXT NOT NULL REFERENCES communities (id),
  ref TEXT NOT NULL,                     -- pseudonymous
  role TEXT NOT NULL,                    -- gate_attendant, cleaner, manager
  active INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (community_id, ref)
);

-- Machine API tokens, stored hashed; shown once on creation.
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'inspector')),
  token_hash TEXT NOT NULL UNIQUE,       -- sha256 of a 256-bit random token
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
