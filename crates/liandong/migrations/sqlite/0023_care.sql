-- Vulnerable residents (issue 14): the care recipients a community keeps
-- covered (personal: name with phone, address, health), each with a named
-- guardian volunteer and a backup, and the check-ins that show the
-- guardian reached them. Whether a guardian can reach them now is not
-- stored: it follows the zones and the volunteer (care/model.rs `reach`).
CREATE TABLE care_recipients (
    id INTEGER PRIMARY KEY,
    -- The community (division code) that keeps them covered.
    division_code TEXT NOT NULL,
    compound TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL,
    -- Stored tags (`,dialysis,elderly_alone,`), as needs keep theirs.
    categories TEXT NOT NULL,
    routine TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    checkin_hours INTEGER NOT NULL DEFAULT 24 CHECK (checkin_hours > 0),
    guardian_id INTEGER REFERENCES volunteers (id),
    backup_id INTEGER REFERENCES volunteers (id),
    last_checkin_at TEXT,
    -- When the next check-in is due, and the due the sweep last raised
    -- an alarm for (once per due).
    checkin_due_at TEXT NOT NULL,
    alarmed_due_at TEXT,
    -- active | ended (moved away, in hospital, died), with a reason.
    status TEXT NOT NULL DEFAULT 'active',
    status_reason TEXT NOT NULL DEFAULT '',
    -- A row of a plan list, by its content: the same row again is found.
    import_key TEXT UNIQUE,
    created_by INTEGER REFERENCES accounts (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (guardian_id IS NULL OR backup_id IS NULL OR guardian_id <> backup_id)
);
CREATE INDEX care_recipients_division ON care_recipients (division_code);
CREATE INDEX care_recipients_guardian ON care_recipients (guardian_id);
CREATE INDEX care_recipients_backup ON care_recipients (backup_id);
CREATE INDEX care_recipients_due ON care_recipients (status, checkin_due_at);

CREATE TABLE care_checkins (
    id INTEGER PRIMARY KEY,
    recipient_id INTEGER NOT NULL REFERENCES care_recipients (id),
    -- call | visit; well | needs_help | no_answer.
    kind TEXT NOT NULL,
    outcome TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    volunteer_id INTEGER REFERENCES volunteers (id),
    by_account INTEGER REFERENCES accounts (id),
    at TEXT NOT NULL
);
CREATE INDEX care_checkins_recipient ON care_checkins (recipient_id, at);

-- A volunteer who left the roster: no tasks, no squad, no one to guard.
ALTER TABLE volunteers ADD COLUMN left_roster_at TEXT;
