-- Graded management (分级管理, issue 12): a reached subject managed at a
-- level with a test schedule (copied when management starts, so an admin's
-- later change does not move anyone's days), PCR results from lists matched
-- to subjects (by ID number, else phone and name; the rest kept unmatched
-- for the importing office), and release once the schedule is complete.
-- Dates are Beijing days, YYYY-MM-DD.
CREATE TABLE test_schedules (
    level TEXT PRIMARY KEY,
    tests INTEGER NOT NULL CHECK (tests BETWEEN 1 AND 30),
    days INTEGER NOT NULL CHECK (days BETWEEN 1 AND 60),
    updated_by INTEGER REFERENCES accounts (id),
    updated_at TEXT NOT NULL
);

CREATE TABLE managements (
    id INTEGER PRIMARY KEY,
    subject_id INTEGER NOT NULL REFERENCES subjects (id),
    level TEXT NOT NULL,
    tests INTEGER NOT NULL,
    days INTEGER NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    -- active | positive (a positive result within it: handed to health; ended) | released
    status TEXT NOT NULL,
    started_by INTEGER REFERENCES accounts (id),
    started_at TEXT NOT NULL,
    ended_by INTEGER REFERENCES accounts (id),
    ended_at TEXT
);
CREATE UNIQUE INDEX managements_one_open ON managements (subject_id) WHERE status = 'active';
CREATE INDEX managements_subject ON managements (subject_id);
CREATE INDEX managements_status ON managements (status, ends_on);

CREATE TABLE result_lists (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    -- The rows as the office sent them (one list per office and content).
    content_key TEXT NOT NULL UNIQUE,
    -- importing (taken in batches; sent again, it goes on) | done
    status TEXT NOT NULL,
    jurisdiction_code TEXT NOT NULL,
    rows_read INTEGER NOT NULL,
    matched INTEGER NOT NULL DEFAULT 0,
    unmatched INTEGER NOT NULL DEFAULT 0,
    repeated INTEGER NOT NULL DEFAULT 0,
    refused INTEGER NOT NULL DEFAULT 0,
    -- JSON: the refused rows (line, field, key), at most 1,000.
    report TEXT NOT NULL DEFAULT '[]',
    imported_by INTEGER REFERENCES accounts (id),
    imported_at TEXT NOT NULL
);

CREATE TABLE test_results (
    id INTEGER PRIMARY KEY,
    list_id INTEGER NOT NULL REFERENCES result_lists (id),
    -- The result's content, digested: one result however often it is sent.
    result_key TEXT NOT NULL UNIQUE,
    -- NULL until matched to a subject.
    subject_id INTEGER REFERENCES subjects (id),
    -- id_number | phone_name | '' (unmatched)
    matched_by TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    id_number TEXT NOT NULL,
    sampled_on TEXT NOT NULL,
    outcome TEXT NOT NULL,
    jurisdiction_code TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX test_results_subject ON test_results (subject_id, sampled_on);
CREATE INDEX test_results_unmatched ON test_results (jurisdiction_code, id) WHERE subject_id IS NULL;
