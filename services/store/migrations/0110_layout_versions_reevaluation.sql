-- The layout as an input (issue 14 step 4).
-- Every layout (areas, gates, devices, staff, zone) the rules were given, by
-- version: a content hash of its JSON, so the same registry content always has
-- the same version. Kept so a recompute of a past day can use the layout its
-- facts were computed with, not today's registry.
CREATE TABLE layout_versions (
  community_id TEXT NOT NULL,
  version TEXT NOT NULL,                 -- hex SHA-256 prefix of `layout`
  layout TEXT NOT NULL,                  -- CommunityLayout JSON, without its version
  first_seen_at INTEGER NOT NULL,        -- service clock: when the rules were first given it
  PRIMARY KEY (community_id, version)
);
-- The layout version a day's facts were computed with (NULL: before this migration).
ALTER TABLE daily_facts ADD COLUMN layout_version TEXT;
-- Journaled readings a rule threw on: kept in the journal, left out of the
-- rules' state, re-evaluated after the fix (at start, or by an admin).
CREATE TABLE readings_needing_reevaluation (
  reading_id INTEGER PRIMARY KEY REFERENCES readings (id) ON DELETE CASCADE,
  code TEXT NOT NULL,                    -- RULE_EXCEPTION
  error TEXT NOT NULL,                   -- the error's class name only (no message: it may quote a payload)
  flagged_at INTEGER NOT NULL            -- service clock
);
