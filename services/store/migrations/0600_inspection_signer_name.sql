-- The signer's name as a person reads it (an account's display name), printed on
-- the signed form; signed_by keeps the actor reference (role:username) for the
-- record. Inspections signed before this migration have none: readers fall
-- back to signed_by.
ALTER TABLE inspections ADD COLUMN signed_by_name TEXT;
