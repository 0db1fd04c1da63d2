-- Dispatch (派单, issue 13): the tasks a coordinator's confirmation makes
-- from a proposal, one per need, each with its legs (depot → door; or
-- depot → the sealed zone's gate and gate → door), one squad per leg.
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    need_id INTEGER NOT NULL REFERENCES needs (id),
    -- What the door leg asks (a training TaskKind).
    kind TEXT NOT NULL,
    -- The need's place and holder: where the task is seen from.
    division_code TEXT NOT NULL,
    jurisdiction_code TEXT NOT NULL,
    zone_id INTEGER REFERENCES zones (id),
    status TEXT NOT NULL,
    created_by INTEGER REFERENCES accounts (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- One open task per need: of two confirmations at once, one wins.
CREATE UNIQUE INDEX tasks_one_open ON tasks (need_id) WHERE status = 'open';
CREATE INDEX tasks_jurisdiction ON tasks (jurisdiction_code, status);

CREATE TABLE task_legs (
    id INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES tasks (id),
    leg TEXT NOT NULL,
    squad_id INTEGER NOT NULL REFERENCES squads (id),
    status TEXT NOT NULL,
    -- The cost as proposed: metres × the urgency's weight + tasks held.
    metres INTEGER NOT NULL,
    weight INTEGER NOT NULL,
    workload INTEGER NOT NULL,
    cost INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (task_id, leg)
);
CREATE INDEX task_legs_squad ON task_legs (squad_id, status);

ALTER TABLE reservations ADD COLUMN task_id INTEGER REFERENCES tasks (id);
CREATE INDEX reservations_task ON reservations (task_id);

-- Tasks a squad can hold open at once.
ALTER TABLE squads ADD COLUMN capacity INTEGER NOT NULL DEFAULT 3 CHECK (capacity BETWEEN 0 AND 20);
