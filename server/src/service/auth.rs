use app::api::AppError;
use app::api::ports::{AppResult, AuthPort};
use app::api::session::SESSION_COOKIE;
use app::api::types::{Role, SessionUser};
use async_trait::async_trait;

use super::Service;
use crate::auth::{SESSION_DAYS, decoy_hash, new_session_token, throttle, token_hash, verify_password};
use crate::db::accounts::UserRow;
use crate::db::now_ms;

pub(crate) fn session_user(row: UserRow) -> SessionUser {
    SessionUser {
        id: row.id,
        name: row.name,
        email: row.email,
        role: Role::from_stored(&row.role),
        agency_name: row.agency_name,
    }
}

impl Service {
    /// Counts a sign-in attempt for `key` before its password is checked, so attempts sent at
    /// once all count. From the `allowed`-th on, an attempt goes ahead only when the key's wait
    /// is over, and starts the next, longer wait: `Err(seconds to wait)` otherwise.
    async fn admit_sign_in(&self, key: &str, allowed: i64) -> AppResult<Result<(), u64>> {
        let now = now_ms();
        let attempts = self.store.count_sign_in_attempt(key, now, now - throttle::FORGET_AFTER_MS).await?;
        let Some(delay) = throttle::delay_ms(attempts, allowed) else { return Ok(Ok(())) };
        match self.store.claim_sign_in(key, now, now + delay).await? {
            Ok(()) => Ok(Ok(())),
            Err(blocked_until) => {
                tracing::warn!(key, attempts, "sign-in throttled");
                Ok(Err(throttle::retry_after_seconds(blocked_until - now)))
            }
        }
    }
}

#[async_trait]
impl AuthPort for Service {
    async fn sign_in(&self, email: &str, password: &str, client: &str) -> AppResult<(SessionUser, String)> {
        // The same path for every email, known or not, with a password or without one.
        let account = format!("account:{}", email.trim().to_lowercase());
        let address = format!("address:{client}");
        for (key, allowed) in [(&account, throttle::ACCOUNT_ATTEMPTS), (&address, throttle::ADDRESS_ATTEMPTS)] {
            if let Err(wait) = self.admit_sign_in(key, allowed).await? {
                return Err(AppError::TooManyAttempts(wait));
            }
        }
        let found = self.store.user_for_sign_in(email).await?;
        let password = password.to_owned();
        let (user, hash) = match found {
            Some((user, hash)) => (Some(user), hash),
            None => (None, decoy_hash()),
        };
        let matches = self
            .password_checks
            .run(move || verify_password(&password, &hash))
            .await
            .ok_or(AppError::TooManyAttempts(1))?;
        let Some(user) = user.filter(|_| matches) else { return Err(AppError::BadCredentials) };
        // The right password: the account starts over, and the address does not count it.
        self.store.clear_sign_in_attempts(&account).await?;
        self.store.uncount_sign_in_attempt(&address).await?;
        let (token, hash) = new_session_token();
        let expires = now_ms() + SESSION_DAYS * 24 * 3600 * 1000;
        self.store.create_session(&hash, &user.id, expires).await?;
        Ok((session_user(user), token))
    }

    async fn sign_out(&self, token: &str) -> AppResult<()> {
        let hash = token_hash(token);
        self.store.delete_session(&hash).await?;
        self.notifier.session_ended(&hash);
        Ok(())
    }

    async fn session_user(&self, token: &str) -> AppResult<Option<SessionUser>> {
        Ok(self.store.session_user(&token_hash(token)).await?.map(session_user))
    }

    /// Inside HighLevel's iframe the session cookie is a third-party cookie: it must be
    /// `SameSite=None; Secure`, and `Partitioned` so browsers that block unpartitioned
    /// third-party cookies keep it (for this embedding only).
    fn session_cookie(&self, token: Option<&str>) -> String {
        let attributes = if self.options.embedded {
            "SameSite=None; Secure; Partitioned"
        } else if self.options.secure_cookies {
            "SameSite=Lax; Secure"
        } else {
            "SameSite=Lax"
        };
        match token {
            Some(token) => {
                format!(
                    "{SESSION_COOKIE}={token}; Path=/; HttpOnly; {attributes}; Max-Age={}",
                    SESSION_DAYS * 24 * 3600
                )
            }
            None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; {attributes}; Max-Age=0"),
        }
    }
}
