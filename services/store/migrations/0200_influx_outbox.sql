-- The durable outbox feeding InfluxDB (services/influx). Callers insert line
-- protocol here in the same transaction as the journal write; the writer posts
-- rows in id order and deletes them only after InfluxDB answered 204, so an
-- outage of any length delays points and never drops them.
-- AUTOINCREMENT: ids never go back, even after the table was emptied, so id
-- order is enqueue order.
CREATE TABLE influx_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  line TEXT NOT NULL,                    -- one line of line protocol, no newline
  enqueued_at INTEGER NOT NULL           -- unix ms, service clock
);

-- Lines InfluxDB refused for themselves (field type conflict, unparsable,
-- beyond retention), set aside with the server's reason so they cannot block
-- the lines behind them. Nothing is dropped silently.
CREATE TABLE influx_rejected (
  id INTEGER PRIMARY KEY,
  outbox_id INTEGER NOT NULL,            -- influx_outbox.id it had
  line TEXT NOT NULL,
  enqueued_at INTEGER NOT NULL,
  rejected_at INTEGER NOT NULL,          -- unix ms, service clock
  http_status INTEGER NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX influx_rejected_by_time ON influx_rejected (rejected_at);
