-- Transfers (转办 / 移交, issue 12): a subject handed to the office that
-- owns them, offered by the holder and accepted (or declined, with why) by
-- the receiving office; one open transfer per subject. The receiving
-- office sees a transfer only once it is offered.
CREATE TABLE transfers (
    id INTEGER PRIMARY KEY,
    subject_id INTEGER NOT NULL REFERENCES subjects (id),
    from_division TEXT NOT NULL,
    to_division TEXT NOT NULL,
    reason TEXT NOT NULL,
    offered_by INTEGER REFERENCES accounts (id),
    offered_at TEXT NOT NULL,
    -- '' while open | accepted | declined
    outcome TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL DEFAULT '',
    answered_by INTEGER REFERENCES accounts (id),
    answered_at TEXT
);
CREATE UNIQUE INDEX transfers_one_open ON transfers (subject_id) WHERE outcome = '';
CREATE INDEX transfers_to ON transfers (to_division, offered_at);
CREATE INDEX transfers_from ON transfers (from_division, offered_at);
