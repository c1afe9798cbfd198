//! HighLevel's webhooks as received: stored once per dedupe key, then processed from here by a
//! worker that leases each one, so several instances sharing PostgreSQL never process the same
//! webhook at once and a webhook whose processor died is picked up again when its lease ends.

use sqlx::FromRow;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{Store, StoreResult, new_id, now_ms};

/// A webhook to store, with the envelope fields read off its body.
pub struct NewWebhook<'a> {
    pub dedupe_key: &'a str,
    pub event_type: &'a str,
    pub location_id: Option<&'a str>,
    pub company_id: Option<&'a str>,
    pub body: &'a str,
}

#[derive(Clone, Debug, FromRow)]
pub struct StoredWebhook {
    pub id: String,
    pub dedupe_key: String,
    pub event_type: String,
    pub location_id: Option<String>,
    pub company_id: Option<String>,
    pub body: String,
    pub received_at: i64,
    pub attempts: i64,
}

/// What processing made of a webhook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookState {
    /// Not processed yet (or to be tried again).
    Pending,
    /// It did what it was for (created forms, recorded an install, ...).
    Processed,
    /// Nothing to do: stored only, or an echo, or for a location that is not installed.
    Ignored,
    /// Given up on after repeated failures; `outcome` says why.
    Failed,
}

impl WebhookState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Processed => "processed",
            Self::Ignored => "ignored",
            Self::Failed => "failed",
        }
    }
}

/// An id that sorts in arrival order. Webhooks are processed by `received_at, id`: two received
/// in the same millisecond (an install, then the stage change it enables) must not be taken in
/// the order of random ids. Across instances, the same millisecond has no order anyway.
fn arrival_id(received_at: i64) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let sequence = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{received_at:013}{sequence:010}{}", &new_id()[..9])
}

impl Store {
    /// Stores a webhook unless one with the same dedupe key is stored; `None` for a duplicate.
    pub async fn insert_webhook(&self, webhook: &NewWebhook<'_>) -> StoreResult<Option<String>> {
        let received_at = now_ms();
        let inserted: Option<(String,)> = sqlx::query_as(
            "INSERT INTO hl_webhooks (id, dedupe_key, event_type, location_id, company_id, body, received_at, state) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending') ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        )
        .bind(arrival_id(received_at))
        .bind(webhook.dedupe_key)
        .bind(webhook.event_type)
        .bind(webhook.location_id)
        .bind(webhook.company_id)
        .bind(webhook.body)
        .bind(received_at)
        .fetch_optional(&mut *self.writer().await?)
        .await?;
        Ok(inserted.map(|(id,)| id))
    }

    pub async fn pending_webhook_count(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM hl_webhooks WHERE state = 'pending'")
            .fetch_one(self.pool())
            .await?)
    }

    /// Whether at least `limit` webhooks wait to be processed, by every instance sharing the
    /// store. Counts no further than `limit`, so a long backlog costs no more than a full one.
    pub async fn webhook_backlog_reaches(&self, limit: i64) -> StoreResult<bool> {
        let counted: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM hl_webhooks WHERE state = 'pending' LIMIT $1) AS backlog",
        )
        .bind(limit)
        .fetch_one(self.pool())
        .await?;
        Ok(counted >= limit)
    }

    /// Records that a webhook was answered 429, so its redelivery is accepted when it comes.
    pub async fn defer_webhook(&self, dedupe_key: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO hl_deferred_webhooks (dedupe_key, deferred_at) VALUES ($1, $2) \
             ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(dedupe_key)
        .bind(now_ms())
        .execute(&mut *self.writer().await?)
        .await?;
        Ok(())
    }

    /// Whether this webhook was answered 429 after `since` (Unix ms).
    pub async fn was_deferred(&self, dedupe_key: &str, since: i64) -> StoreResult<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT deferred_at FROM hl_deferred_webhooks WHERE dedupe_key = $1 AND deferred_at >= $2",
        )
        .bind(dedupe_key)
        .bind(since)
        .fetch_optional(self.pool())
        .await?;
        Ok(found.is_some())
    }

    /// Leases up to `limit` pending webhooks, oldest first, for `lease_ms`. A webhook another
    /// worker leased in between is skipped (the conditional update claims it for one only).
    pub async fn lease_webhooks(&self, limit: i64, lease_ms: i64) -> StoreResult<Vec<StoredWebhook>> {
        let now = now_ms();
        let candidates: Vec<StoredWebhook> = sqlx::query_as(
            "SELECT id, dedupe_key, event_type, location_id, company_id, body, received_at, attempts FROM hl_webhooks \
             WHERE state = 'pending' AND lease_until <= $1 ORDER BY received_at, id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut leased = Vec::with_capacity(candidates.len());
        for mut webhook in candidates {
            let claimed = sqlx::query(
                "UPDATE hl_webhooks SET lease_until = $1, attempts = attempts + 1 \
                 WHERE id = $2 AND state = 'pending' AND lease_until <= $3",
            )
            .bind(now + lease_ms)
            .bind(&webhook.id)
            .bind(now)
            .execute(&mut *self.writer().await?)
            .await?;
            if claimed.rows_affected() == 1 {
                webhook.attempts += 1;
                leased.push(webhook);
            }
        }
        Ok(leased)
    }

    /// Records what processing made of a webhook. `Pending` with `retry_at` leaves it for a later
    /// attempt (its lease ends then). Only the lease's holder may: `attempts` is the fencing
    /// token the lease returned (a later lease counts again); `false` when the lease was lost.
    pub async fn finish_webhook(
        &self,
        id: &str,
        attempts: i64,
        state: WebhookState,
        outcome: &str,
        retry_at: Option<i64>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE hl_webhooks SET state = $1, outcome = $2, processed_at = $3, lease_until = $4 \
             WHERE id = $5 AND state = 'pending' AND attempts = $6",
        )
        .bind(state.as_str())
        .bind(outcome)
        .bind(now_ms())
        .bind(retry_at.unwrap_or(0))
        .bind(id)
        .bind(attempts)
        .execute(&mut *self.writer().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A webhook's state and outcome, by dedupe key (for operators and tests).
    pub async fn webhook_state(&self, dedupe_key: &str) -> StoreResult<Option<(String, Option<String>)>> {
        Ok(sqlx::query_as("SELECT state, outcome FROM hl_webhooks WHERE dedupe_key = $1")
            .bind(dedupe_key)
            .fetch_optional(self.pool())
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::arrival_id;

    #[test]
    fn webhooks_of_one_millisecond_sort_in_arrival_order() {
        let ids: Vec<String> = (0..50).map(|_| arrival_id(1_782_900_000_000)).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
        assert!(arrival_id(1_782_900_000_001) > ids[49], "a later millisecond sorts after");
        assert_eq!(ids[0].len(), 32);
    }
}
