-- Hardening: sign-in failures counted per (username, client) instead of
-- locking an account for everyone; sessions stored under a digest of
-- their id; timestamps in one fixed width so that text order is time order.
-- Append-only: never edit a released migration; add a new one.

CREATE TABLE sign_in_throttle (
    username TEXT NOT NULL,
    client TEXT NOT NULL,
    failures INTEGER NOT NULL,
    blocked_until TEXT,
    last_at TEXT NOT NULL,
    PRIMARY KEY (username, client)
);
CREATE INDEX sign_in_throttle_last ON sign_in_throttle (last_at);

-- Stored under the id itself: they end (everyone signs in once more).
DELETE FROM sessions;

-- RFC 3339 of varying length (no fraction when the microseconds were 0)
-- becomes YYYY-MM-DDTHH:MM:SS.ffffffZ, 27 characters, always UTC.

UPDATE orgs SET
    created_at = substr(created_at, 1, 19) || '.' || substr(CASE WHEN substr(created_at, 20, 1) = '.' THEN rtrim(substr(created_at, 21), 'Z') ELSE '' END || '000000', 1, 6) || 'Z',
    updated_at = substr(updated_at, 1, 19) || '.' || substr(CASE WHEN substr(updated_at, 20, 1) = '.' THEN rtrim(substr(updated_at, 21), 'Z') ELSE '' END || '000000', 1, 6) || 'Z'
WHERE length(created_at) <> 27 OR length(updated_at) <> 27;

UPDATE coalitions SET
    created_at = substr(created_at, 1, 19) || '.' || substr(CASE WHEN substr(created_at, 20, 1) = '.' THEN rtrim(substr(created_at, 21), 'Z') ELSE '' END || '000000', 1, 6) || 'Z'
WHERE length(created_at) <> 27;

UPDATE coalition_members SET
    joined_at = substr(joined_at, 1, 19) || '.' || substr(CASE WHEN substr(joined_at, 20, 1) = '.' THEN rtrim(substr(joined_at, 21), 'Z') ELSE '' END || '000000', 1, 6) || 'Z'
WHERE length(joined_at) <> 27;

UPDATE accounts SET
    locked_until = substr(locked_until, 1, 19) || '.' || substr(CASE WHEN substr(locked_until, 20, 1) = '.' THEN rtrim(substr(locked_until, 21), 'Z') ELSE '' END || '000000', 1, 6) || 'Z',
    created_at = substr(created_at, 1, 19) || '.' || substr(CASE WHEN substr(created_at, 20, 1) = '.' THEN rtrim(substr(created_at, 21), 'Z') ELSE '' END || '000000', 1, 6) || 'Z',
    password_changed_at = substr(password_changed_at, 1, 19) || '.' || substr(CASE WHEN substr(password_changed_at, 20, 1) = '.' THEN rtrim(substr(password_changed_at, 21), 'Z') ELSE '' END || '000000', 1, 6) || 'Z'
WHERE length(locked_until) <> 27 OR length(created_at) <> 27 OR length(password_changed_at) <> 27;

UPDATE sessions SET
    expires_at = substr(expires_at, 1, 19) || '.' || substr(CASE WHEN substr(expires_at, 20, 1) = '.' THEN rtrim(substr(expires_at, 21), 'Z') ELSE '' END || '000000', 1, 6) || 'Z'
WHERE length(expires_at) <> 27;

UPDATE zones SET
    starts_at = substr(starts_at, 1, 19) || '.' || substr(CASE WHEN substr(starts_at, 20, 1) = '.' THEN rtrim(substr(starts_at, 21), 'Z') ELSE '' END || '000000', 1, 6) || 'Z',
    lifted_at = substr(lifted_at, 1, 19) || '.' || substr(CASE WHEN substr(lifted_at, 20, 1) = '.' THEN rtrim(substr(lifted_at, 21), 'Z') ELSE '' END || '000000', 1, 6) || 'Z',
    created_at = substr(created_at, 1, 19) || '.' || substr(CASE WHEN substr(created_at, 20, 1) = '.' THEN rtrim(substr(created_at, 21), 'Z') ELSE '' END || '000000', 1, 6) || 'Z'
WHERE length(starts_at) <> 27 OR length(lifted_at) <> 27 OR length(created_at) <> 27;

UPDATE events SET
    at = substr(at, 1, 19) || '.' || substr(CASE WHEN substr(at, 20, 1) = '.' THEN rtrim(substr(at, 21), 'Z') ELSE '' END || '000000', 1, 6) || 'Z'
WHERE length(at) <> 27;

UPDATE needs SET
    created_at = substr(created_at, 1, 19) || '.' || substr(CASE WHEN substr(created_at, 20, 1) = '.' THEN rtrim(substr(created_at, 21), 'Z') ELSE '' END || '000000', 1, 6) || 'Z',
    updated_at = substr(updated_at, 1, 19) || '.' || substr(CASE WHEN substr(updated_at, 20, 1) = '.' THEN rtrim(substr(updated_at, 21), 'Z') ELSE '' END || '000000', 1, 6) || 'Z'
WHERE length(created_at) <> 27 OR length(updated_at) <> 27;

-- Scoped reads are ranges on the code (code >= '6101' AND code < '6101~').
CREATE INDEX accounts_jurisdiction ON accounts (jurisdiction_code);
CREATE INDEX events_division ON events (division_code, id);
