-- Minutes from a need's creation to its first verification and its first
-- delivery (issue 10): written with the move, so the dashboard's timing is
-- one read of needs, not a join of every event (100,000 needs, §Must be shown).
ALTER TABLE needs ADD COLUMN verified_minutes INTEGER;
ALTER TABLE needs ADD COLUMN delivered_minutes INTEGER;
UPDATE needs SET verified_minutes = s.m FROM (
    SELECT e.entity_id, CAST(FLOOR((FLOOR(GREATEST(0, EXTRACT(EPOCH FROM MIN(e.at) - n.created_at))) + 59) / 60) AS INTEGER) AS m
    FROM events e JOIN needs n ON CAST(n.id AS TEXT) = e.entity_id
    WHERE e.entity = 'need' AND e.action = 'need.verify' GROUP BY e.entity_id, n.created_at) s
WHERE CAST(needs.id AS TEXT) = s.entity_id;
UPDATE needs SET delivered_minutes = s.m FROM (
    SELECT e.entity_id, CAST(FLOOR((FLOOR(GREATEST(0, EXTRACT(EPOCH FROM MIN(e.at) - n.created_at))) + 59) / 60) AS INTEGER) AS m
    FROM events e JOIN needs n ON CAST(n.id AS TEXT) = e.entity_id
    WHERE e.entity = 'need' AND e.action = 'need.deliver' GROUP BY e.entity_id, n.created_at) s
WHERE CAST(needs.id AS TEXT) = s.entity_id;
-- Live updates (issue 10): every event but a reveal or a sign-in (as
-- live::quiet) tells every server
-- listening on the database what changed where ('need 610113001002'),
-- delivered at commit (a rolled-back change tells nobody). Nothing
-- personal is in an event's entity or division.
CREATE FUNCTION liandong_events_notify() RETURNS trigger AS $$
BEGIN
    IF NEW.action <> 'field.reveal' AND NEW.action NOT LIKE 'account.sign\_in%' THEN
        PERFORM pg_notify('liandong_events', NEW.entity || ' ' || NEW.division_code);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER events_notify AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION liandong_events_notify();
-- The board's and the dashboard's reads over 100,000 needs (BENCHMARKS.md):
-- the open needs of a jurisdiction by status first; the dashboard's counts
-- and times, and the board's sorting and filters, read from an index alone. needs_areas begins with what
-- needs_jurisdiction held, and serves its reads.
CREATE INDEX needs_board ON needs (status, jurisdiction_code);
CREATE INDEX needs_areas ON needs (jurisdiction_code, status, urgency, escalated, kind, channel, created_at, people);
CREATE INDEX needs_steps ON needs (jurisdiction_code, verified_minutes, delivered_minutes);
DROP INDEX needs_jurisdiction;
