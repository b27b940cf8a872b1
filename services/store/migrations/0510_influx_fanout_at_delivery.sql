-- Per-company InfluxDB databases, fanned out at delivery instead of enqueue
-- (services/influx/outbox.ts, sink.ts). 0500 queued a point about a
-- community of a property company twice (target NULL for the county, target =
-- the company's database) and indexed (target, id): one more row and index
-- entry per reading inside the ingest transaction. From here on:
--
-- - influx_outbox holds ONE row per point; `target` names the company
--   database the point ALSO goes to (NULL: the county's only). No index but
--   the primary key, so an enqueue is one plain insert.
-- - The writer posts a batch to the county database, then each company's
--   share of it to that company's database. A company share that cannot be
--   delivered then (its database fails or backs off, or older rows of it
--   still wait) moves to influx_outbox_tenant in the transaction that deletes
--   the batch; that table is drained per company with the company's own
--   backoff. ids are the outbox ids, so id order is enqueue order there too.
--
-- Rows 0500 left behind: a row with target set is a company copy of a point
-- whose county row (target NULL) is, or was, its own row. The county rows
-- stay in influx_outbox and keep target NULL (county only); the company rows
-- move to influx_outbox_tenant and go to their company only. So each point
-- reaches exactly the databases it was queued for, once each.
CREATE TABLE influx_outbox_tenant (
  id INTEGER PRIMARY KEY,                -- the influx_outbox.id it had
  target TEXT NOT NULL,                  -- the company database it still goes to
  line TEXT NOT NULL,
  enqueued_at INTEGER NOT NULL
);
CREATE INDEX influx_outbox_tenant_by_target ON influx_outbox_tenant (target, id);

INSERT INTO influx_outbox_tenant (id, target, line, enqueued_at)
  SELECT id, target, line, enqueued_at FROM influx_outbox WHERE target IS NOT NULL ORDER BY id;
DELETE FROM influx_outbox WHERE target IS NOT NULL;
DROP INDEX influx_outbox_by_target;
