//! What is kept and for how long. Sessions, sign-in hand-offs, used HighLevel user contexts and
//! throttling records end on their own; processed webhooks and events are kept for the retention
//! period (for operators and support), then deleted. An event a form was made from stays as long as the form. A
//! delivery whose record was purged would be taken as new: the retention period must be longer
//! than any redelivery (HighLevel's last retry comes about 70 minutes after the first try).
//! Workflow runs that ended are kept as long, and each workflow's newest runs whatever their
//! age ([`RUNS_KEPT_PER_WORKFLOW`]).

use super::{Backend, Store, StoreResult};

/// How many rows a purge deleted, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub handoffs: u64,
    /// HighLevel user contexts used, past the lifetime of the session they made.
    pub sso_payloads: u64,
    pub sign_in_failures: u64,
    /// Browsers that have not signed in for 90 days.
    pub sign_in_devices: u64,
    pub deferred_webhooks: u64,
    pub webhooks: u64,
    pub events: u64,
    pub outgoing_moves: u64,
    /// Run counts of database connections that have ended, folded into one (PostgreSQL).
    pub run_counts: u64,
    /// Budgets' counts of minutes past and alerts older than a day (`db::budgets`).
    pub budget_counts: u64,
    /// Finished workflow runs older than the retention period, with their steps.
    pub runs: u64,
}

/// How long a browser that signed in stays known without signing in again.
const DEVICE_KEPT_MS: i64 = 90 * 24 * 3600 * 1000;

/// The newest runs of each workflow kept whatever their age, so its history never goes empty.
pub const RUNS_KEPT_PER_WORKFLOW: i64 = 100;

/// Runs deleted in one transaction: a purge of many never holds SQLite's writer for long.
const RUNS_PER_BATCH: usize = 500;

/// Runs found for deletion in one ranking of every run.
const RUNS_PER_RANKING: i64 = 20_000;

impl Store {
    /// Deletes what has ended by `now` (Unix ms), and processed records received before
    /// `keep_since`.
    pub async fn purge(&self, now: i64, keep_since: i64) -> StoreResult<Purged> {
        let delete = |sql: &'static str, at: i64| async move {
            Ok::<u64, sqlx::Error>(sqlx::query(sql).bind(at).execute(self.pool()).await?.rows_affected())
        };
        Ok(Purged {
            sessions: delete("DELETE FROM sessions WHERE expires_at < $1", now).await?,
            handoffs: delete("DELETE FROM sso_handoffs WHERE expires_at < $1", now).await?,
            sso_payloads: delete("DELETE FROM sso_payloads WHERE expires_at < $1", now).await?,
            sign_in_failures: delete(
                "DELETE FROM sign_in_failures WHERE blocked_until < $1 AND last_failure_at < $1 - 86400000",
                now,
            )
            .await?,
            sign_in_devices: delete("DELETE FROM sign_in_devices WHERE last_used_at < $1", now - DEVICE_KEPT_MS)
                .await?,
            deferred_webhooks: delete("DELETE FROM hl_deferred_webhooks WHERE deferred_at < $1", keep_since).await?,
            webhooks: delete(
                "DELETE FROM hl_webhooks WHERE state IN ('processed', 'ignored') AND received_at < $1",
                keep_since,
            )
            .await?,
            events: delete(
                // The stream (module events) is the records' history: it is kept.
                "DELETE FROM events WHERE received_at < $1 AND module IS NULL \
                 AND NOT EXISTS (SELECT 1 FROM forms WHERE forms.event_id = events.id)",
                keep_since,
            )
            .await?,
            outgoing_moves: delete("DELETE FROM hl_outgoing_moves WHERE moved_at < $1", keep_since).await?,
            run_counts: self.fold_run_counts().await?,
            budget_counts: self.purge_budget_counts(now).await?,
            runs: self.purge_runs(keep_since).await?,
        })
    }

    /// Deletes finished runs started before `keep_since`, but for each workflow's newest
    /// [`RUNS_KEPT_PER_WORKFLOW`], with their steps; the runs API's counts go down with them,
    /// and notifications their steps sent stay (no longer linked to the step).
    async fn purge_runs(&self, keep_since: i64) -> StoreResult<u64> {
        let mut purged = 0;
        loop {
            // Ranking every run walks the table: it is done once for many batches.
            let doomed: Vec<(String, String)> = sqlx::query_as(
                "SELECT id, workflow_id FROM (SELECT id, workflow_id, status, started_at, \
                   ROW_NUMBER() OVER (PARTITION BY workflow_id ORDER BY started_at DESC, id DESC) AS newer \
                   FROM workflow_runs) ranked \
                 WHERE newer > $1 AND started_at < $2 AND status IN ('completed', 'failed', 'cancelled') LIMIT $3",
            )
            .bind(RUNS_KEPT_PER_WORKFLOW)
            .bind(keep_since)
            .bind(RUNS_PER_RANKING)
            .fetch_all(self.pool())
            .await?;
            for batch in doomed.chunks(RUNS_PER_BATCH) {
                purged += self.delete_runs(batch).await?;
            }
            if doomed.len() < usize::try_from(RUNS_PER_RANKING).unwrap_or_default() {
                return Ok(purged);
            }
        }
    }

    /// Deletes finished runs (`(id, workflow_id)`) and their steps in one transaction.
    async fn delete_runs(&self, runs: &[(String, String)]) -> StoreResult<u64> {
        let mut tx = self.begin().await?;
        let ids = (1..=runs.len()).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
        // Those still finished (an admin may have retried one since), held until the commit.
        let sql = format!(
            "UPDATE workflow_runs SET status = status \
             WHERE id IN ({ids}) AND status IN ('completed', 'failed', 'cancelled') RETURNING id, workflow_id"
        );
        let mut query = sqlx::query_as::<_, (String, String)>(&sql);
        for (id, _) in runs {
            query = query.bind(id);
        }
        let runs = query.fetch_all(&mut *tx).await?;
        if runs.is_empty() {
            return Ok(0);
        }
        let ids = (1..=runs.len()).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
        for sql in [
            format!(
                "UPDATE notifications SET step_id = NULL \
                 WHERE step_id IN (SELECT id FROM workflow_steps WHERE run_id IN ({ids}))"
            ),
            format!("DELETE FROM workflow_steps WHERE run_id IN ({ids})"),
            format!("DELETE FROM workflow_runs WHERE id IN ({ids})"),
        ] {
            let mut query = sqlx::query(&sql);
            for (id, _) in &runs {
                query = query.bind(id);
            }
            query.execute(&mut *tx).await?;
        }
        let mut by_workflow = std::collections::BTreeMap::<&str, i64>::new();
        for (_, workflow) in &runs {
            *by_workflow.entry(workflow).or_default() += 1;
        }
        // Shard 0 is written by the purge alone (see `fold_run_counts`); workflows in one order.
        for (workflow, deleted) in by_workflow {
            sqlx::query(
                "INSERT INTO workflow_run_counts (workflow_id, shard, runs) VALUES ($1, 0, $2) \
                 ON CONFLICT (workflow_id, shard) DO UPDATE SET runs = workflow_run_counts.runs + excluded.runs",
            )
            .bind(workflow)
            .bind(-deleted)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(u64::try_from(runs.len()).unwrap_or_default())
    }

    /// On PostgreSQL, each connection counts the runs it starts in a row of its own (migration
    /// 0017): the rows of connections that have ended are folded into shard 0, so a workflow's
    /// rows stay as few as the connections alive. One statement: the sum never changes. A
    /// connection alive is left alone (its transaction may hold its row), and shard-0 rows are
    /// taken in one order, so two instances purging at once do not deadlock.
    async fn fold_run_counts(&self) -> StoreResult<u64> {
        if self.backend() != Backend::Postgres {
            return Ok(0);
        }
        let folded: i64 = sqlx::query_scalar(
            "WITH ended AS ( \
               DELETE FROM workflow_run_counts c WHERE c.shard <> 0 \
                 AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = c.shard) \
               RETURNING workflow_id, runs), \
             folded AS ( \
               INSERT INTO workflow_run_counts (workflow_id, shard, runs) \
               SELECT workflow_id, 0, SUM(runs) FROM ended GROUP BY workflow_id ORDER BY workflow_id \
               ON CONFLICT (workflow_id, shard) DO UPDATE SET runs = workflow_run_counts.runs + excluded.runs \
               RETURNING 1) \
             SELECT COUNT(*) FROM ended",
        )
        .fetch_one(&mut *self.writer().await?)
        .await?;
        Ok(u64::try_from(folded).unwrap_or_default())
    }
}
