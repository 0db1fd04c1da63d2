-- Duplicates (issue 10): open needs that look like the same one are found
-- by phone, by community and kind within days, or by the same story (a
-- digest of its letters and digits; '' for a story too short to say); a
-- need merged into another points at it.
ALTER TABLE needs ADD COLUMN story_key TEXT NOT NULL DEFAULT '';
ALTER TABLE needs ADD COLUMN merged_into INTEGER REFERENCES needs (id);
CREATE INDEX needs_phone ON needs (contact_phone);
CREATE INDEX needs_place ON needs (division_code, kind, created_at);
CREATE INDEX needs_story ON needs (story_key) WHERE story_key <> '';
