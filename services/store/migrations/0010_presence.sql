-- Device presence, kept by the broker: whether a device has a live MQTT
-- connection, since when, and when anything was last heard from it (any
-- packet: a reading, a status heartbeat, a PINGREQ). last_seen_at is written
-- on connect and disconnect and every few seconds in between, so after a
-- crash it is at most that stale. `online` is reset at start: a restarted
-- service has no connections yet.
CREATE TABLE device_presence (
  device_id TEXT PRIMARY KEY,
  online INTEGER NOT NULL DEFAULT 0,
  connected_at INTEGER,                  -- unix ms: start of the current or last connection
  disconnected_at INTEGER,               -- unix ms: end of the last connection
  disconnect_reason TEXT,                -- disconnect, connection_lost, keepalive_timeout, taken_over, disabled, ...
  last_seen_at INTEGER                   -- unix ms: last packet received from the device
);
