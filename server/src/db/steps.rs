//! Workflow steps as jobs (the protocol of `crate::jobs`): a due step is claimed with a lease
//! whose fence is the step's `claims`; whatever a step does to OpsFlow's own data is written in
//! one transaction with the step's completion and the next step's creation, which checks the
//! fence on the step's row — so a step's effect happens once, however often it is claimed.
//! A waiting step's `due_at` is its `resumeAt`; a finished step's is cleared, so the index of
//! due steps (partial, migration 0014) holds only steps that are due or will be.

use app::model::workflow::history::{RunStatus, StepStatus};
use app::model::workflow::{Action, ActionType};
use app::model::{ActionId, RunId, SubAccountId, UserId, WorkflowId};
use serde_json::Value;
use sqlx::{AnyConnection, FromRow};
use std::collections::HashMap;

use super::tenancy::{Editor, Tenant};
use super::{Store, StoreError, StoreResult, new_id, now_ms, to_json};

/// Whose calls out a worker is not to claim now: their call slots are all busy.
#[derive(Debug, PartialEq, Eq)]
pub enum Busy {
    Nobody,
    Everyone,
    SubAccounts(Vec<SubAccountId>),
}

/// A step a worker holds, with what its run knows.
#[derive(Clone, Debug)]
pub struct ClaimedStep {
    pub id: String,
    pub action_id: ActionId,
    pub position: i64,
    /// Since the run started or an admin retried it, from 1.
    pub attempt: i64,
    /// The lease's fence: the step's claims when this worker took it.
    pub fence: i64,
    /// A `wait` whose time has come.
    pub resuming: bool,
    /// Its action calls another system (webhook, email, text): it runs beside the round.
    pub calls_out: bool,
    /// When the step first ran (Unix ms).
    pub started_at: i64,
    /// When this worker's lease runs out (Unix ms).
    pub lease_until: i64,
    pub run: RunContext,
}

/// A claim: the lease until `$1`, at `$2` (now); what it returns is a [`ClaimRow`].
const CLAIM: &str = "due_at = $1, lease_until = $1, claims = claims + 1, attempts = attempts + 1, \
    started_at = COALESCE(started_at, $2), status = CASE WHEN status = 'waiting' THEN 'waiting' ELSE 'running' END";
const CLAIMED: &str = "id, action_id, action_type, position, attempts, claims, status, started_at";

#[derive(FromRow)]
struct ClaimRow {
    id: String,
    action_id: String,
    action_type: String,
    position: i64,
    attempts: i64,
    claims: i64,
    status: String,
    started_at: i64,
}

/// What a step's run carries: whose it is, the version it runs, the trigger.
#[derive(Clone, Debug, FromRow)]
pub struct RunContext {
    pub run_id: RunId,
    pub sub_account_id: SubAccountId,
    pub workflow_id: WorkflowId,
    pub workflow_version: i64,
    pub event_id: String,
    pub record_id: String,
    pub depth: i64,
    /// The chain of causes the run belongs to (none for runs started before chains were kept).
    pub chain_id: Option<String>,
    pub trigger_snapshot: String,
}

#[derive(FromRow)]
struct StepRunRow {
    step_id: String,
    #[sqlx(flatten)]
    run: RunContext,
}

/// What a retried run's admin is told.
#[derive(Debug, PartialEq, Eq)]
pub enum RetryOutcome {
    Retried,
    /// The run is not failed (it runs, waits, completed or was cancelled).
    NotFailed(RunStatus),
    /// Its workflow was deleted: its actions do not run any more.
    WorkflowDeleted,
    /// Its workflow is switched off: it runs nothing until it is on again.
    WorkflowOff,
    Missing,
}

impl Store {
    /// Takes the leases of up to `limit` steps due now, oldest first, in one statement: on
    /// SQLite one commit for them all instead of one each, which leaves the one write lock to
    /// ingestion more of the time. Of several workers, each step goes to one (the condition is
    /// checked again on each row as it is updated).
    pub async fn claim_due_steps(&self, limit: i64, lease_ms: i64, busy: &Busy) -> StoreResult<Vec<ClaimedStep>> {
        let now = now_ms();
        // Calls of sub-accounts whose call slots are all busy are left due (`engine::calls`).
        let calls = || {
            let names = ActionType::ALL.into_iter().filter(|action| action.calls_out());
            names.map(|action| format!("'{}'", action.as_str())).collect::<Vec<_>>().join(", ")
        };
        let (skip, sub_accounts) = match busy {
            Busy::Nobody => (String::new(), &[][..]),
            Busy::Everyone => (format!("AND action_type NOT IN ({})", calls()), &[][..]),
            Busy::SubAccounts(ids) => {
                let params = (4..4 + ids.len()).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
                let skip = format!(
                    "AND NOT (action_type IN ({}) AND EXISTS (SELECT 1 FROM workflow_runs r \
                       WHERE r.id = workflow_steps.run_id AND r.sub_account_id IN ({params})))",
                    calls()
                );
                (skip, ids.as_slice())
            }
        };
        let sql = format!(
            "UPDATE workflow_steps SET {CLAIM} WHERE id IN (SELECT id FROM workflow_steps \
               WHERE due_at IS NOT NULL AND due_at <= $2 {skip} ORDER BY due_at LIMIT $3) \
               AND due_at IS NOT NULL AND due_at <= $2 \
             RETURNING {CLAIMED}"
        );
        let mut query = sqlx::query_as::<_, ClaimRow>(&sql).bind(now + lease_ms).bind(now).bind(limit);
        for id in sub_accounts {
            query = query.bind(id.as_str());
        }
        let claimed = query.fetch_all(&mut *self.writer().await?).await?;
        // In no particular order (RETURNING keeps none): a run has one step due at a time, so
        // the steps of a batch are of different runs.
        self.claimed(claimed, now + lease_ms).await
    }

    /// Gives claimed steps back, due at `at`, as if they had not been claimed (the attempt is
    /// not counted) — those whose lease is still this attempt's; in one transaction. `why` (a
    /// paused host) is shown on the steps until they run.
    pub async fn put_off(&self, steps: &[ClaimedStep], at: i64, why: Option<&str>) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        for step in steps {
            sqlx::query(
                "UPDATE workflow_steps SET status = 'pending', due_at = $1, lease_until = NULL, \
                   attempts = attempts - 1, error = COALESCE($2, error) \
                 WHERE id = $3 AND claims = $4 AND status = 'running'",
            )
            .bind(at)
            .bind(why)
            .bind(&step.id)
            .bind(step.fence)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Takes one due step's lease: one conditional update, so of several workers one gets it.
    /// `None` when it is not due (someone holds it, or it finished).
    pub async fn claim_step(&self, id: &str, lease_ms: i64) -> StoreResult<Option<ClaimedStep>> {
        let now = now_ms();
        let claimed: Option<ClaimRow> = sqlx::query_as(&format!(
            "UPDATE workflow_steps SET {CLAIM} WHERE id = $3 AND due_at IS NOT NULL AND due_at <= $2 \
             RETURNING {CLAIMED}"
        ))
        .bind(now + lease_ms)
        .bind(now)
        .bind(id)
        .fetch_optional(&mut *self.writer().await?)
        .await?;
        Ok(self.claimed(Vec::from_iter(claimed), now + lease_ms).await?.pop())
    }

    /// Claimed steps with their runs, read in one statement (a round claims up to 64).
    async fn claimed(&self, rows: Vec<ClaimRow>, lease_until: i64) -> StoreResult<Vec<ClaimedStep>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids = (1..=rows.len()).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT s.id AS step_id, r.id AS run_id, r.sub_account_id, r.workflow_id, r.workflow_version, r.event_id, \
               r.record_id, r.depth, r.chain_id, r.trigger_snapshot \
             FROM workflow_steps s JOIN workflow_runs r ON r.id = s.run_id WHERE s.id IN ({ids})"
        );
        let mut query = sqlx::query_as::<_, StepRunRow>(&sql);
        for row in &rows {
            query = query.bind(&row.id);
        }
        let mut runs: HashMap<String, RunContext> =
            query.fetch_all(self.pool()).await?.into_iter().map(|row| (row.step_id, row.run)).collect();
        rows.into_iter()
            .map(|ClaimRow { id, action_id, action_type, position, attempts, claims, status, started_at }| {
                // A step's run is never deleted while the step is (both stay as history).
                let run = runs.remove(&id).ok_or_else(|| StoreError::from(sqlx::Error::RowNotFound))?;
                Ok(ClaimedStep {
                    id,
                    action_id: action_id.into(),
                    position,
                    attempt: attempts,
                    fence: claims,
                    resuming: status == StepStatus::Waiting.as_str(),
                    calls_out: action_type.parse::<ActionType>().is_ok_and(ActionType::calls_out),
                    started_at,
                    lease_until,
                    run,
                })
            })
            .collect()
    }

    /// Extends a claimed step's lease to `lease_ms` from now, if it is still this worker's;
    /// `false` when someone took it since.
    pub async fn renew_lease(&self, step: &mut ClaimedStep, lease_ms: i64) -> StoreResult<bool> {
        let until = now_ms() + lease_ms;
        let renewed = sqlx::query(
            "UPDATE workflow_steps SET due_at = $1, lease_until = $1 \
             WHERE id = $2 AND claims = $3 AND status IN ('running', 'waiting')",
        )
        .bind(until)
        .bind(&step.id)
        .bind(step.fence)
        .execute(&mut *self.writer().await?)
        .await?;
        if renewed.rows_affected() == 1 {
            step.lease_until = until;
        }
        Ok(renewed.rows_affected() == 1)
    }

    /// Completes a step with what it did and starts `next` (or completes the run) — if the
    /// lease is still this attempt's: `false` when someone else took the step since (the caller
    /// then takes back what it wrote in the transaction). Checked last, on the step's row, in
    /// the transaction that holds the step's effect: of two attempts, one records.
    pub async fn complete_step(
        &self,
        conn: &mut AnyConnection,
        step: &ClaimedStep,
        (input, output): (&Value, &Value),
        next: Option<&Action>,
    ) -> StoreResult<bool> {
        let now = now_ms();
        let completed = sqlx::query(
            "UPDATE workflow_steps SET status = 'completed', due_at = NULL, lease_until = NULL, finished_at = $1, \
               input = $2, output = $3, error = NULL WHERE id = $4 AND claims = $5 AND status IN ('running', 'waiting')",
        )
        .bind(now)
        .bind(to_json(input)?)
        .bind(to_json(output)?)
        .bind(&step.id)
        .bind(step.fence)
        .execute(&mut *conn)
        .await?;
        if completed.rows_affected() != 1 {
            return Ok(false);
        }
        let run = &step.run.run_id;
        match next {
            Some(action) => {
                insert_step(conn, run, action, step.position + 1, now).await?;
                // A run is `running` from its start to its end but while it waits.
                if step.resuming {
                    set_run(conn, run, RunStatus::Running, None, None).await?;
                }
            }
            None => set_run(conn, run, RunStatus::Completed, Some(now), None).await?,
        }
        Ok(true)
    }

    /// Puts a `wait` step to sleep until `resume_at` (if the lease is still this attempt's):
    /// it is due again then, and its run is `waiting`.
    pub async fn sleep_step(
        &self,
        conn: &mut AnyConnection,
        step: &ClaimedStep,
        input: &Value,
        resume_at: i64,
    ) -> StoreResult<bool> {
        let slept = sqlx::query(
            "UPDATE workflow_steps SET status = 'waiting', due_at = $1, lease_until = NULL, input = $2, \
               attempts = 0 WHERE id = $3 AND claims = $4 AND status IN ('running', 'waiting')",
        )
        .bind(resume_at)
        .bind(to_json(input)?)
        .bind(&step.id)
        .bind(step.fence)
        .execute(&mut *conn)
        .await?;
        if slept.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query("UPDATE workflow_runs SET status = 'waiting', resume_at = $1 WHERE id = $2")
            .bind(resume_at)
            .bind(step.run.run_id.as_str())
            .execute(&mut *conn)
            .await?;
        Ok(true)
    }

    /// Makes a step due again at `at`, after an attempt that may work later — if the lease is
    /// still this attempt's. A wait whose time had come stays a wait that resumes (it does not
    /// sleep its whole delay again).
    pub async fn retry_step(
        &self,
        conn: &mut AnyConnection,
        step: &ClaimedStep,
        why: &str,
        at: i64,
        input: &Value,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE workflow_steps SET due_at = $1, lease_until = NULL, error = $2, input = $3, \
               status = CASE WHEN status = 'waiting' THEN 'waiting' ELSE 'pending' END \
             WHERE id = $4 AND claims = $5 AND status IN ('running', 'waiting')",
        )
        .bind(at)
        .bind(why)
        .bind(to_json(input)?)
        .bind(&step.id)
        .bind(step.fence)
        .execute(conn)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Fails a step for good and its run with it (later steps do not run) — if the lease is
    /// still this attempt's. `run_error` says which step and why. Two statements: `conn` is in
    /// a transaction.
    pub async fn fail_step(
        &self,
        conn: &mut AnyConnection,
        step: &ClaimedStep,
        why: &str,
        run_error: &str,
        input: &Value,
    ) -> StoreResult<bool> {
        let now = now_ms();
        let failed = sqlx::query(
            "UPDATE workflow_steps SET status = 'failed', due_at = NULL, lease_until = NULL, finished_at = $1, \
               error = $2, input = $3 WHERE id = $4 AND claims = $5 AND status IN ('running', 'waiting')",
        )
        .bind(now)
        .bind(why)
        .bind(to_json(input)?)
        .bind(&step.id)
        .bind(step.fence)
        .execute(&mut *conn)
        .await?;
        if failed.rows_affected() != 1 {
            return Ok(false);
        }
        set_run(conn, &step.run.run_id, RunStatus::Failed, Some(now), Some(run_error)).await?;
        Ok(true)
    }

    /// Runs a failed run again from the step that failed (with a fresh count of attempts); its
    /// completed steps are not run again.
    pub async fn retry_run(&self, editor: &Editor, id: &RunId) -> StoreResult<RetryOutcome> {
        let mut tx = self.begin().await?;
        let status: Option<String> = sqlx::query_scalar(
            "UPDATE workflow_runs SET status = status WHERE id = $1 AND sub_account_id = $2 RETURNING status",
        )
        .bind(id.as_str())
        .bind(editor.id())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(status) = status else { return Ok(RetryOutcome::Missing) };
        let (deleted, active): (Option<i64>, i64) = sqlx::query_as(
            "SELECT w.deleted_at, w.is_active FROM workflow_runs r JOIN workflows w ON w.id = r.workflow_id \
             WHERE r.id = $1",
        )
        .bind(id.as_str())
        .fetch_one(&mut *tx)
        .await?;
        if deleted.is_some() {
            return Ok(RetryOutcome::WorkflowDeleted);
        }
        if active == 0 {
            return Ok(RetryOutcome::WorkflowOff);
        }
        if status != RunStatus::Failed.as_str() {
            let status = RunStatus::ALL.into_iter().find(|s| s.as_str() == status).unwrap_or(RunStatus::Running);
            return Ok(RetryOutcome::NotFailed(status));
        }
        sqlx::query(
            "UPDATE workflow_steps SET status = 'pending', due_at = $1, attempts = 0, error = NULL, finished_at = NULL \
             WHERE run_id = $2 AND status = 'failed'",
        )
        .bind(now_ms())
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
        set_run(&mut tx, id, RunStatus::Running, None, None).await?;
        tx.commit().await?;
        Ok(RetryOutcome::Retried)
    }

    /// Cancels a workflow's runs that have not finished (it was switched off or deleted): the
    /// steps queued, waiting or under way end `cancelled`, and their runs, with `why`. A step a
    /// worker holds finds it so when it completes, and records nothing (its lease is gone). Their
    /// history stays.
    pub(super) async fn cancel_unfinished_runs(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        workflow: &WorkflowId,
        why: &str,
    ) -> StoreResult<u64> {
        let now = now_ms();
        sqlx::query(
            "UPDATE workflow_steps SET status = 'cancelled', due_at = NULL, lease_until = NULL, finished_at = $1 \
             WHERE status IN ('pending', 'running', 'waiting') AND run_id IN (SELECT id FROM workflow_runs \
               WHERE workflow_id = $2 AND sub_account_id = $3 AND status IN ('running', 'waiting'))",
        )
        .bind(now)
        .bind(workflow.as_str())
        .bind(tenant.id())
        .execute(&mut *conn)
        .await?;
        let cancelled = sqlx::query(
            "UPDATE workflow_runs SET status = 'cancelled', finished_at = $1, resume_at = NULL, error = $4 \
             WHERE workflow_id = $2 AND sub_account_id = $3 AND status IN ('running', 'waiting')",
        )
        .bind(now)
        .bind(workflow.as_str())
        .bind(tenant.id())
        .bind(why)
        .execute(&mut *conn)
        .await?;
        Ok(cancelled.rows_affected())
    }

    /// Which of `users` are members of the sub-account, in their order (on the step's
    /// transaction).
    pub async fn members_among(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        users: &[UserId],
    ) -> StoreResult<Vec<UserId>> {
        let members: Vec<UserId> = sqlx::query_scalar("SELECT user_id FROM memberships WHERE sub_account_id = $1")
            .bind(tenant.id())
            .fetch_all(conn)
            .await?;
        Ok(users.iter().filter(|user| members.contains(user)).cloned().collect())
    }

    /// The next turn of a round-robin action (0, 1, 2, …), on the step's transaction: one
    /// counter per action for every instance, so turns are never taken twice or skipped.
    pub async fn take_turn(
        &self,
        conn: &mut AnyConnection,
        workflow: &WorkflowId,
        action: &ActionId,
    ) -> StoreResult<i64> {
        let turns: i64 = sqlx::query_scalar(
            "INSERT INTO workflow_turns (workflow_id, action_id, turns) VALUES ($1, $2, 1) \
             ON CONFLICT (workflow_id, action_id) DO UPDATE SET turns = workflow_turns.turns + 1 RETURNING turns",
        )
        .bind(workflow.as_str())
        .bind(action.as_str())
        .fetch_one(conn)
        .await?;
        Ok(turns - 1)
    }
}

/// A run's next step, due now.
pub(super) async fn insert_step(
    conn: &mut AnyConnection,
    run: &RunId,
    action: &Action,
    position: i64,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO workflow_steps (id, run_id, action_id, action_type, position, status, attempts, due_at) \
         VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6)",
    )
    .bind(new_id())
    .bind(run.as_str())
    .bind(action.id.as_str())
    .bind(action.action_type.as_str())
    .bind(position)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

async fn set_run(
    conn: &mut AnyConnection,
    run: &RunId,
    status: RunStatus,
    finished_at: Option<i64>,
    error: Option<&str>,
) -> StoreResult<()> {
    sqlx::query("UPDATE workflow_runs SET status = $1, finished_at = $2, error = $3, resume_at = NULL WHERE id = $4")
        .bind(status.as_str())
        .bind(finished_at)
        .bind(error)
        .bind(run.as_str())
        .execute(conn)
        .await?;
    Ok(())
}
