//! Failed sign-ins, counted in the store so every instance sharing it throttles the same way.

use super::{Store, StoreResult};

impl Store {
    /// Until when any of these keys is blocked (Unix ms; 0 when none is).
    pub async fn sign_in_blocked_until(&self, keys: &[String]) -> StoreResult<i64> {
        let mut until = 0;
        for key in keys {
            let blocked: Option<i64> = sqlx::query_scalar("SELECT blocked_until FROM sign_in_failures WHERE key = $1")
                .bind(key)
                .fetch_optional(self.pool())
                .await?;
            until = until.max(blocked.unwrap_or(0));
        }
        Ok(until)
    }

    /// Counts a failure for `key` and returns how many there are now: a row whose last failure
    /// is before `forget_before` starts over. One statement, so concurrent failures all count.
    pub async fn record_sign_in_failure(&self, key: &str, now: i64, forget_before: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO sign_in_failures (key, failures, last_failure_at, blocked_until) VALUES ($1, 1, $2, 0) \
             ON CONFLICT (key) DO UPDATE SET \
               failures = CASE WHEN sign_in_failures.last_failure_at < $3 THEN 1 \
                          ELSE sign_in_failures.failures + 1 END, \
               last_failure_at = $2 \
             RETURNING failures",
        )
        .bind(key)
        .bind(now)
        .bind(forget_before)
        .fetch_one(self.pool())
        .await?)
    }

    pub async fn block_sign_in(&self, key: &str, until: i64) -> StoreResult<()> {
        sqlx::query("UPDATE sign_in_failures SET blocked_until = $2 WHERE key = $1 AND blocked_until < $2")
            .bind(key)
            .bind(until)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn clear_sign_in_failures(&self, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sign_in_failures WHERE key = $1").bind(key).execute(self.pool()).await?;
        Ok(())
    }
}
