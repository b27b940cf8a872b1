-- Per-company InfluxDB databases (services/influx/tenants.ts). A point about a
-- community of a property company is queued twice: once for the county
-- database (target NULL, the configured GW_INFLUX_DB) and once for the
-- company's (target = its database name). Each row is delivered and deleted
-- on its own, so a point acknowledged into the outbox reaches every database
-- it belongs to, across outages and restarts, and one database that refuses
-- writes does not hold up the others.
ALTER TABLE influx_outbox ADD COLUMN target TEXT;
CREATE INDEX influx_outbox_by_target ON influx_outbox (target, id);
ALTER TABLE influx_rejected ADD COLUMN target TEXT;
