-- Minutes from a need's creation to its first verification and its first
-- delivery (issue 10): written with the move, so the dashboard's timing is
-- one read of needs, not a join of every event (100,000 needs, §Must be shown).
ALTER TABLE needs ADD COLUMN verified_minutes INTEGER;
ALTER TABLE needs ADD COLUMN delivered_minutes INTEGER;
UPDATE needs SET verified_minutes = (
    SELECT CAST((MAX(0, (julianday(MIN(e.at)) - julianday(needs.created_at)) * 86400) + 59) / 60 AS INTEGER)
    FROM events e WHERE e.entity = 'need' AND e.entity_id = CAST(needs.id AS TEXT) AND e.action = 'need.verify'
    HAVING COUNT(*) > 0);
UPDATE needs SET delivered_minutes = (
    SELECT CAST((MAX(0, (julianday(MIN(e.at)) - julianday(needs.created_at)) * 86400) + 59) / 60 AS INTEGER)
    FROM events e WHERE e.entity = 'need' AND e.entity_id = CAST(needs.id AS TEXT) AND e.action = 'need.deliver'
    HAVING COUNT(*) > 0);
-- Live updates (issue 10): SQLite has no notifications between
-- connections; new rows of events are read by id (src/live/store.rs).
-- The board's and the dashboard's reads over 100,000 needs (BENCHMARKS.md):
-- the open needs of a jurisdiction by status first; the dashboard's counts
-- and times, and the board's sorting and filters, read from an index alone. needs_areas begins with what
-- needs_jurisdiction held, and serves its reads.
CREATE INDEX needs_board ON needs (status, jurisdiction_code);
CREATE INDEX needs_areas ON needs (jurisdiction_code, status, urgency, escalated, kind, channel, created_at, people);
CREATE INDEX needs_steps ON needs (jurisdiction_code, verified_minutes, delivered_minutes);
DROP INDEX needs_jurisdiction;
