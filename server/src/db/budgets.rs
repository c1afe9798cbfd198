//! Budgets that keep one sub-account's workflows from running away: how many runs one chain
//! of causes may start (a workflow whose writes start more runs, whose writes start more…),
//! how many runs a sub-account's workflows may start in a clock minute, and how many steps it
//! may have queued. Past one, a run is not started, and the sub-account's admins are told once
//! an hour per workflow and budget; nothing else slows, in that sub-account or any other.
//!
//! The counts come from the database, so they hold across instances sharing one: a chain's
//! runs are counted in the statement that inserts a run (from an index); the runs each instance
//! starts are added to the minute's stored count every second (`db::minute_counts`), and the
//! queued steps counted every five ([`Store::count_queued_steps`]). Between those, an instance
//! reads what it last read and adds what it started since, so checking the minute and the
//! queue costs a run nothing in the database; several instances together may pass those
//! budgets by what they start in a second.

use app::model::WorkflowId;
use sqlx::AnyConnection;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use super::minute_counts::MinuteCounts;
use super::tenancy::Tenant;
use super::{Store, StoreResult, new_id, now_ms};

/// What a sub-account's workflows may start: the operator's defaults for every sub-account
/// (`--runs-per-chain`, `--runs-per-minute`, `--queued-steps`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budgets {
    /// Runs one chain of causes may start beyond those its first event starts.
    pub runs_per_chain: i64,
    /// Runs a sub-account's workflows may start in one clock minute.
    pub runs_per_minute: i64,
    /// Steps a sub-account may have queued (due now or retried later) before no run starts.
    pub queued_steps: i64,
}

impl Default for Budgets {
    fn default() -> Self {
        Budgets { runs_per_chain: 1_000, runs_per_minute: 6_000, queued_steps: 100_000 }
    }
}

/// One of the [`Budgets`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Budget {
    RunsPerChain,
    RunsPerMinute,
    QueuedSteps,
}

impl Budget {
    pub fn as_str(self) -> &'static str {
        match self {
            Budget::RunsPerChain => "runs_per_chain",
            Budget::RunsPerMinute => "runs_per_minute",
            Budget::QueuedSteps => "queued_steps",
        }
    }

    pub fn limit(self, budgets: &Budgets) -> i64 {
        match self {
            Budget::RunsPerChain => budgets.runs_per_chain,
            Budget::RunsPerMinute => budgets.runs_per_minute,
            Budget::QueuedSteps => budgets.queued_steps,
        }
    }

    /// The budget as a sentence: what was reached.
    pub fn reached(self, budgets: &Budgets) -> String {
        let limit = self.limit(budgets);
        match self {
            Budget::RunsPerChain => {
                format!("{limit} runs started by workflows from one change (a chain of workflows starting each other)")
            }
            Budget::RunsPerMinute => format!("{limit} runs started in the sub-account in one minute"),
            Budget::QueuedSteps => format!("{limit} steps queued in the sub-account"),
        }
    }
}

/// What this instance knows of each sub-account's spending: runs started this minute (every
/// instance's, as the store last said, plus what it started since) and steps queued.
#[derive(Debug, Default)]
pub(super) struct Spending {
    pub(super) runs: MinuteCounts,
    /// Steps queued per sub-account, as last counted.
    queued: Mutex<HashMap<String, i64>>,
}

impl Spending {
    fn queued(&self) -> MutexGuard<'_, HashMap<String, i64>> {
        self.queued.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The budget a new run of the sub-account would pass at `minute`, if one (a chain's is
    /// checked with the insert).
    fn reached(&self, sub_account: &str, minute: i64, budgets: &Budgets) -> Option<Budget> {
        if self.runs.count(sub_account, minute) >= budgets.runs_per_minute {
            Some(Budget::RunsPerMinute)
        } else if self.queued().get(sub_account).copied().unwrap_or(0) >= budgets.queued_steps {
            Some(Budget::QueuedSteps)
        } else {
            None
        }
    }
}

/// The condition on the insert of a run that a chain's own run started (`runs::start_runs`):
/// `$13` is the chain, `$14` its budget. Counted from the chain's index (depth 2 and deeper).
pub(super) const WITHIN_CHAIN_BUDGET: &str =
    "(SELECT COUNT(*) FROM workflow_runs WHERE chain_id = $13 AND depth >= 2) < $14";

impl Store {
    /// The budgets every sub-account's workflows have.
    pub fn budgets(&self) -> &Budgets {
        &self.budgets
    }

    /// The budget (a minute's runs, queued steps) a new run of the sub-account would pass at
    /// `minute`, if one.
    pub(super) fn budget_reached(&self, tenant: &Tenant, minute: i64) -> Option<Budget> {
        self.spending.reached(tenant.id(), minute, &self.budgets)
    }

    /// Counts a run started at `minute` against the sub-account's budget.
    pub(super) fn run_started(&self, tenant: &Tenant, minute: i64) {
        self.spending.runs.add(tenant.id(), minute);
    }

    /// Tells the sub-account's admins that a budget kept `workflow` from starting a run — once
    /// an hour per workflow and budget, however many runs it keeps from starting.
    pub(super) async fn alert_budget(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        (workflow, name): (&WorkflowId, &str),
        budget: Budget,
    ) -> StoreResult<()> {
        let now = now_ms();
        let first = sqlx::query(
            "INSERT INTO workflow_budget_alerts (workflow_id, budget, hour) VALUES ($1, $2, $3) \
             ON CONFLICT (workflow_id, budget, hour) DO NOTHING",
        )
        .bind(workflow.as_str())
        .bind(budget.as_str())
        .bind(now / 3_600_000)
        .execute(&mut *conn)
        .await?;
        if first.rows_affected() == 0 {
            return Ok(());
        }
        tracing::warn!(workflow = %workflow, budget = budget.as_str(), "a workflow reached a budget");
        let admins: Vec<(String,)> = sqlx::query_as(
            "SELECT u.id FROM users u JOIN memberships m ON m.user_id = u.id \
             WHERE m.sub_account_id = $1 AND u.role = 'admin' ORDER BY u.id",
        )
        .bind(tenant.id())
        .fetch_all(&mut *conn)
        .await?;
        let title = format!("Workflow “{name}” stopped starting runs");
        let message = format!(
            "It reached the budget of {}. The runs it would have started since are not started. \
             This is said once an hour while it lasts.",
            budget.reached(&self.budgets)
        );
        let link = format!("/s/{}/workflows/{}", tenant.id(), workflow);
        for (admin,) in admins {
            sqlx::query(
                "INSERT INTO notifications (id, sub_account_id, user_id, title, message, link, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(new_id())
            .bind(tenant.id())
            .bind(admin)
            .bind(&title)
            .bind(&message)
            .bind(&link)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }

    /// Counts each sub-account's queued steps, which the queued-steps budget reads. From the
    /// due steps' index: finished steps are not walked.
    pub async fn count_queued_steps(&self) -> StoreResult<()> {
        let counted: Vec<(String, i64)> = sqlx::query_as(
            "SELECT r.sub_account_id, CAST(COUNT(*) AS BIGINT) FROM workflow_steps s \
             JOIN workflow_runs r ON r.id = s.run_id \
             WHERE s.due_at IS NOT NULL AND s.status = 'pending' GROUP BY r.sub_account_id",
        )
        .fetch_all(self.pool())
        .await?;
        *self.spending.queued() = counted.into_iter().collect();
        Ok(())
    }

    /// Deletes the run counts of minutes before the last and alerts older than a day; how many.
    pub(super) async fn purge_budget_counts(&self, now: i64) -> StoreResult<u64> {
        let minutes = self.purge_minute_counts(now).await?;
        let alerts = sqlx::query("DELETE FROM workflow_budget_alerts WHERE hour < $1")
            .bind(now / 3_600_000 - 24)
            .execute(&mut *self.writer().await?)
            .await?
            .rows_affected();
        Ok(minutes + alerts)
    }
}
