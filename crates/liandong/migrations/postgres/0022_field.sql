-- The field (接单 / 去程 / 回程, issue 13): each leg's steps as the squad
-- reports them, when each happened (the live board's lateness and the
-- volunteers' service hours), and the leader's debrief.
ALTER TABLE task_legs ADD COLUMN accepted_at TIMESTAMPTZ;
ALTER TABLE task_legs ADD COLUMN departed_at TIMESTAMPTZ;
ALTER TABLE task_legs ADD COLUMN picked_at TIMESTAMPTZ;
-- Handed off at the gate, or delivered at the door.
ALTER TABLE task_legs ADD COLUMN dropped_at TIMESTAMPTZ;
ALTER TABLE task_legs ADD COLUMN back_at TIMESTAMPTZ;
ALTER TABLE task_legs ADD COLUMN debrief TEXT NOT NULL DEFAULT '';
-- By when the need should be delivered (its urgency's service level).
ALTER TABLE tasks ADD COLUMN due_at TIMESTAMPTZ;
-- The code the requester reads out at the door (shown on their tracking
-- page), wrong tries counted (five lock it), and when and how the
-- delivery was confirmed: 'code', or 'requester' on the tracking page.
ALTER TABLE tasks ADD COLUMN delivery_code TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN code_tries BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN confirmed_at TIMESTAMPTZ;
ALTER TABLE tasks ADD COLUMN confirmed_by TEXT NOT NULL DEFAULT '';
CREATE INDEX task_legs_open ON task_legs (status, updated_at);
-- The contacts a confirmation planned for a task: undone, by the task,
-- when its squad is stood off before going.
ALTER TABLE contacts ADD COLUMN task_id BIGINT REFERENCES tasks (id);
ALTER TABLE contact_holds ADD COLUMN task_id BIGINT REFERENCES tasks (id);
CREATE INDEX contacts_task ON contacts (task_id) WHERE task_id IS NOT NULL;
-- Tasks made before the field: legs of ended tasks are over, and an open
-- task gets its code.
UPDATE task_legs SET status = 'cancelled'
    WHERE status = 'assigned' AND task_id IN (SELECT id FROM tasks WHERE status <> 'open');
UPDATE tasks SET delivery_code = lpad(floor(random() * 10000)::int::text, 4, '0') WHERE delivery_code = '';
