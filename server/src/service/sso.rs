//! Signing in from inside HighLevel (reference §6.2–6.3). The custom page asks its parent for
//! the user context, which arrives encrypted with the app's shared secret; OpsFlow decrypts it
//! and signs the user in: to their sub-account (`activeLocation`) with their role, or, for an
//! agency admin outside any sub-account, to every installed sub-account of the agency.
//!
//! The context carries no expiry, so it is exchanged at once for an OpsFlow session. For
//! browsers that keep no cookies in frames, a one-time hand-off link (two minutes) carries the
//! same sign-in into a tab of its own.

use app::api::AppError;

use super::{Service, internal};
use crate::auth::{SESSION_DAYS, new_session_token, token_hash};
use crate::db::now_ms;
use crate::highlevel::opsflow_user_id;
use crate::highlevel::sso::{SsoRole, decrypt_user_data};

const HANDOFF_MS: i64 = 2 * 60 * 1000;

/// A signed-in HighLevel user.
#[derive(Clone, Debug)]
pub struct SsoSession {
    /// The session token (the cookie's value).
    pub token: String,
    /// Where they work: their sub-account's inbox, or the sub-account list.
    pub landing: String,
    /// A one-time link that signs them in outside the frame.
    pub handoff: String,
}

impl Service {
    pub async fn sso_sign_in(&self, payload: &str) -> Result<SsoSession, AppError> {
        let highlevel = self
            .highlevel()
            .ok_or_else(|| AppError::BadRequest("This OpsFlow is not connected to HighLevel.".into()))?;
        let user = decrypt_user_data(payload, highlevel.config.shared_secret.expose())
            .map_err(|error| AppError::BadRequest(format!("The sign-in from HighLevel was refused: {error}.")))?;
        let company = self.store.company_tokens(&user.company_id).await.map_err(internal)?;
        if company.is_none_or(|row| row.uninstalled_at.is_some()) {
            return Err(AppError::Forbidden(
                "OpsFlow is not installed for this agency. An agency admin can install it from the HighLevel marketplace."
                    .into(),
            ));
        }
        let locations = match &user.active_location {
            Some(location) => {
                let installed = self.store.location_token(location).await.map_err(internal)?;
                if !installed.is_some_and(|row| row.uninstalled_at.is_none() && row.company_id == user.company_id) {
                    return Err(AppError::Forbidden("OpsFlow is not installed in this sub-account.".into()));
                }
                vec![location.clone()]
            }
            None if user.role == SsoRole::Admin => {
                self.store.installed_location_ids(&user.company_id).await.map_err(internal)?
            }
            None => Vec::new(),
        };
        let user_id = opsflow_user_id(&user.user_id);
        let role = if user.role == SsoRole::Admin { "admin" } else { "staff" };
        let mut tx = self.store.begin().await.map_err(internal)?;
        let saved = self
            .store
            .upsert_sso_user(&mut tx, &user_id, &user.company_id, &user.email, &user.user_name, role)
            .await
            .map_err(internal)?;
        if !saved {
            return Err(AppError::Conflict(format!(
                "The email {} already belongs to another OpsFlow account; sign in with it there.",
                user.email
            )));
        }
        for location in &locations {
            self.store.add_membership(&mut tx, &user_id, location).await.map_err(internal)?;
        }
        tx.commit().await.map_err(|error| internal(error.into()))?;

        let (token, hash) = new_session_token();
        let expires = now_ms() + SESSION_DAYS * 24 * 3600 * 1000;
        self.store.create_session(&hash, &user_id, expires).await.map_err(internal)?;
        let landing = match &user.active_location {
            Some(location) => format!("/s/{location}/inbox"),
            None => "/".to_owned(),
        };
        let (code, code_hash) = new_session_token();
        self.store.create_handoff(&code_hash, &user_id, &landing, now_ms() + HANDOFF_MS).await.map_err(internal)?;
        tracing::info!(user_id, role, sub_accounts = locations.len(), "signed in from HighLevel");
        Ok(SsoSession { token, landing, handoff: format!("/sso/handoff?code={code}") })
    }

    /// Uses a hand-off code: a new session for its user, and where to go.
    pub async fn sso_handoff(&self, code: &str) -> Result<(String, String), AppError> {
        let (user_id, landing) =
            self.store.take_handoff(&token_hash(code)).await.map_err(internal)?.ok_or_else(|| {
                AppError::BadRequest(
                    "This sign-in link was already used or has expired. Open OpsFlow from HighLevel again.".into(),
                )
            })?;
        let (token, hash) = new_session_token();
        self.store
            .create_session(&hash, &user_id, now_ms() + SESSION_DAYS * 24 * 3600 * 1000)
            .await
            .map_err(internal)?;
        Ok((token, landing))
    }
}
