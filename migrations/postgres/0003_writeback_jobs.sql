-- Writebacks become durable jobs (PostgreSQL; the SQLite set in ../sqlite matches).
-- A pending row is runnable once `due_at` has passed: `due_at` is both the lease of whoever
-- runs it (set a couple of minutes ahead while it runs, so a crashed run is picked up again)
-- and the backoff after a retryable failure. The row's key, (form_id, kind), is the
-- writeback's idempotency key.
ALTER TABLE writeback_results ADD COLUMN due_at BIGINT NOT NULL DEFAULT 0;
-- Attempts since the submit or the last admin retry (the retry budget)...
ALTER TABLE writeback_results ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
-- ...and in all: after the first, a note or task may already exist from an attempt whose
-- answer was lost, so it is looked for before it is created again.
ALTER TABLE writeback_results ADD COLUMN total_attempts BIGINT NOT NULL DEFAULT 0;
-- The id of the note or task the writeback created, so no other writeback claims it.
ALTER TABLE writeback_results ADD COLUMN created_id TEXT;
CREATE INDEX writeback_results_due ON writeback_results (state, due_at);
