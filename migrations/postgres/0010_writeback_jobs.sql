-- The table holds each writeback as a durable job (state, due time, attempts, lease) as much as
-- its result: it is named for what it is.
ALTER TABLE writeback_results RENAME TO writeback_jobs;
DROP INDEX writeback_results_due;
CREATE INDEX writeback_jobs_due ON writeback_jobs (state, due_at);
