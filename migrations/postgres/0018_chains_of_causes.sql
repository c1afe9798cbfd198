-- Chains of causes (issue 28): the first event a run's chain started from, so the loop limit and
-- the fan-out budget follow a chain whatever it passes through; and the run whose step last wrote
-- a task, or made a form, so the task's overdue events and the form's `form_submitted` continue
-- that run's chain instead of starting a new one at depth 0.
ALTER TABLE workflow_runs ADD COLUMN chain_id TEXT;
ALTER TABLE crm_tasks ADD COLUMN caused_by TEXT;
ALTER TABLE forms ADD COLUMN caused_by TEXT;

-- A switched-off or deleted workflow runs nothing it queued (`db::steps::cancel_unfinished_runs`);
-- what earlier versions left queued for one is cancelled now, as of the switch.
UPDATE workflow_steps SET status = 'cancelled', due_at = NULL, lease_until = NULL,
    finished_at = (SELECT w.updated_at FROM workflow_runs r JOIN workflows w ON w.id = r.workflow_id
                   WHERE r.id = workflow_steps.run_id)
WHERE status IN ('pending', 'running', 'waiting') AND run_id IN (
    SELECT r.id FROM workflow_runs r JOIN workflows w ON w.id = r.workflow_id
    WHERE r.status IN ('running', 'waiting') AND (w.is_active = 0 OR w.deleted_at IS NOT NULL));
UPDATE workflow_runs SET status = 'cancelled', resume_at = NULL,
    error = 'Cancelled: the workflow was switched off.',
    finished_at = (SELECT w.updated_at FROM workflows w WHERE w.id = workflow_runs.workflow_id)
WHERE status IN ('running', 'waiting') AND workflow_id IN (
    SELECT id FROM workflows WHERE is_active = 0 OR deleted_at IS NOT NULL);
