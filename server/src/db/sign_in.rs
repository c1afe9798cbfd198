//! Sign-in attempts, counted in the store so every instance sharing it throttles the same way
//! (see `auth::throttle`), and the browsers that signed in to an account (device cookies).

use super::{Store, StoreResult};

impl Store {
    /// Counts an attempt for `key` and returns how many there are now: a row whose last attempt
    /// is before `forget_before` starts over. One statement, so attempts sent at once all count.
    pub async fn count_sign_in_attempt(&self, key: &str, now: i64, forget_before: i64) -> StoreResult<i64> {
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
        .fetch_one(&mut *self.writer().await?)
        .await?)
    }

    /// Takes the one attempt a blocked key is allowed once its wait is over, blocking it again
    /// until `until`: `Err(blocked_until)` when it is still blocked (or another attempt took
    /// it first — a conditional update, so one of a burst wins).
    pub async fn claim_sign_in(&self, key: &str, now: i64, until: i64) -> StoreResult<Result<(), i64>> {
        let claimed =
            sqlx::query("UPDATE sign_in_failures SET blocked_until = $3 WHERE key = $1 AND blocked_until <= $2")
                .bind(key)
                .bind(now)
                .bind(until)
                .execute(&mut *self.writer().await?)
                .await?;
        if claimed.rows_affected() == 1 {
            return Ok(Ok(()));
        }
        let blocked: Option<i64> = sqlx::query_scalar("SELECT blocked_until FROM sign_in_failures WHERE key = $1")
            .bind(key)
            .fetch_optional(self.pool())
            .await?;
        Ok(Err(blocked.unwrap_or(now)))
    }

    /// An attempt that succeeded no longer counts against `key`.
    pub async fn uncount_sign_in_attempt(&self, key: &str) -> StoreResult<()> {
        sqlx::query("UPDATE sign_in_failures SET failures = failures - 1 WHERE key = $1 AND failures > 0")
            .bind(key)
            .execute(&mut *self.writer().await?)
            .await?;
        Ok(())
    }

    pub async fn clear_sign_in_attempts(&self, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sign_in_failures WHERE key = $1")
            .bind(key)
            .execute(&mut *self.writer().await?)
            .await?;
        Ok(())
    }

    /// Remembers a browser that signed in to `user_id` (its device token's hash).
    pub async fn add_sign_in_device(&self, token_hash: &str, user_id: &str, now: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sign_in_devices (token_hash, user_id, created_at, last_used_at) VALUES ($1, $2, $3, $3)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(now)
        .execute(&mut *self.writer().await?)
        .await?;
        Ok(())
    }

    /// Whether the browser with this device token signed in to `user_id` before.
    pub async fn is_sign_in_device_of(&self, token_hash: &str, user_id: &str) -> StoreResult<bool> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM sign_in_devices WHERE token_hash = $1 AND user_id = $2")
                .bind(token_hash)
                .bind(user_id)
                .fetch_optional(self.pool())
                .await?;
        Ok(found.is_some())
    }

    /// A known browser signed in again: it stays known for another 90 days.
    pub async fn touch_sign_in_device(&self, token_hash: &str, now: i64) -> StoreResult<()> {
        sqlx::query("UPDATE sign_in_devices SET last_used_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash)
            .execute(&mut *self.writer().await?)
            .await?;
        Ok(())
    }
}
