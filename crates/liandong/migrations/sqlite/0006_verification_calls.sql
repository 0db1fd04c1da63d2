-- Verification by phone (电话核实, issue 10): one operator calls a need at a
-- time (a lock that runs out by itself), every call attempt is kept with its
-- outcome, and a need not reached waits in the call-back queue.
ALTER TABLE needs ADD COLUMN locked_by INTEGER REFERENCES accounts (id);
ALTER TABLE needs ADD COLUMN locked_until TEXT;
ALTER TABLE needs ADD COLUMN call_back_at TEXT;
CREATE INDEX needs_call_back ON needs (call_back_at) WHERE call_back_at IS NOT NULL;
CREATE TABLE need_calls (
    id INTEGER PRIMARY KEY,
    need_id INTEGER NOT NULL REFERENCES needs (id),
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    outcome TEXT NOT NULL,
    call_back_at TEXT,
    note TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
CREATE INDEX need_calls_need ON need_calls (need_id, at);
