-- Workflows (seed 001) and the API keys their REST API is called with.
-- A workflow's row holds what lists and event matching read (name, trigger, active flag, the
-- current version); its definition is in workflow_versions, which never change once written:
-- a run keeps the version it started with.
CREATE TABLE workflows (
    id TEXT PRIMARY KEY,
    sub_account_id TEXT NOT NULL REFERENCES sub_accounts(id),
    name TEXT NOT NULL,
    trigger_module TEXT NOT NULL,
    trigger_type TEXT NOT NULL,
    is_active INTEGER NOT NULL,
    current_version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX workflows_by_sub_account ON workflows (sub_account_id, deleted_at, name);
CREATE INDEX workflows_by_trigger ON workflows (sub_account_id, trigger_type, is_active, deleted_at);

-- `saved_by` is a user, or the API key (`key:<id>`) that saved the version; `custom_fields`
-- the sub-account's custom fields it was checked against, which its filters compare as.
CREATE TABLE workflow_versions (
    workflow_id TEXT NOT NULL REFERENCES workflows(id),
    version INTEGER NOT NULL,
    definition TEXT NOT NULL,
    custom_fields TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (workflow_id, version)
);

-- A key is shown once when it is made; only its SHA-256 is kept. `prefix` (the first
-- characters of the key) lets an admin tell keys apart in Settings.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    sub_account_id TEXT NOT NULL REFERENCES sub_accounts(id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
);
CREATE INDEX api_keys_by_sub_account ON api_keys (sub_account_id, created_at);
