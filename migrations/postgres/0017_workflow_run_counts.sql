-- How many runs each workflow has, so the runs API's `total` is read, not counted (COUNT(*)
-- walked every index entry: ~10 ms at 100,000 runs). A trigger keeps it, in the statement that
-- inserts the run: whatever inserts runs, the count is right, and ingestion pays no extra round
-- trip to the database for it. Rows are shards of a count, summed when read: each database
-- connection adds to a row of its own (its backend's pid), so transactions starting runs at once
-- never wait on one row's lock until they end (nor deadlock taking two workflows' rows in
-- opposite orders). The hourly purge folds the rows of connections that have ended into shard 0
-- (`db::retention`), which no connection writes (no backend has pid 0).
CREATE TABLE workflow_run_counts (
    workflow_id TEXT NOT NULL REFERENCES workflows(id),
    shard BIGINT NOT NULL,
    runs BIGINT NOT NULL,
    PRIMARY KEY (workflow_id, shard)
);

-- trigger: workflow_runs_counted
CREATE FUNCTION count_workflow_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO workflow_run_counts (workflow_id, shard, runs) VALUES (NEW.workflow_id, pg_backend_pid(), 1)
    ON CONFLICT (workflow_id, shard) DO UPDATE SET runs = workflow_run_counts.runs + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER workflow_runs_counted AFTER INSERT ON workflow_runs
    FOR EACH ROW EXECUTE FUNCTION count_workflow_run();
-- end trigger

INSERT INTO workflow_run_counts (workflow_id, shard, runs)
SELECT workflow_id, 0, COUNT(*) FROM workflow_runs GROUP BY workflow_id;
