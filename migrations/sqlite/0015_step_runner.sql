-- The step runner. A step's `claims` counts every time a worker took it and is the lease's
-- fence (see server/src/jobs.rs); `attempts` starts again when an admin retries a failed run.
ALTER TABLE workflow_steps ADD COLUMN claims INTEGER NOT NULL DEFAULT 0;

-- Round-robin assignment: one cursor per assign_owner action, shared by every instance. A
-- step advances it in its own transaction, so a step that is rolled back takes no turn.
CREATE TABLE workflow_turns (
    workflow_id TEXT NOT NULL REFERENCES workflows(id),
    action_id TEXT NOT NULL,
    turns INTEGER NOT NULL,
    PRIMARY KEY (workflow_id, action_id)
);

-- In-app notifications (send_notification), one per recipient; a step writes each at most
-- once (step_id, user_id).
CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    sub_account_id TEXT NOT NULL REFERENCES sub_accounts(id),
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    step_id TEXT REFERENCES workflow_steps(id),
    title TEXT NOT NULL,
    message TEXT NOT NULL,
    link TEXT,
    created_at INTEGER NOT NULL,
    read_at INTEGER,
    UNIQUE (step_id, user_id)
);
CREATE INDEX notifications_by_user ON notifications (user_id, sub_account_id, created_at);

-- How a sub-account sends the email, SMS and WhatsApp its workflows write: its own SMTP
-- server and Twilio account. The password and the auth token are sealed (AES-256-GCM under
-- the server's secret key), never stored as they were typed.
CREATE TABLE messaging_settings (
    sub_account_id TEXT PRIMARY KEY REFERENCES sub_accounts(id),
    smtp_host TEXT,
    smtp_port INTEGER,
    smtp_security TEXT,
    smtp_username TEXT,
    smtp_password_sealed TEXT,
    smtp_from_address TEXT,
    smtp_from_name TEXT,
    twilio_account_sid TEXT,
    twilio_token_sealed TEXT,
    twilio_sms_from TEXT,
    twilio_whatsapp_from TEXT,
    updated_at INTEGER NOT NULL
);

-- A workflow's runs, newest first, a page at a time: the index holds the order itself (with the
-- id that breaks ties), so a page far down skips index entries only, and the count reads only
-- the index.
CREATE INDEX workflow_runs_newest ON workflow_runs (workflow_id, started_at DESC, id DESC);
DROP INDEX workflow_runs_history;
