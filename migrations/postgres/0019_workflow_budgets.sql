-- Budgets that keep one sub-account's workflows from running away (issue 28, `db::budgets`).
-- Each is checked in the statement that starts a run, from counts kept here, so budgets hold
-- across instances sharing a database and cost ingestion no extra round trip.

-- Runs started per chain of causes: the runs a chain's own runs lead to (depth 2 and deeper) are
-- counted from this index; the runs its first event starts (one per workflow) are not.
CREATE INDEX workflow_runs_by_chain ON workflow_runs (chain_id) WHERE depth >= 2;

-- Runs started per clock minute and sub-account, kept by a trigger as the run counts are
-- (migration 0017): each connection adds to a row of its own (its backend's pid), so
-- transactions starting runs at once never wait on one row. The purge deletes past minutes.
CREATE TABLE workflow_minutes (
    sub_account_id TEXT NOT NULL REFERENCES sub_accounts(id),
    minute BIGINT NOT NULL,
    shard BIGINT NOT NULL,
    runs BIGINT NOT NULL,
    PRIMARY KEY (sub_account_id, minute, shard)
);

-- trigger: workflow_runs_timed
CREATE FUNCTION time_workflow_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO workflow_minutes (sub_account_id, minute, shard, runs)
    VALUES (NEW.sub_account_id, NEW.started_at / 60000, pg_backend_pid(), 1)
    ON CONFLICT (sub_account_id, minute, shard) DO UPDATE SET runs = workflow_minutes.runs + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER workflow_runs_timed AFTER INSERT ON workflow_runs
    FOR EACH ROW EXECUTE FUNCTION time_workflow_run();
-- end trigger

-- Steps queued to run per sub-account, as the engine last counted them (every few seconds).
CREATE TABLE workflow_backlog (
    sub_account_id TEXT PRIMARY KEY REFERENCES sub_accounts(id),
    steps BIGINT NOT NULL,
    counted_at BIGINT NOT NULL
);

-- The budgets a workflow reached, by hour: the sub-account's admins hear of each once an hour.
CREATE TABLE workflow_budget_alerts (
    workflow_id TEXT NOT NULL REFERENCES workflows(id),
    budget TEXT NOT NULL,
    hour BIGINT NOT NULL,
    PRIMARY KEY (workflow_id, budget, hour)
);
