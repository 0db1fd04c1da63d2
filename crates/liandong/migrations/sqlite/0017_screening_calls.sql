-- Screening calls (核查电话, issue 12): the number each caller dials
-- from (a seat), one call attempt a row with its outcome and the short code
-- the caller reads out so the resident can check the call was real
-- (来电核验); a subject is held by one caller while they call it.
CREATE TABLE screening_seats (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id),
    phone TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE calls (
    id INTEGER PRIMARY KEY,
    subject_id INTEGER NOT NULL REFERENCES subjects (id),
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    from_phone TEXT NOT NULL,
    division_code TEXT NOT NULL,
    code TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    outcome TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    moved_to_division TEXT NOT NULL DEFAULT '',
    call_back_at TEXT
);
CREATE INDEX calls_subject ON calls (subject_id, started_at);
CREATE INDEX calls_check ON calls (from_phone, code);

ALTER TABLE subjects ADD COLUMN caller_id INTEGER REFERENCES accounts (id);
ALTER TABLE subjects ADD COLUMN call_started_at TEXT;
ALTER TABLE subjects ADD COLUMN last_called_at TEXT;
ALTER TABLE subjects ADD COLUMN call_back_at TEXT;
ALTER TABLE subjects ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subjects ADD COLUMN closed_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE subjects ADD COLUMN moved_to_division TEXT NOT NULL DEFAULT '';
