-- Volunteers (issue 11): recruitment campaigns (招募) with what they ask
-- for, applications (personal: name with phone, document number, address)
-- and their vetting, and the volunteers accepted. Dates are YYYY-MM-DD text.
CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY,
    -- The public page's address (unguessable, like a need's reference).
    reference TEXT NOT NULL UNIQUE,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    division_code TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    minors TEXT NOT NULL,
    created_by INTEGER REFERENCES accounts (id),
    created_at TEXT NOT NULL
);
CREATE INDEX campaigns_division ON campaigns (division_code);

CREATE TABLE campaign_slots (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    category TEXT NOT NULL,
    wanted INTEGER NOT NULL CHECK (wanted > 0),
    PRIMARY KEY (campaign_id, category)
);

CREATE TABLE applications (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    reference TEXT NOT NULL UNIQUE,
    -- A retried sign-up carries the same key and finds the first.
    idempotency_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    document_type TEXT NOT NULL,
    document_number TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    guardian_consent INTEGER NOT NULL DEFAULT 0,
    address TEXT NOT NULL,
    -- What the resolver read from the address ('' when nothing), and who
    -- holds the application: that division, else the campaign's.
    home_division TEXT NOT NULL,
    jurisdiction_code TEXT NOT NULL,
    category TEXT NOT NULL,
    skills TEXT NOT NULL,
    availability TEXT NOT NULL,
    motivation TEXT NOT NULL,
    referral TEXT NOT NULL,
    status TEXT NOT NULL,
    decision_reason TEXT NOT NULL DEFAULT '',
    decided_by INTEGER REFERENCES accounts (id),
    decided_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- One application per person and campaign, by document and by phone.
    UNIQUE (campaign_id, document_type, document_number),
    UNIQUE (campaign_id, phone)
);
CREATE INDEX applications_queue ON applications (campaign_id, status, created_at);
CREATE INDEX applications_jurisdiction ON applications (jurisdiction_code);

CREATE TABLE volunteers (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL UNIQUE REFERENCES applications (id),
    account_id INTEGER NOT NULL UNIQUE REFERENCES accounts (id),
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    home_division TEXT NOT NULL,
    jurisdiction_code TEXT NOT NULL,
    category TEXT NOT NULL,
    skills TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX volunteers_jurisdiction ON volunteers (jurisdiction_code);
