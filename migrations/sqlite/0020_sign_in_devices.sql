-- Browsers that signed in to an account (issue 28): the device cookie they got lets the right
-- password in while the account is throttled for every other browser, so guessing at an email
-- cannot lock its owner out. Only the token's SHA-256 is stored; the purge deletes devices
-- unused for 90 days.
CREATE TABLE sign_in_devices (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL
);
CREATE INDEX sign_in_devices_unused ON sign_in_devices (last_used_at);
