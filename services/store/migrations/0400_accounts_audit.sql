-- People sign in to the web page with an account; machines keep API tokens.
-- Operators belong to one property company (communities.property_company)
-- and see only its communities; inspectors and admins see the county.
CREATE TABLE accounts (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE COLLATE NOCASE,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'inspector')),
  property_company TEXT,                 -- required for operators, NULL otherwise
  password_hash TEXT NOT NULL,           -- scrypt$N$r$p$salt$hash
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,           -- unix ms
  updated_at INTEGER NOT NULL,
  CHECK ((role = 'operator' AND property_company IS NOT NULL AND property_company <> '') OR (role <> 'operator' AND property_company IS NULL))
);

-- Web sessions: the cookie holds a random 256-bit id; only its SHA-256 is kept.
-- A session ends at expires_at (absolute), after the idle timeout since
-- last_seen_at, on logout (revoked_at), or when its account is disabled.
CREATE TABLE sessions (
  id INTEGER PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  account_id INTEGER NOT NULL REFERENCES accounts (id),
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX sessions_by_account ON sessions (account_id);

-- Failed logins per key ('user:<username>' and 'ip:<address>'), for lock-out
-- with exponential back-off. Unknown usernames are counted like known ones.
CREATE TABLE login_failures (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  last_failure_at INTEGER NOT NULL,
  locked_until INTEGER
);

-- API tokens are bound to a role and, for operators, a company. Operator
-- tokens made before this migration have none and are refused until re-issued.
ALTER TABLE api_tokens ADD COLUMN property_company TEXT;
ALTER TABLE api_tokens ADD COLUMN created_by TEXT;

-- The audit log: every change, who made it, and the object before and after
-- (JSON; NULL when it did not exist). Append-only: no route edits it and the
-- triggers refuse UPDATE and DELETE.
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,                   -- unix ms
  actor TEXT NOT NULL,                   -- role:name, cli:<user>
  action TEXT NOT NULL,                  -- e.g. community.save, alarm.acknowledge, inspection.sign
  object_type TEXT NOT NULL,
  object_id TEXT NOT NULL,
  community_id TEXT,                     -- the community the object belongs to, if any
  before TEXT,
  after TEXT
);
CREATE INDEX audit_log_by_object ON audit_log (object_type, object_id, id);
CREATE INDEX audit_log_by_community ON audit_log (community_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
