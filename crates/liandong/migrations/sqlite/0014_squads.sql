-- Squads (小分队, issue 11): small fixed teams that never mix. Who was in
-- which squad when, what each squad touched (vehicles, depots, hand-off
-- points, households) and when — the record the contact rule and the
-- exposure trace read — and each volunteer's movement.
CREATE TABLE squads (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    division_code TEXT NOT NULL,
    name TEXT NOT NULL,
    leader_id INTEGER REFERENCES volunteers (id),
    min_size INTEGER NOT NULL CHECK (min_size >= 1),
    max_size INTEGER NOT NULL CHECK (max_size >= min_size),
    -- active | stood_down (an exposure: no work until released) | disbanded
    status TEXT NOT NULL,
    status_reason TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES accounts (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, name)
);
CREATE INDEX squads_division ON squads (division_code);

-- A membership: open while left_at is NULL. At most one open membership
-- per volunteer: the index, not a read, decides which of two joins wins.
CREATE TABLE squad_members (
    id INTEGER PRIMARY KEY,
    squad_id INTEGER NOT NULL REFERENCES squads (id),
    volunteer_id INTEGER NOT NULL REFERENCES volunteers (id),
    joined_at TEXT NOT NULL,
    left_at TEXT
);
CREATE UNIQUE INDEX squad_members_one_open ON squad_members (volunteer_id) WHERE left_at IS NULL;
CREATE INDEX squad_members_squad ON squad_members (squad_id, joined_at);
CREATE INDEX squad_members_volunteer ON squad_members (volunteer_id, joined_at);

CREATE TABLE vehicles (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    division_code TEXT NOT NULL,
    plate TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    seats INTEGER NOT NULL CHECK (seats > 0),
    created_by INTEGER REFERENCES accounts (id),
    created_at TEXT NOT NULL
);
CREATE INDEX vehicles_division ON vehicles (division_code);

-- What a squad touched and when: kind vehicle (vehicles.id), depot
-- (depots.id), handoff (a zone's gate: zones.id) or household (needs.id).
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    squad_id INTEGER NOT NULL REFERENCES squads (id),
    kind TEXT NOT NULL,
    target_id INTEGER NOT NULL,
    division_code TEXT NOT NULL,
    at TEXT NOT NULL,
    recorded_by INTEGER REFERENCES accounts (id)
);
CREATE INDEX contacts_target ON contacts (kind, target_id, at);
CREATE INDEX contacts_squad ON contacts (squad_id, at);

-- Movement: free | pass (holds a movement permit) | stranded (served
-- outside and cannot return home). Sealed in is not stored: it follows
-- the zones. A positive volunteer is stood down with their squad.
ALTER TABLE volunteers ADD COLUMN movement TEXT NOT NULL DEFAULT 'free';
ALTER TABLE volunteers ADD COLUMN available INTEGER NOT NULL DEFAULT 1;
ALTER TABLE volunteers ADD COLUMN positive_at TEXT;
-- When the positive was recorded: the exposure trace ends there (it is
-- read again later; people who join the squad afterwards were not exposed).
ALTER TABLE volunteers ADD COLUMN positive_marked_at TEXT;
CREATE INDEX volunteers_home ON volunteers (home_division);

-- The squad that last touched each thing. Two squads taking one vehicle at
-- once both pass the read; the write here lets only one through: an upsert
-- whose WHERE refuses another squad's hold inside the window.
CREATE TABLE contact_holds (
    kind TEXT NOT NULL,
    target_id INTEGER NOT NULL,
    squad_id INTEGER NOT NULL REFERENCES squads (id),
    at TEXT NOT NULL,
    PRIMARY KEY (kind, target_id)
);
