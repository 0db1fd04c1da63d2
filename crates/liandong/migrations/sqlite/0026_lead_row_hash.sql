-- A lead's row key becomes the first 8 bytes of its content digest, as an
-- integer (issue 12: the import's speed). The index on it is written at
-- random by every row of a list; 64 hex characters made it the largest
-- index of the database. A hash found is confirmed by the lead's content,
-- so the index need not be unique (two rows sharing a hash stay two).
-- SQLite cannot drop a column in a UNIQUE constraint: the table is built
-- again (nothing references it).
CREATE TABLE leads_new (
    id INTEGER PRIMARY KEY,
    list_id INTEGER NOT NULL REFERENCES screening_lists (id),
    source_id INTEGER NOT NULL REFERENCES screening_sources (id),
    subject_id INTEGER NOT NULL REFERENCES subjects (id),
    kind TEXT NOT NULL,
    line INTEGER NOT NULL,
    -- The row's content digested (SHA-256's first 8 bytes, big-endian,
    -- signed): where to look for the same row from the same source.
    row_hash INTEGER NOT NULL,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    id_number TEXT NOT NULL,
    residence_address TEXT NOT NULL,
    registered_address TEXT NOT NULL,
    trip TEXT NOT NULL,
    seen_on TEXT NOT NULL,
    created_at TEXT NOT NULL
);
INSERT INTO leads_new (id, list_id, source_id, subject_id, kind, line, row_hash, name, phone,
    id_number, residence_address, registered_address, trip, seen_on, created_at)
SELECT id, list_id, source_id, subject_id, kind, line,
        ((instr('0123456789abcdef', substr(row_key, 1, 1)) - 1) << 60) |
        ((instr('0123456789abcdef', substr(row_key, 2, 1)) - 1) << 56) |
        ((instr('0123456789abcdef', substr(row_key, 3, 1)) - 1) << 52) |
        ((instr('0123456789abcdef', substr(row_key, 4, 1)) - 1) << 48) |
        ((instr('0123456789abcdef', substr(row_key, 5, 1)) - 1) << 44) |
        ((instr('0123456789abcdef', substr(row_key, 6, 1)) - 1) << 40) |
        ((instr('0123456789abcdef', substr(row_key, 7, 1)) - 1) << 36) |
        ((instr('0123456789abcdef', substr(row_key, 8, 1)) - 1) << 32) |
        ((instr('0123456789abcdef', substr(row_key, 9, 1)) - 1) << 28) |
        ((instr('0123456789abcdef', substr(row_key, 10, 1)) - 1) << 24) |
        ((instr('0123456789abcdef', substr(row_key, 11, 1)) - 1) << 20) |
        ((instr('0123456789abcdef', substr(row_key, 12, 1)) - 1) << 16) |
        ((instr('0123456789abcdef', substr(row_key, 13, 1)) - 1) << 12) |
        ((instr('0123456789abcdef', substr(row_key, 14, 1)) - 1) << 8) |
        ((instr('0123456789abcdef', substr(row_key, 15, 1)) - 1) << 4) |
        ((instr('0123456789abcdef', substr(row_key, 16, 1)) - 1) << 0),
    name, phone, id_number, residence_address, registered_address, trip, seen_on, created_at
FROM leads;
DROP TABLE leads;
ALTER TABLE leads_new RENAME TO leads;
CREATE INDEX leads_subject ON leads (subject_id);
CREATE INDEX leads_row ON leads (source_id, row_hash);
