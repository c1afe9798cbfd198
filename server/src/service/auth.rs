use app::api::AppError;
use app::api::ports::{AppResult, AuthPort, SignedIn};
use app::api::session::{DEVICE_COOKIE, SESSION_COOKIE};
use app::api::types::{Role, SessionUser};
use app::model::record::is_email;
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

/// The longest email address (RFC 5321's path limit); a longer "email" is refused before any
/// write.
const LONGEST_EMAIL: usize = 254;

/// How long a device cookie lasts in the browser (the store forgets a device unused for 90 days).
const DEVICE_COOKIE_DAYS: i64 = 400;

/// What a throttle counts attempts under: a hash, so an address or email is neither stored nor
/// logged as sent.
fn throttle_key(kind: &str, value: &str) -> String {
    token_hash(&format!("{kind}:{value}"))
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
    async fn sign_in(&self, email: &str, password: &str, client: &str, device: Option<&str>) -> AppResult<SignedIn> {
        let email = email.trim();
        if email.len() > LONGEST_EMAIL || !is_email(email) {
            return Err(AppError::BadRequest(
                "Enter the email address you sign in with, like name@example.com.".into(),
            ));
        }
        let email = email.to_lowercase();
        // The address first: one that guesses is refused before it can hold up an account.
        let address = throttle_key("address", client);
        if let Err(wait) = self.admit_sign_in(&address, throttle::ADDRESS_ATTEMPTS).await? {
            return Err(AppError::TooManyAttempts(wait));
        }
        // The same path for every email, known or not, with a password or without one.
        let found = self.store.user_for_sign_in(&email).await?;
        // A browser that signed in to this account before is not held up by others' guesses
        // at it; every other one is.
        let device_hash = device.map(token_hash);
        let known_device = match (&device_hash, &found) {
            (Some(hash), Some((user, _))) => self.store.is_sign_in_device_of(hash, user.id.as_str()).await?,
            _ => false,
        };
        let account = throttle_key("account", &email);
        if !known_device && let Err(wait) = self.admit_sign_in(&account, throttle::ACCOUNT_ATTEMPTS).await? {
            return Err(AppError::TooManyAttempts(wait));
        }
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
        // The right password: the address does not count it, and the account starts over —
        // unless the attempt was a known browser's, which the account did not count: others'
        // guesses at it stay counted.
        if !known_device {
            self.store.clear_sign_in_attempts(&account).await?;
        }
        self.store.uncount_sign_in_attempt(&address).await?;
        let now = now_ms();
        let device = match (known_device, device_hash) {
            (true, Some(hash)) => {
                self.store.touch_sign_in_device(&hash, now).await?;
                None
            }
            _ => {
                let (token, hash) = new_session_token();
                self.store.add_sign_in_device(&hash, user.id.as_str(), now).await?;
                Some(token)
            }
        };
        let (session, hash) = new_session_token();
        let expires = now + SESSION_DAYS * 24 * 3600 * 1000;
        self.store.create_session(&hash, &user.id, expires).await?;
        Ok(SignedIn { user: session_user(user), session, device })
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

    /// The session cookie (see `cookie_attributes`).
    fn session_cookie(&self, token: Option<&str>) -> String {
        let attributes = self.cookie_attributes();
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

    /// Lasts beyond the session: a browser stays known across sign-outs.
    fn device_cookie(&self, token: &str) -> String {
        let attributes = self.cookie_attributes();
        format!("{DEVICE_COOKIE}={token}; Path=/; HttpOnly; {attributes}; Max-Age={}", DEVICE_COOKIE_DAYS * 24 * 3600)
    }
}

impl Service {
    /// Inside HighLevel's iframe cookies are third-party: `SameSite=None; Secure`, and
    /// `Partitioned` so browsers that block unpartitioned third-party cookies keep them (for
    /// this embedding only).
    fn cookie_attributes(&self) -> &'static str {
        if self.options.embedded {
            "SameSite=None; Secure; Partitioned"
        } else if self.options.secure_cookies {
            "SameSite=Lax; Secure"
        } else {
            "SameSite=Lax"
        }
    }
}
