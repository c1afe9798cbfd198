-- How many runs each workflow has, kept in the transaction that starts a run, so the runs API's
-- `total` is read, not counted (COUNT(*) walked every index entry: ~10 ms at 100,000 runs).
-- Rows are shards of the count, summed when read: on PostgreSQL each database connection adds
-- to its own (`pg_backend_pid() % 64`), so instances starting runs of one workflow at once do not
-- queue on one row's lock until their transactions end. SQLite has one writer: shard 0.
CREATE TABLE workflow_run_counts (
    workflow_id TEXT NOT NULL REFERENCES workflows(id),
    shard INTEGER NOT NULL,
    runs INTEGER NOT NULL,
    PRIMARY KEY (workflow_id, shard)
);
INSERT INTO workflow_run_counts (workflow_id, shard, runs)
SELECT workflow_id, 0, COUNT(*) FROM workflow_runs GROUP BY workflow_id;
