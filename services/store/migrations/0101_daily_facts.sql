-- Daily compliance facts, materialised from the rules engine for scoring,
-- the API and dashboards. One row per community, local day, rule and place;
-- rewritten whenever a reading (also a late one) changes that day.
CREATE TABLE daily_facts (
  community_id TEXT NOT NULL,
  day TEXT NOT NULL,                     -- YYYY-MM-DD, community local time
  rule TEXT NOT NULL,
  place TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'no_data')),
  figures TEXT NOT NULL,                 -- JSON object of numbers
  summary TEXT NOT NULL,
  reading_ids TEXT NOT NULL,             -- JSON array of readings.id
  computed_at INTEGER NOT NULL,          -- service clock
  PRIMARY KEY (community_id, day, rule, place)
);
CREATE INDEX daily_facts_by_day ON daily_facts (day, community_id);
