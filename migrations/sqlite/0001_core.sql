-- OpsFlow core schema (SQLite). Times are Unix milliseconds; flags are 0/1; JSON is TEXT.
-- The PostgreSQL set in ../postgres has the same tables and columns.

CREATE TABLE agencies (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE sub_accounts (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL DEFAULT 'UTC',
    starters_created INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'staff')),
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE memberships (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    sub_account_id TEXT NOT NULL REFERENCES sub_accounts(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, sub_account_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE templates (
    id TEXT PRIMARY KEY,
    sub_account_id TEXT NOT NULL REFERENCES sub_accounts(id),
    name TEXT NOT NULL,
    current_version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX templates_by_sub_account ON templates (sub_account_id, deleted_at);

-- Versions never change once written: forms point at the version they were created from.
CREATE TABLE template_versions (
    template_id TEXT NOT NULL REFERENCES templates(id),
    version INTEGER NOT NULL,
    definition TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (template_id, version)
);

CREATE TABLE triggers (
    id TEXT PRIMARY KEY,
    sub_account_id TEXT NOT NULL REFERENCES sub_accounts(id),
    template_id TEXT NOT NULL REFERENCES templates(id),
    event_type TEXT NOT NULL,
    pipeline_id TEXT,
    stage_id TEXT,
    writebacks TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX triggers_by_event ON triggers (sub_account_id, event_type);

-- Every event is stored once per (sub-account, source, external id): a redelivery is a no-op.
CREATE TABLE events (
    id TEXT PRIMARY KEY,
    sub_account_id TEXT NOT NULL REFERENCES sub_accounts(id),
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    UNIQUE (sub_account_id, source, external_id)
);

CREATE TABLE forms (
    id TEXT PRIMARY KEY,
    sub_account_id TEXT NOT NULL REFERENCES sub_accounts(id),
    template_id TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    trigger_id TEXT,
    event_id TEXT NOT NULL REFERENCES events(id),
    contact_id TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    opportunity_id TEXT,
    pipeline_id TEXT,
    stage_id TEXT,
    context TEXT NOT NULL,
    writebacks TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'completed')),
    created_at INTEGER NOT NULL,
    submitted_at INTEGER,
    submitted_by TEXT,
    submitted_by_name TEXT,
    answers TEXT,
    FOREIGN KEY (template_id, template_version) REFERENCES template_versions (template_id, version)
);
CREATE INDEX forms_inbox ON forms (sub_account_id, status, created_at);
CREATE INDEX forms_by_template ON forms (template_id, status);

CREATE TABLE writeback_results (
    form_id TEXT NOT NULL REFERENCES forms(id),
    kind TEXT NOT NULL,
    position INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed')),
    message TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (form_id, kind)
);

-- The built-in CRM, shaped like HighLevel's objects. sub_account_id plays locationId.
CREATE TABLE crm_contacts (
    id TEXT PRIMARY KEY,
    sub_account_id TEXT NOT NULL REFERENCES sub_accounts(id),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX crm_contacts_by_sub_account ON crm_contacts (sub_account_id);

CREATE TABLE crm_custom_fields (
    id TEXT PRIMARY KEY,
    sub_account_id TEXT NOT NULL REFERENCES sub_accounts(id),
    name TEXT NOT NULL,
    field_key TEXT NOT NULL,
    data_type TEXT NOT NULL,
    options TEXT NOT NULL,
    position INTEGER NOT NULL
);

CREATE TABLE crm_contact_field_values (
    contact_id TEXT NOT NULL REFERENCES crm_contacts(id),
    field_id TEXT NOT NULL REFERENCES crm_custom_fields(id),
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (contact_id, field_id)
);

CREATE TABLE crm_pipelines (
    id TEXT PRIMARY KEY,
    sub_account_id TEXT NOT NULL REFERENCES sub_accounts(id),
    name TEXT NOT NULL,
    position INTEGER NOT NULL
);

CREATE TABLE crm_stages (
    id TEXT PRIMARY KEY,
    pipeline_id TEXT NOT NULL REFERENCES crm_pipelines(id),
    name TEXT NOT NULL,
    position INTEGER NOT NULL
);

CREATE TABLE crm_opportunities (
    id TEXT PRIMARY KEY,
    sub_account_id TEXT NOT NULL REFERENCES sub_accounts(id),
    contact_id TEXT NOT NULL REFERENCES crm_contacts(id),
    pipeline_id TEXT NOT NULL REFERENCES crm_pipelines(id),
    stage_id TEXT NOT NULL REFERENCES crm_stages(id),
    name TEXT NOT NULL,
    monetary_value DOUBLE PRECISION NOT NULL,
    status TEXT NOT NULL,
    last_stage_change_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX crm_opportunities_by_sub_account ON crm_opportunities (sub_account_id, pipeline_id);

CREATE TABLE crm_notes (
    id TEXT PRIMARY KEY,
    sub_account_id TEXT NOT NULL REFERENCES sub_accounts(id),
    contact_id TEXT NOT NULL REFERENCES crm_contacts(id),
    user_id TEXT,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX crm_notes_by_contact ON crm_notes (contact_id);

CREATE TABLE crm_tasks (
    id TEXT PRIMARY KEY,
    sub_account_id TEXT NOT NULL REFERENCES sub_accounts(id),
    contact_id TEXT NOT NULL REFERENCES crm_contacts(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    due_date TEXT NOT NULL,
    completed INTEGER NOT NULL,
    assigned_to TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX crm_tasks_by_contact ON crm_tasks (contact_id);

CREATE TABLE crm_calls (
    id TEXT PRIMARY KEY,
    sub_account_id TEXT NOT NULL REFERENCES sub_accounts(id),
    contact_id TEXT NOT NULL REFERENCES crm_contacts(id),
    summary TEXT NOT NULL,
    transcript TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX crm_calls_by_contact ON crm_calls (contact_id);
