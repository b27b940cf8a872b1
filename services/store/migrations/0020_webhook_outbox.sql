-- Outgoing webhook calls (alarm notifications, inspection announcements),
-- queued in the same transaction as what they announce and retried with
-- backoff until the receiver accepts them.
CREATE TABLE webhook_outbox (
  id INTEGER PRIMARY KEY,
  channel TEXT NOT NULL,                 -- which configured webhook: 'alarms', 'announcements'
  body TEXT NOT NULL,                    -- JSON, already in the receiver's format
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (channel, next_attempt_at);
