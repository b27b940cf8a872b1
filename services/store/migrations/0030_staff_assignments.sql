-- A staff member's assignment, all optional (registry StaffSpec, 2026-12):
-- the gate an attendant is posted at, the regular shift (local HH:MM, end
-- before start runs past midnight) and the duties (a JSON array of
-- StaffDuty). NULL on rows written before: nothing registered, which the rules
-- read as "not known", never as "posted nowhere". The gate is checked
-- against the community's gates by the writers (API, registry file): a
-- composite foreign key cannot be added to an existing table.
ALTER TABLE staff ADD COLUMN gate_id TEXT;
ALTER TABLE staff ADD COLUMN shift_start TEXT;
ALTER TABLE staff ADD COLUMN shift_end TEXT;
ALTER TABLE staff ADD COLUMN duties TEXT;
