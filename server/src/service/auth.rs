use app::api::AppError;
use app::api::ports::{AppResult, AuthPort};
use app::api::session::SESSION_COOKIE;
use app::api::types::{Role, SessionUser};
use async_trait::async_trait;

use super::{Service, internal};
use crate::auth::{SESSION_DAYS, decoy_hash, new_session_token, token_hash, verify_password};
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

#[async_trait]
impl AuthPort for Service {
    async fn sign_in(&self, email: &str, password: &str) -> AppResult<(SessionUser, String)> {
        let found = self.store.user_for_sign_in(email).await.map_err(internal)?;
        let password = password.to_owned();
        let (user, hash) = match found {
            Some((user, hash)) => (Some(user), hash),
            None => (None, decoy_hash()),
        };
        // Argon2 is deliberately slow: keep it off the async workers.
        let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let user = user.filter(|_| matches).ok_or(AppError::BadCredentials)?;
        let (token, hash) = new_session_token();
        let expires = now_ms() + SESSION_DAYS * 24 * 3600 * 1000;
        self.store.create_session(&hash, &user.id, expires).await.map_err(internal)?;
        Ok((session_user(user), token))
    }

    async fn sign_out(&self, token: &str) -> AppResult<()> {
        self.store.delete_session(&token_hash(token)).await.map_err(internal)
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
