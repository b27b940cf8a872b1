-- Inspections of the county checklist (附件评分表): one row per visit of a
-- community. A draft scores live from daily facts; signing freezes the item
-- scores and their evidence in `snapshot`, so late data never changes a signed
-- inspection (the API shows that newer data exists instead).
CREATE TABLE inspections (
  id INTEGER PRIMARY KEY,
  community_id TEXT NOT NULL REFERENCES communities (id),
  community_name TEXT NOT NULL,          -- snapshot at creation (小区名称)
  property_company TEXT NOT NULL,        -- snapshot at creation (物业公司)
  inspector TEXT NOT NULL,               -- who created it, e.g. inspector:<token name>
  inspector_name TEXT NOT NULL,          -- name printed on the form
  inspection_date TEXT NOT NULL,         -- 检查日期, YYYY-MM-DD, community local day
  window_from TEXT NOT NULL,              -- scored window of local days, inclusive
  window_to TEXT NOT NULL,
  manual_scores TEXT NOT NULL DEFAULT '{}',  -- JSON { itemId: score }
  overrides TEXT NOT NULL DEFAULT '{}',      -- JSON { itemId: { score, reason, by, at } }
  notes TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'signed')),
  created_at INTEGER NOT NULL,           -- service clock, unix ms
  updated_at INTEGER NOT NULL,
  signed_at INTEGER,
  signed_by TEXT,
  snapshot TEXT,                         -- JSON { itemScores, factsComputedAt }, frozen at signing
  total INTEGER,
  passed INTEGER,
  rectification_deadline TEXT,           -- YYYY-MM-DD, set when a signed inspection fails
  reinspection_of INTEGER REFERENCES inspections (id),
  CHECK (window_from <= window_to),
  CHECK (status = 'draft' OR (signed_at IS NOT NULL AND snapshot IS NOT NULL AND total IS NOT NULL AND passed IS NOT NULL)),
  CHECK (rectification_deadline IS NULL OR passed = 0)
);
CREATE INDEX inspections_by_community ON inspections (community_id, inspection_date);
-- One re-inspection per failed inspection; a failed re-inspection gets its own.
CREATE UNIQUE INDEX inspections_one_reinspection ON inspections (reinspection_of) WHERE reinspection_of IS NOT NULL;

-- Every override set or withdrawn, with its reason: reasons are kept even when
-- the inspector later changes their mind.
CREATE TABLE inspection_override_log (
  id INTEGER PRIMARY KEY,
  inspection_id INTEGER NOT NULL REFERENCES inspections (id),
  item_id TEXT NOT NULL,
  score INTEGER,                         -- NULL: the override was withdrawn
  reason TEXT NOT NULL,
  actor TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX inspection_override_log_by_inspection ON inspection_override_log (inspection_id, id);
