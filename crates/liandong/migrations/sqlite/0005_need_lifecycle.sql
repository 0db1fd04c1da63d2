-- A need's life (issue 10): its status moves new → … → closed, each move
-- an event; the escalation flag stands on any open state.
ALTER TABLE needs ADD COLUMN escalated INTEGER NOT NULL DEFAULT 0;
-- A need's timeline is its events, in order (this index serves what
-- events_entity did).
DROP INDEX events_entity;
CREATE INDEX events_entity_at ON events (entity, entity_id, at, id);
