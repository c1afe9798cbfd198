//! What is kept and for how long. Sessions, sign-in hand-offs and throttling records end on
//! their own; processed webhooks and events are kept for the retention period (for operators
//! and support), then deleted. An event a form was made from stays as long as the form. A
//! delivery whose record was purged would be taken as new: the retention period must be longer
//! than any redelivery (HighLevel's last retry comes about 70 minutes after the first try).

use super::{Backend, Store, StoreResult};

/// How many rows a purge deleted, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub handoffs: u64,
    pub sign_in_failures: u64,
    pub deferred_webhooks: u64,
    pub webhooks: u64,
    pub events: u64,
    pub outgoing_moves: u64,
    /// Run counts of database connections that have ended, folded into one (PostgreSQL).
    pub run_counts: u64,
}

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
            sign_in_failures: delete(
                "DELETE FROM sign_in_failures WHERE blocked_until < $1 AND last_failure_at < $1 - 86400000",
                now,
            )
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
        })
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
