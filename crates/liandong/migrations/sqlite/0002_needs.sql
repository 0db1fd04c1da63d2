-- Needs (需求): help requests as they come in, with the division their
-- address lies in. Personal fields: contact_name with contact_phone, address.
CREATE TABLE needs (
    id INTEGER PRIMARY KEY,
    -- A retried submission carries the same key and finds the first.
    idempotency_key TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    urgency TEXT NOT NULL,
    people INTEGER NOT NULL,
    description TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    address TEXT NOT NULL,
    -- What the resolver read from the address ('' when nothing).
    division_code TEXT NOT NULL,
    by_jurisdiction INTEGER NOT NULL,
    -- Who holds the need: the division read, or the recorder's
    -- jurisdiction when the address did not say more.
    jurisdiction_code TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by INTEGER REFERENCES accounts (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX needs_jurisdiction ON needs (jurisdiction_code);
