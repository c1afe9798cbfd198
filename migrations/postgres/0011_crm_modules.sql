-- The built-in CRM's six modules (seed 001: leads, contacts, accounts, opportunities, tasks,
-- projects) and the event stream over them. A record's fields are model::record's, each in the
-- column named by its snake_case; `updated_at` and the task's scheduling columns are OpsFlow's
-- own and never part of an event.

CREATE TABLE crm_accounts (
    id TEXT PRIMARY KEY,
    sub_account_id TEXT NOT NULL REFERENCES sub_accounts(id),
    name TEXT NOT NULL,
    industry TEXT NOT NULL,
    website TEXT NOT NULL,
    phone TEXT NOT NULL,
    owner_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX crm_accounts_by_sub_account ON crm_accounts (sub_account_id, created_at);

CREATE TABLE crm_leads (
    id TEXT PRIMARY KEY,
    sub_account_id TEXT NOT NULL REFERENCES sub_accounts(id),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    company_name TEXT NOT NULL,
    source TEXT NOT NULL,
    stage TEXT NOT NULL,
    score BIGINT NOT NULL,
    owner_id TEXT,
    converted BIGINT NOT NULL,
    contact_id TEXT REFERENCES crm_contacts(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX crm_leads_by_sub_account ON crm_leads (sub_account_id, created_at);

ALTER TABLE crm_contacts ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE crm_contacts ADD COLUMN owner_id TEXT;
ALTER TABLE crm_contacts ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE crm_contacts ADD COLUMN account_id TEXT REFERENCES crm_accounts(id);
ALTER TABLE crm_contacts ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
UPDATE crm_contacts SET updated_at = created_at;

ALTER TABLE crm_opportunities ADD COLUMN owner_id TEXT;
ALTER TABLE crm_opportunities ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
UPDATE crm_opportunities SET updated_at = created_at;

CREATE TABLE crm_projects (
    id TEXT PRIMARY KEY,
    sub_account_id TEXT NOT NULL REFERENCES sub_accounts(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    opportunity_id TEXT REFERENCES crm_opportunities(id),
    members TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX crm_projects_by_sub_account ON crm_projects (sub_account_id, created_at);

-- A task may belong to a contact, a project, both or neither (SQLite cannot drop NOT NULL, so
-- the table is rebuilt, in both databases alike). `due_at` is the moment it becomes overdue
-- (the end of its due day in the sub-account's zone, or its due time); `overdue_fired_for` is
-- the due date whose overdue events were emitted, so each (task, due date) fires once.
CREATE TABLE crm_tasks_rebuilt (
    id TEXT PRIMARY KEY,
    sub_account_id TEXT NOT NULL REFERENCES sub_accounts(id),
    contact_id TEXT REFERENCES crm_contacts(id),
    project_id TEXT REFERENCES crm_projects(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    due_date TEXT NOT NULL,
    due_at BIGINT,
    overdue_fired_for TEXT,
    completed BIGINT NOT NULL,
    assigned_to TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO crm_tasks_rebuilt (id, sub_account_id, contact_id, title, body, due_date, completed, assigned_to, created_at, updated_at)
    SELECT id, sub_account_id, contact_id, title, body, due_date, completed, assigned_to, created_at, created_at FROM crm_tasks;
DROP TABLE crm_tasks;
ALTER TABLE crm_tasks_rebuilt RENAME TO crm_tasks;
CREATE INDEX crm_tasks_by_contact ON crm_tasks (contact_id);
CREATE INDEX crm_tasks_by_project ON crm_tasks (project_id);
CREATE INDEX crm_tasks_due ON crm_tasks (due_at);

-- The stream: a module event names its record and its place in the record's history
-- (`record_seq`, 1, 2, ... per record), and `payload` is the model's RecordEvent. The two
-- form-trigger events keep these NULL.
ALTER TABLE events ADD COLUMN module TEXT;
ALTER TABLE events ADD COLUMN record_id TEXT;
ALTER TABLE events ADD COLUMN record_seq BIGINT;
ALTER TABLE events ADD COLUMN occurred_at BIGINT;
CREATE UNIQUE INDEX events_by_record ON events (sub_account_id, module, record_id, record_seq);
CREATE INDEX events_by_time ON events (sub_account_id, occurred_at);
