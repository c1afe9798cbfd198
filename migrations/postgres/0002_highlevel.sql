-- The HighLevel connection (PostgreSQL). A connected sub-account's id is its HighLevel locationId
-- and its agency's id the companyId, so webhooks and API calls need no id mapping.
-- Tokens are stored sealed (AES-256-GCM, `v1:...`), never in the clear.
-- The SQLite set in ../sqlite has the same tables and columns.

CREATE TABLE hl_companies (
    company_id TEXT PRIMARY KEY REFERENCES agencies(id),
    access_token TEXT,
    refresh_token TEXT,
    expires_at BIGINT,
    installed_at BIGINT NOT NULL,
    uninstalled_at BIGINT
);

CREATE TABLE hl_locations (
    location_id TEXT PRIMARY KEY REFERENCES sub_accounts(id),
    company_id TEXT NOT NULL REFERENCES hl_companies(company_id),
    access_token TEXT,
    expires_at BIGINT,
    installed_at BIGINT NOT NULL,
    uninstalled_at BIGINT,
    -- Until when the catch-up job has looked for stage changes a lost webhook would have missed.
    caught_up_at BIGINT
);

-- Every webhook as received, before anything else happens to it: HighLevel retries only a 429,
-- so a webhook is acknowledged once it is here and processed from here. `dedupe_key` is the
-- webhookId (or a hash of the body when there is none): a redelivery inserts nothing.
CREATE TABLE hl_webhooks (
    id TEXT PRIMARY KEY,
    dedupe_key TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    location_id TEXT,
    company_id TEXT,
    body TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'processed', 'ignored', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    lease_until BIGINT NOT NULL DEFAULT 0,
    outcome TEXT,
    processed_at BIGINT
);
CREATE INDEX hl_webhooks_by_state ON hl_webhooks (state, received_at);

-- OpportunityStageUpdate carries only the new stage: the last one seen, per opportunity.
CREATE TABLE hl_opportunity_stages (
    location_id TEXT NOT NULL,
    opportunity_id TEXT NOT NULL,
    pipeline_id TEXT NOT NULL,
    stage_id TEXT NOT NULL,
    changed_at BIGINT NOT NULL,
    PRIMARY KEY (location_id, opportunity_id)
);

-- Stage moves OpsFlow itself made, so the webhook echoing each one is not taken for a new event.
CREATE TABLE hl_outgoing_moves (
    location_id TEXT NOT NULL,
    opportunity_id TEXT NOT NULL,
    stage_id TEXT NOT NULL,
    moved_at BIGINT NOT NULL,
    PRIMARY KEY (location_id, opportunity_id, stage_id)
);

-- One-time links that carry a HighLevel sign-in from the CRM's iframe to a tab of its own, for
-- browsers that keep no cookies in frames. Only a hash of each code is stored.
CREATE TABLE sso_handoffs (
    code_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    landing TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
