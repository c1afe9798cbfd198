-- Workflow runs: one per (workflow, event) that passed the workflow's filters, pinned to the
-- version current when the event was stored, with the trigger's record and previous values.
-- `depth` counts the runs that led to the event (a run's own writes start runs one deeper).
CREATE TABLE workflow_runs (
    id TEXT PRIMARY KEY,
    sub_account_id TEXT NOT NULL REFERENCES sub_accounts(id),
    workflow_id TEXT NOT NULL REFERENCES workflows(id),
    workflow_version INTEGER NOT NULL,
    event_id TEXT NOT NULL REFERENCES events(id),
    trigger_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    depth INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'waiting', 'completed', 'failed', 'cancelled')),
    trigger_snapshot TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    resume_at INTEGER,
    error TEXT,
    UNIQUE (workflow_id, event_id),
    FOREIGN KEY (workflow_id, workflow_version) REFERENCES workflow_versions (workflow_id, version)
);
CREATE INDEX workflow_runs_history ON workflow_runs (workflow_id, started_at);

-- A run's steps, one per action it reached, in order. A step that is due is a job: `due_at` is
-- when it may run (now, a retry's time, a wait's end) and is cleared once the step is final, so
-- the partial index holds only the steps that are due and waiting runs cost nothing.
CREATE TABLE workflow_steps (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES workflow_runs(id),
    action_id TEXT NOT NULL,
    action_type TEXT NOT NULL,
    position INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'waiting', 'completed', 'failed', 'skipped', 'cancelled')),
    attempts INTEGER NOT NULL,
    due_at INTEGER,
    lease_until INTEGER,
    started_at INTEGER,
    finished_at INTEGER,
    input TEXT,
    output TEXT,
    error TEXT,
    UNIQUE (run_id, action_id)
);
CREATE INDEX workflow_steps_due ON workflow_steps (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX workflow_steps_by_run ON workflow_steps (run_id, position);
