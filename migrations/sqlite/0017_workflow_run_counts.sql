-- How many runs each workflow has, so the runs API's `total` is read, not counted (COUNT(*)
-- walked every index entry: ~10 ms at 100,000 runs). A trigger keeps it, in the statement that
-- inserts the run: whatever inserts runs, the count is right, and ingestion pays no extra round
-- trip to the database for it. Rows are shards of a count, summed when read (see PostgreSQL's
-- migration); SQLite has one writer at a time, so one shard.
CREATE TABLE workflow_run_counts (
    workflow_id TEXT NOT NULL REFERENCES workflows(id),
    shard INTEGER NOT NULL,
    runs INTEGER NOT NULL,
    PRIMARY KEY (workflow_id, shard)
);

-- trigger: workflow_runs_counted
CREATE TRIGGER workflow_runs_counted AFTER INSERT ON workflow_runs BEGIN
    INSERT INTO workflow_run_counts (workflow_id, shard, runs) VALUES (NEW.workflow_id, 0, 1)
    ON CONFLICT (workflow_id, shard) DO UPDATE SET runs = workflow_run_counts.runs + 1;
END;
-- end trigger

INSERT INTO workflow_run_counts (workflow_id, shard, runs)
SELECT workflow_id, 0, COUNT(*) FROM workflow_runs GROUP BY workflow_id;
