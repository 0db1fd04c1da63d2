-- Training and credentials (培训 / 资质, issue 11): sessions with a
-- capacity and attendance; credentials with an expiry, granted by
-- attending or by a coordinator who checked a document (a licence); duty
-- a volunteer clocked on and off (service hours are only ever counted from
-- attendance and duty, never typed in); feedback on a volunteer; and the
-- compound a resident leader (骨干) anchors.
CREATE TABLE trainings (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    division_code TEXT NOT NULL,
    title TEXT NOT NULL,
    -- What attending grants (a CredentialKind a training can give).
    credential TEXT NOT NULL,
    place TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity > 0),
    -- Seats taken: the conditional update of this count is the gate two
    -- enrolments at once go through (the CHECK holds it too).
    enrolled INTEGER NOT NULL DEFAULT 0 CHECK (enrolled >= 0 AND enrolled <= capacity),
    created_by INTEGER REFERENCES accounts (id),
    created_at TEXT NOT NULL
);
CREATE INDEX trainings_division ON trainings (division_code, starts_at);

CREATE TABLE training_enrolments (
    training_id INTEGER NOT NULL REFERENCES trainings (id),
    volunteer_id INTEGER NOT NULL REFERENCES volunteers (id),
    enrolled_at TEXT NOT NULL,
    attended_at TEXT,
    marked_by INTEGER REFERENCES accounts (id),
    PRIMARY KEY (training_id, volunteer_id)
);
CREATE INDEX training_enrolments_volunteer ON training_enrolments (volunteer_id);

CREATE TABLE credentials (
    id INTEGER PRIMARY KEY,
    volunteer_id INTEGER NOT NULL REFERENCES volunteers (id),
    kind TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    -- Set when attending a training granted it; else a document checked.
    training_id INTEGER REFERENCES trainings (id),
    note TEXT NOT NULL DEFAULT '',
    granted_by INTEGER REFERENCES accounts (id)
);
CREATE INDEX credentials_volunteer ON credentials (volunteer_id, kind, expires_at);
-- Attending once grants once, however often the attendance is sent.
CREATE UNIQUE INDEX credentials_by_training ON credentials (volunteer_id, training_id) WHERE training_id IS NOT NULL;

CREATE TABLE duties (
    id INTEGER PRIMARY KEY,
    volunteer_id INTEGER NOT NULL REFERENCES volunteers (id),
    squad_id INTEGER REFERENCES squads (id),
    started_at TEXT NOT NULL,
    ended_at TEXT
);
-- One duty open per volunteer: a second clock-on (a double tap) finds it.
CREATE UNIQUE INDEX duties_one_open ON duties (volunteer_id) WHERE ended_at IS NULL;
CREATE INDEX duties_volunteer ON duties (volunteer_id, started_at);

CREATE TABLE volunteer_feedback (
    id INTEGER PRIMARY KEY,
    volunteer_id INTEGER NOT NULL REFERENCES volunteers (id),
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment TEXT NOT NULL,
    given_by INTEGER REFERENCES accounts (id),
    given_at TEXT NOT NULL
);
CREATE INDEX volunteer_feedback_volunteer ON volunteer_feedback (volunteer_id, given_at);

-- The compound a resident leader (骨干) anchors ('' when none).
ALTER TABLE volunteers ADD COLUMN anchor_compound TEXT NOT NULL DEFAULT '';
