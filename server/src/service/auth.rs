use app::api::AppError;
use app::api::ports::{AppResult, AuthPort};
use app::api::session::SESSION_COOKIE;
use app::api::types::{Role, SessionUser};
use async_trait::async_trait;

use super::{Service, internal};
use crate::auth::{SESSION_DAYS, decoy_hash, new_session_token, throttle, token_hash, verify_password};
use crate::db::accounts::UserRow;
use crate::db::now_ms;

pub(crate) fn session_user(row: UserRow) -> SessionUser {
    SessionUser {
        id: row.id,
        name: row.name,
        email: row.email,
        role: if row.role == "admin" { Role::Admin } else { Role::Staff },
        agency_name: row.agency_name,
    }
}

impl Service {
    /// Counts a failed sign-in for `key`, blocking it for a while past `allowed` failures.
    async fn count_sign_in_failure(&self, key: &str, allowed: i64) -> AppResult<()> {
        let now = now_ms();
        let failures =
            self.store.record_sign_in_failure(key, now, now - throttle::FORGET_AFTER_MS).await.map_err(internal)?;
        if let Some(delay) = throttle::delay_ms(failures, allowed) {
            tracing::warn!(key, failures, delay_ms = delay, "sign-in throttled");
            self.store.block_sign_in(key, now + delay).await.map_err(internal)?;
        }
        Ok(())
    }
}

#[async_trait]
impl AuthPort for Service {
    async fn sign_in(&self, email: &str, password: &str, client: &str) -> AppResult<(SessionUser, String)> {
        // The same path for every email, known or not, with a password or without one.
        let account = format!("account:{}", email.trim().to_lowercase());
        let address = format!("address:{client}");
        let now = now_ms();
        let blocked_until =
            self.store.sign_in_blocked_until(&[account.clone(), address.clone()]).await.map_err(internal)?;
        if blocked_until > now {
            return Err(AppError::TooManyAttempts(throttle::retry_after_seconds(blocked_until - now)));
        }
        let found = self.store.user_for_sign_in(email).await.map_err(internal)?;
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
        let Some(user) = user.filter(|_| matches) else {
            self.count_sign_in_failure(&account, throttle::ACCOUNT_FAILURES).await?;
            self.count_sign_in_failure(&address, throttle::ADDRESS_FAILURES).await?;
            return Err(AppError::BadCredentials);
        };
        self.store.clear_sign_in_failures(&account).await.map_err(internal)?;
        let (token, hash) = new_session_token();
        let expires = now_ms() + SESSION_DAYS * 24 * 3600 * 1000;
        self.store.create_session(&hash, &user.id, expires).await.map_err(internal)?;
        Ok((session_user(user), token))
    }

    async fn sign_out(&self, token: &str) -> AppResult<()> {
        let hash = token_hash(token);
        self.store.delete_session(&hash).await.map_err(internal)?;
        self.notifier.session_ended(&hash);
        Ok(())
    }

    async fn session_user(&self, token: &str) -> AppResult<Option<SessionUser>> {
        Ok(self.store.session_user(&token_hash(token)).await.map_err(internal)?.map(session_user))
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
