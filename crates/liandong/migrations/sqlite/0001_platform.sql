-- Platform: organisations, coalition, accounts, sessions, zones, events.
-- Append-only: never edit a released migration; add a new one.

CREATE TABLE orgs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    tier TEXT NOT NULL,
    jurisdiction_code TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX orgs_jurisdiction ON orgs (jurisdiction_code);

CREATE TABLE coalitions (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    jurisdiction_code TEXT NOT NULL,
    coordinating_org_id INTEGER REFERENCES orgs (id),
    created_at TEXT NOT NULL
);

CREATE TABLE working_groups (
    id INTEGER PRIMARY KEY,
    coalition_id INTEGER NOT NULL REFERENCES coalitions (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL,
    UNIQUE (coalition_id, name)
);

CREATE TABLE working_group_leads (
    working_group_id INTEGER NOT NULL REFERENCES working_groups (id),
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    PRIMARY KEY (working_group_id, org_id)
);

CREATE TABLE coalition_members (
    coalition_id INTEGER NOT NULL REFERENCES coalitions (id),
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    joined_at TEXT NOT NULL,
    PRIMARY KEY (coalition_id, org_id)
);

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    jurisdiction_code TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    account_id INTEGER REFERENCES accounts (id),
    data TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE zones (
    id INTEGER PRIMARY KEY,
    division_code TEXT NOT NULL,
    compound TEXT NOT NULL DEFAULT '',
    level TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    lifted_at TEXT,
    reason TEXT NOT NULL DEFAULT '',
    created_by INTEGER NOT NULL REFERENCES accounts (id),
    lifted_by INTEGER REFERENCES accounts (id),
    created_at TEXT NOT NULL
);
CREATE INDEX zones_division ON zones (division_code);

-- Every state change and every reveal of a personal field.
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id INTEGER REFERENCES accounts (id),
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    division_code TEXT NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    before TEXT,
    after TEXT
);
CREATE INDEX events_at ON events (at);
CREATE INDEX events_entity ON events (entity, entity_id);
