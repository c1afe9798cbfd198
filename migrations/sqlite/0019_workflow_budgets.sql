-- Budgets that keep one sub-account's workflows from running away (issue 28, `db::budgets`).

-- Runs started per chain of causes: the runs a chain's own runs lead to (depth 2 and deeper) are
-- counted from this index, in the statement that inserts one; the runs its first event starts
-- (one per workflow) are not.
CREATE INDEX workflow_runs_by_chain ON workflow_runs (chain_id) WHERE depth >= 2;

-- Runs started per clock minute and sub-account, every instance's: each adds what it started
-- every second, and reads the others'. The purge deletes past minutes.
CREATE TABLE workflow_minutes (
    sub_account_id TEXT NOT NULL REFERENCES sub_accounts(id),
    minute INTEGER NOT NULL,
    runs INTEGER NOT NULL,
    PRIMARY KEY (sub_account_id, minute)
);

-- The budgets a workflow reached, by hour: the sub-account's admins hear of each once an hour.
CREATE TABLE workflow_budget_alerts (
    workflow_id TEXT NOT NULL REFERENCES workflows(id),
    budget TEXT NOT NULL,
    hour INTEGER NOT NULL,
    PRIMARY KEY (workflow_id, budget, hour)
);
