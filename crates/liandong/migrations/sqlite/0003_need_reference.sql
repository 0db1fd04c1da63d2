-- A need's reference: what the person who asked holds to follow it
-- (/help/{reference}) and what an operator reads out on the phone.
ALTER TABLE needs ADD COLUMN reference TEXT;
CREATE UNIQUE INDEX needs_reference ON needs (reference);
