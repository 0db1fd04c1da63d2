-- Hardening: sign-in failures counted per (username, client) instead of
-- locking an account for everyone; sessions stored under a digest of
-- their id. (PostgreSQL's timestamptz already orders as time.)
-- Append-only: never edit a released migration; add a new one.

CREATE TABLE sign_in_throttle (
    username TEXT NOT NULL,
    client TEXT NOT NULL,
    failures BIGINT NOT NULL,
    blocked_until TIMESTAMPTZ,
    last_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (username, client)
);
CREATE INDEX sign_in_throttle_last ON sign_in_throttle (last_at);

-- Stored under the id itself: they end (everyone signs in once more).
DELETE FROM sessions;

-- Division codes compare byte by byte, so a scoped read ("inside 6101":
-- code >= '6101' AND code < '6101~') is a range on the code's index; the
-- database's default collation would neither order them so nor use the
-- index for it.
ALTER TABLE orgs ALTER COLUMN jurisdiction_code TYPE TEXT COLLATE "C";
ALTER TABLE accounts ALTER COLUMN jurisdiction_code TYPE TEXT COLLATE "C";
ALTER TABLE zones ALTER COLUMN division_code TYPE TEXT COLLATE "C";
ALTER TABLE events ALTER COLUMN division_code TYPE TEXT COLLATE "C";
ALTER TABLE needs ALTER COLUMN jurisdiction_code TYPE TEXT COLLATE "C";
ALTER TABLE needs ALTER COLUMN division_code TYPE TEXT COLLATE "C";
CREATE INDEX accounts_jurisdiction ON accounts (jurisdiction_code);
CREATE INDEX events_division ON events (division_code, id);
