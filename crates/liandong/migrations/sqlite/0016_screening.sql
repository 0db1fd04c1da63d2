-- Screening (排查, issue 12): lists from a source, each row a lead; leads
-- of one person make one subject, held by the street office that owns the
-- person (by residence, else registration; unlocated ones are split among
-- the importing office's streets by workload, the split recorded on the
-- subject). Sources keep the column mapping last used. Uploads wait here
-- between the preview (columns checked by a person) and the import.
CREATE TABLE screening_sources (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    -- JSON: field → the header text it was read from.
    mapping TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);

CREATE TABLE screening_uploads (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    content BLOB NOT NULL,
    uploaded_by INTEGER REFERENCES accounts (id),
    uploaded_at TEXT NOT NULL
);

CREATE TABLE screening_lists (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES screening_sources (id),
    -- transport | roaming | venue | self_report (lists a, b, c, self)
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    -- A list sent twice is taken once: the same source and the same rows.
    content_key TEXT NOT NULL,
    jurisdiction_code TEXT NOT NULL,
    -- importing (taken in batches; sent again, it goes on) | done
    status TEXT NOT NULL,
    rows_read INTEGER NOT NULL,
    new_subjects INTEGER NOT NULL,
    joined INTEGER NOT NULL,
    repeated INTEGER NOT NULL,
    refused INTEGER NOT NULL,
    -- JSON: the refused rows (line, field, key), at most 1,000.
    report TEXT NOT NULL,
    imported_by INTEGER REFERENCES accounts (id),
    imported_at TEXT NOT NULL,
    UNIQUE (source_id, content_key)
);
CREATE INDEX screening_lists_jurisdiction ON screening_lists (jurisdiction_code, imported_at);

CREATE TABLE subjects (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    id_number TEXT NOT NULL,
    residence_address TEXT NOT NULL,
    residence_division TEXT NOT NULL,
    registered_address TEXT NOT NULL,
    registered_division TEXT NOT NULL,
    -- The street office that holds the person, and why: residence,
    -- registered, or split (unlocated, dealt by workload).
    holder_division TEXT NOT NULL,
    routed_by TEXT NOT NULL,
    status TEXT NOT NULL,
    -- The latest date a lead places them (a trip, a venue, a roaming day).
    last_seen_on TEXT NOT NULL,
    self_reported_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX subjects_id_number ON subjects (id_number) WHERE id_number <> '';
CREATE INDEX subjects_phone ON subjects (phone, name);
CREATE INDEX subjects_holder ON subjects (holder_division, status);

CREATE TABLE leads (
    id INTEGER PRIMARY KEY,
    list_id INTEGER NOT NULL REFERENCES screening_lists (id),
    source_id INTEGER NOT NULL REFERENCES screening_sources (id),
    subject_id INTEGER NOT NULL REFERENCES subjects (id),
    kind TEXT NOT NULL,
    line INTEGER NOT NULL,
    -- The row's content, digested: the same row from the same source is
    -- one lead, however often its list is sent.
    row_key TEXT NOT NULL,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    id_number TEXT NOT NULL,
    residence_address TEXT NOT NULL,
    registered_address TEXT NOT NULL,
    trip TEXT NOT NULL,
    seen_on TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (source_id, row_key)
);
CREATE INDEX leads_subject ON leads (subject_id);
