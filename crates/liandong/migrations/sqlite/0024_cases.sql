-- Cases (个案, issue 14): found, reported and referred between
-- organisations, always held by exactly one; follow-ups with due dates,
-- consultations; online care teams (线上联合服务小组) with an on-call rota,
-- to whom a crisis is offered at once. The person's name, phone and
-- address are personal; a domestic-violence case is seen only by the
-- holding organisation's caseworkers.
CREATE TABLE care_teams (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    name TEXT NOT NULL,
    -- The area it serves (its cases, and crises there), and the cohort
    -- it is linked to ('' for all): a sealed compound, home quarantine.
    division_code TEXT NOT NULL,
    cohort TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES accounts (id),
    created_at TEXT NOT NULL,
    UNIQUE (org_id, name)
);
CREATE INDEX care_teams_division ON care_teams (division_code);

CREATE TABLE care_team_members (
    id INTEGER PRIMARY KEY,
    team_id INTEGER NOT NULL REFERENCES care_teams (id),
    name TEXT NOT NULL,
    -- doctor | psychiatrist | psychologist | social_worker | nurse | lawyer
    profession TEXT NOT NULL,
    phone TEXT NOT NULL,
    -- Where they are (from anywhere: free text, e.g. 成都).
    based TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    UNIQUE (team_id, phone)
);

CREATE TABLE care_oncall (
    id INTEGER PRIMARY KEY,
    team_id INTEGER NOT NULL REFERENCES care_teams (id),
    member_id INTEGER NOT NULL REFERENCES care_team_members (id),
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX care_oncall_when ON care_oncall (starts_at, ends_at);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    -- The organisation holding it: exactly one, changed only by an
    -- accepted referral.
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    division_code TEXT NOT NULL,
    category TEXT NOT NULL,
    risk TEXT NOT NULL,
    -- open | closed
    status TEXT NOT NULL,
    -- How it was found: need | checkin | call | report; and the record.
    source TEXT NOT NULL,
    need_id INTEGER REFERENCES needs (id),
    recipient_id INTEGER REFERENCES care_recipients (id),
    person_name TEXT NOT NULL,
    person_phone TEXT NOT NULL DEFAULT '',
    person_address TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT '',
    closing_note TEXT NOT NULL DEFAULT '',
    -- The care team member a crisis was offered to.
    crisis_member_id INTEGER REFERENCES care_team_members (id),
    opened_by INTEGER REFERENCES accounts (id),
    opened_at TEXT NOT NULL,
    closed_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX cases_org ON cases (org_id, status);
CREATE INDEX cases_division ON cases (division_code);

CREATE TABLE case_notes (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    -- note | follow_up (due_at; done_at when done) | consultation (member)
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    due_at TEXT,
    done_at TEXT,
    member_id INTEGER REFERENCES care_team_members (id),
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    by_account INTEGER REFERENCES accounts (id),
    at TEXT NOT NULL
);
CREATE INDEX case_notes_case ON case_notes (case_id, at);
CREATE INDEX case_notes_due ON case_notes (kind, done_at, due_at);

CREATE TABLE case_referrals (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    from_org INTEGER NOT NULL REFERENCES orgs (id),
    to_org INTEGER NOT NULL REFERENCES orgs (id),
    reason TEXT NOT NULL,
    -- pending | accepted | declined
    status TEXT NOT NULL,
    answer TEXT NOT NULL DEFAULT '',
    answered_by INTEGER REFERENCES accounts (id),
    answered_at TEXT,
    -- When it was raised as unanswered past the set time.
    escalated_at TEXT,
    created_by INTEGER REFERENCES accounts (id),
    created_at TEXT NOT NULL,
    CHECK (from_org <> to_org)
);
-- One referral waits at a time: the index decides between two.
CREATE UNIQUE INDEX case_referrals_pending ON case_referrals (case_id) WHERE status = 'pending';
CREATE INDEX case_referrals_to ON case_referrals (to_org, status);

-- A care recipient's routine that becomes a need on schedule (medicine
-- every week, meals every day): the sweep raises it when due, keyed by
-- the schedule and the due time, so a retried sweep raises it once.
CREATE TABLE care_schedules (
    id INTEGER PRIMARY KEY,
    recipient_id INTEGER NOT NULL REFERENCES care_recipients (id),
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    every_days INTEGER NOT NULL CHECK (every_days BETWEEN 1 AND 30),
    next_at TEXT NOT NULL,
    ended_at TEXT,
    created_by INTEGER REFERENCES accounts (id),
    created_at TEXT NOT NULL
);
CREATE INDEX care_schedules_due ON care_schedules (next_at);
