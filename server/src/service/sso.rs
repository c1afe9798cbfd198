//! Signing in from inside HighLevel (reference §6.2–6.3). The custom page asks its parent for
//! the user context, which arrives encrypted with the app's shared secret; OpsFlow decrypts it
//! and signs the user in: to their sub-account (`activeLocation`), or, for an agency admin
//! outside any sub-account, to every installed sub-account of the agency. Access follows
//! HighLevel: each sign-in replaces the user's memberships and role with what HighLevel's users
//! API says now, so someone removed from a sub-account there loses it here at their next visit.
//!
//! The context carries no expiry, so it is exchanged at once for an OpsFlow session. For
//! browsers that keep no cookies in frames, a one-time hand-off link (two minutes) carries the
//! same sign-in into a tab of its own. The link alone is not enough: its code is in the URL's
//! fragment (never sent to a server, so never logged), and the tab must also present a
//! verifier that only the frame that signed in holds and hands over by message to the tab it
//! opened — a leaked link signs nobody in.

use app::api::AppError;
use app::model::SubAccountId;

use super::Service;
use crate::auth::{SESSION_DAYS, new_session_token, token_hash};
use crate::crm::CrmError;
use crate::db::{StoreError, now_ms};
use crate::highlevel::sso::{SsoRole, SsoUser, decrypt_user_data};
use crate::highlevel::{HighLevel, opsflow_user_id};

const HANDOFF_MS: i64 = 2 * 60 * 1000;
/// A user context that says when it was made is good for this long...
const MAX_CONTEXT_AGE_MS: i64 = 5 * 60 * 1000;
/// ...allowing for clocks this far apart.
const CLOCK_SKEW_MS: i64 = 60 * 1000;

/// How long a sign-in waits for HighLevel's users API.
const USERS_API_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// What a HighLevel user may open in OpsFlow, and with which role.
struct Access {
    admin: bool,
    locations: Vec<SubAccountId>,
}

/// A signed-in HighLevel user.
#[derive(Clone, Debug)]
pub struct SsoSession {
    /// The session token (the cookie's value).
    pub token: String,
    /// Where they work: their sub-account's inbox, or the sub-account list.
    pub landing: String,
    /// A one-time link that signs them in outside the frame...
    pub handoff: String,
    /// ...in a tab that shows this too (the frame keeps it and gives it to the tab it opens).
    pub handoff_verifier: String,
}

impl Service {
    /// Signs in the user of a custom page's context, for a client at `client` (rate limited).
    pub async fn sso_sign_in(&self, payload: &str, client: &str) -> Result<SsoSession, AppError> {
        self.sso_rate.check(client).map_err(AppError::TooManyAttempts)?;
        let highlevel = self
            .highlevel()
            .ok_or_else(|| AppError::BadRequest("This OpsFlow is not connected to HighLevel.".into()))?;
        let user = decrypt_user_data(payload, highlevel.config.shared_secret.expose()).map_err(|error| {
            // One answer for every failure: what failed stays in the log, and nothing of the
            // decrypted bytes goes anywhere.
            tracing::warn!(%error, "HighLevel user context refused");
            AppError::BadRequest(
                "The sign-in from HighLevel was refused: its user data could not be read. Open OpsFlow from \
                 HighLevel's menu again."
                    .into(),
            )
        })?;
        if let Some(issued) = user.issued_at_ms() {
            let age = now_ms() - issued;
            if !(-CLOCK_SKEW_MS..=MAX_CONTEXT_AGE_MS).contains(&age) {
                return Err(AppError::BadRequest(
                    "The sign-in from HighLevel has expired. Open OpsFlow from HighLevel's menu again.".into(),
                ));
            }
        }
        let company = self.store.company_tokens(&user.company_id).await?;
        if company.is_none_or(|row| row.uninstalled_at.is_some()) {
            return Err(AppError::Forbidden(
                "OpsFlow is not installed for this agency. An agency admin can install it from the HighLevel marketplace."
                    .into(),
            ));
        }
        let installed = self.store.installed_location_ids(&user.company_id).await?;
        let access = match &user.active_location {
            Some(location) => {
                if !installed.contains(location) {
                    return Err(AppError::Forbidden("OpsFlow is not installed in this sub-account.".into()));
                }
                self.location_access(highlevel, &user, location, &installed).await?
            }
            // The agency view: every installed sub-account for an agency admin, none for others.
            None if user.role == SsoRole::Admin && user.kind.as_deref() == Some("agency") => {
                Access { admin: true, locations: installed }
            }
            None => Access { admin: false, locations: Vec::new() },
        };
        let user_id = opsflow_user_id(&user.user_id);
        let role = if access.admin { "admin" } else { "staff" };
        let mut tx = self.store.begin().await?;
        let saved =
            self.store.upsert_sso_user(&mut tx, &user_id, &user.company_id, &user.email, &user.user_name, role).await?;
        if !saved {
            return Err(AppError::Conflict(format!(
                "The email {} already belongs to another OpsFlow account; sign in with it there.",
                user.email
            )));
        }
        self.store.replace_memberships(&mut tx, &user_id, &access.locations).await?;
        tx.commit().await.map_err(StoreError::from)?;

        let (token, hash) = new_session_token();
        let expires = now_ms() + SESSION_DAYS * 24 * 3600 * 1000;
        self.store.create_session(&hash, &user_id, expires).await?;
        let landing = match &user.active_location {
            Some(location) => format!("/s/{location}/inbox"),
            None => "/".to_owned(),
        };
        let (code, code_hash) = new_session_token();
        let (handoff_verifier, verifier_hash) = new_session_token();
        let expires = now_ms() + HANDOFF_MS;
        self.store.create_handoff(&code_hash, &verifier_hash, &user_id, &landing, expires).await?;
        tracing::info!(%user_id, role, sub_accounts = access.locations.len(), "signed in from HighLevel");
        Ok(SsoSession { token, landing, handoff: format!("/sso/handoff#{code}"), handoff_verifier })
    }

    /// Where a user who opened `location` may go, and as what: what HighLevel's users API says
    /// now (a removed user, or one who lost the sub-account, is refused), else — HighLevel
    /// unreachable, or the scope missing — what the context says, for this sub-account only.
    async fn location_access(
        &self,
        highlevel: &HighLevel,
        user: &SsoUser,
        location: &SubAccountId,
        installed: &[SubAccountId],
    ) -> Result<Access, AppError> {
        let refused = || AppError::Forbidden("HighLevel says you do not have access to this sub-account.".into());
        // Sign-in does not wait out a rate-limit pause or a slow HighLevel: past a few seconds
        // it goes on with what the context says, as when HighLevel cannot be reached.
        let asked = tokio::time::timeout(USERS_API_WAIT, highlevel.crm.user(location, &user.user_id)).await;
        let answer = asked.unwrap_or_else(|_| Err(CrmError::Unavailable("no answer within 5 s".to_owned())));
        match answer {
            Ok(found) => {
                let reaches = |id: &SubAccountId| found.agency_user || found.location_ids.contains(id);
                if found.deleted || !reaches(location) {
                    return Err(refused());
                }
                let locations = installed.iter().filter(|id| reaches(id)).cloned().collect();
                Ok(Access { admin: found.admin, locations })
            }
            Err(CrmError::NotFound(_)) => Err(refused()),
            Err(error) => {
                tracing::warn!(%error, %location, "could not check the user with HighLevel; using its user context");
                Ok(Access { admin: user.role == SsoRole::Admin, locations: vec![location.clone()] })
            }
        }
    }

    /// Uses a hand-off code and its verifier: a new session for its user, and where to go.
    pub async fn sso_handoff(&self, code: &str, verifier: &str) -> Result<(String, String), AppError> {
        let taken = self.store.take_handoff(&token_hash(code), &token_hash(verifier)).await?;
        let (user_id, landing) = taken.ok_or_else(|| {
            AppError::BadRequest(
                "This sign-in link was already used or has expired. Open OpsFlow from HighLevel again.".into(),
            )
        })?;
        let (token, hash) = new_session_token();
        self.store.create_session(&hash, &user_id, now_ms() + SESSION_DAYS * 24 * 3600 * 1000).await?;
        Ok((token, landing))
    }
}
