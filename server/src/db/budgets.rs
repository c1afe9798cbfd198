//! Budgets that keep one sub-account's workflows from running away: how many runs one chain
//! of causes may start (a workflow whose writes start more runs, whose writes start more…),
//! how many runs a sub-account's workflows may start in a clock minute, and how many steps it
//! may have queued. Past one, a run is not started, and the sub-account's admins are told once
//! an hour per workflow and budget; nothing else slows, in that sub-account or any other.
//!
//! The counts are stored (migration 0019), so they hold across instances sharing a database;
//! `runs::start_runs` checks them in the statement that inserts the run.

use app::model::WorkflowId;
use sqlx::AnyConnection;

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

/// How full each budget is for one run about to start.
#[derive(Debug, sqlx::FromRow)]
struct Spent {
    chain: i64,
    minute: i64,
    queued: i64,
}

/// The condition a run's insert carries (`runs::start_runs`): `$2` is the sub-account, `$13`
/// the chain, `$14` the current minute, `$15`–`$17` the budgets. The chain is counted only for
/// runs a chain's own runs start (depth 2 and deeper, `$8`), from its index.
pub(super) const WITHIN_BUDGETS: &str = "\
    (SELECT COALESCE(SUM(runs), 0) FROM workflow_minutes WHERE sub_account_id = $2 AND minute = $14) < $16 \
    AND COALESCE((SELECT steps FROM workflow_backlog WHERE sub_account_id = $2), 0) < $17 \
    AND ($8 < 2 OR (SELECT COUNT(*) FROM workflow_runs WHERE chain_id = $13 AND depth >= 2) < $15)";

impl Store {
    /// The budgets every sub-account's workflows have.
    pub fn budgets(&self) -> &Budgets {
        &self.budgets
    }

    /// The budget that kept a run of the chain from starting at `depth` this minute, if one did
    /// (read after the run's insert started nothing).
    pub(super) async fn budget_reached(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        chain: &str,
        (depth, minute): (i64, i64),
    ) -> StoreResult<Option<Budget>> {
        let spent: Spent = sqlx::query_as(
            "SELECT \
               CAST((SELECT COUNT(*) FROM workflow_runs WHERE chain_id = $1 AND depth >= 2) AS BIGINT) AS chain, \
               CAST((SELECT COALESCE(SUM(runs), 0) FROM workflow_minutes WHERE sub_account_id = $2 AND minute = $3) \
                 AS BIGINT) AS minute, \
               CAST(COALESCE((SELECT steps FROM workflow_backlog WHERE sub_account_id = $2), 0) AS BIGINT) AS queued",
        )
        .bind(chain)
        .bind(tenant.id())
        .bind(minute)
        .fetch_one(&mut *conn)
        .await?;
        let budgets = &self.budgets;
        Ok(if depth >= 2 && spent.chain >= budgets.runs_per_chain {
            Some(Budget::RunsPerChain)
        } else if spent.minute >= budgets.runs_per_minute {
            Some(Budget::RunsPerMinute)
        } else if spent.queued >= budgets.queued_steps {
            Some(Budget::QueuedSteps)
        } else {
            None
        })
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

    /// Counts each sub-account's queued steps into `workflow_backlog`, which the queued-steps
    /// budget reads. From the due steps' index (finished steps are not walked), before the
    /// write: SQLite's writer is not held while counting.
    pub async fn count_queued_steps(&self) -> StoreResult<()> {
        let counted: Vec<(String, i64)> = sqlx::query_as(
            "SELECT r.sub_account_id, CAST(COUNT(*) AS BIGINT) FROM workflow_steps s \
             JOIN workflow_runs r ON r.id = s.run_id \
             WHERE s.due_at IS NOT NULL AND s.status = 'pending' GROUP BY r.sub_account_id ORDER BY r.sub_account_id",
        )
        .fetch_all(self.pool())
        .await?;
        let now = now_ms();
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM workflow_backlog").execute(&mut *tx).await?;
        for (sub_account, steps) in counted {
            sqlx::query("INSERT INTO workflow_backlog (sub_account_id, steps, counted_at) VALUES ($1, $2, $3)")
                .bind(sub_account)
                .bind(steps)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes the per-minute run counts of minutes past and alerts older than a day; how many.
    pub(super) async fn purge_budget_counts(&self, now: i64) -> StoreResult<u64> {
        let mut writer = self.writer().await?;
        let minutes = sqlx::query("DELETE FROM workflow_minutes WHERE minute < $1")
            .bind(now / 60_000)
            .execute(&mut *writer)
            .await?
            .rows_affected();
        let alerts = sqlx::query("DELETE FROM workflow_budget_alerts WHERE hour < $1")
            .bind(now / 3_600_000 - 24)
            .execute(&mut *writer)
            .await?
            .rows_affected();
        Ok(minutes + alerts)
    }
}
