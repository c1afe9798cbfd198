-- HighLevel sign-ins are checked, not trusted (issue 28).
-- A user context signs in once: the SHA-256 of each one used is kept as long as the session it
-- made may live, so a captured payload signs nobody in again.
CREATE TABLE sso_payloads (
    payload_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sso_payloads_expiry ON sso_payloads (expires_at);
-- When HighLevel's users API last confirmed a HighLevel user's role and sub-accounts (NULL: never).
-- A sign-in HighLevel cannot confirm may fall back on a recent confirmation, never beyond it; the
-- re-check worker asks again when it is an hour old and ends the sessions of users HighLevel
-- removed or took a sub-account from.
ALTER TABLE users ADD COLUMN highlevel_confirmed_at INTEGER;
