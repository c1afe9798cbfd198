//! Signing in from inside HighLevel (reference §6.2–6.3). The custom page asks its parent for
//! the user context, which arrives encrypted with the app's shared secret; OpsFlow decrypts it
//! and signs the user in: to their sub-account (`activeLocation`), or, outside any sub-account
//! (the agency view), to every installed sub-account HighLevel lets them open.
//!
//! The context is checked, not trusted. HighLevel's users API confirms every sign-in — with the
//! sub-account's token, or the agency's in the agency view — and the user's role and
//! memberships become what it says now. When HighLevel cannot answer, the sign-in fails closed
//! unless a confirmation of the last day already lets the user into what they asked for, with
//! that role or less (never more). A context signs in once: the context carries no nonce or
//! expiry, so its encryption's salt is what is remembered, for as long as the session it made
//! may live. The re-check worker (`service::sso_recheck`) asks HighLevel again about every
//! signed-in user hourly.
//!
//! For browsers that keep no cookies in frames, a one-time hand-off link (two minutes) carries the
//! same sign-in into a tab of its own. The link alone is not enough: its code is in the URL's
//! fragment (never sent to a server, so never logged), and the tab must also present a
//! verifier that only the frame that signed in holds and hands over by message to the tab it
//! opened — a leaked link signs nobody in.

use app::api::AppError;
use app::model::{SubAccountId, UserId};
use sha2::{Digest, Sha256};

use super::Service;
use crate::auth::{SESSION_DAYS, new_session_token, token_hash};
use crate::crm::CrmError;
use crate::db::{StoreError, now_ms};
use crate::highlevel::crm::HighLevelUser;
use crate::highlevel::sso::{SsoRole, SsoUser, UserContext, decrypt_user_data};
use crate::highlevel::{HighLevel, opsflow_user_id};

const HANDOFF_MS: i64 = 2 * 60 * 1000;
const SESSION_MS: i64 = SESSION_DAYS * 24 * 3600 * 1000;
/// A user context that says when it was made is good for this long...
const MAX_CONTEXT_AGE_MS: i64 = 5 * 60 * 1000;
/// ...allowing for clocks this far apart.
const CLOCK_SKEW_MS: i64 = 60 * 1000;

/// How long a sign-in waits for HighLevel's users API.
const USERS_API_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// How long HighLevel's confirmation of a user's access stands in for it when HighLevel cannot
/// be asked: at a sign-in, and for sessions the re-check worker cannot confirm.
pub(super) const CONFIRMATION_LASTS_MS: i64 = 24 * 3600 * 1000;

/// What a HighLevel user may open in OpsFlow, and with which role.
struct Access {
    admin: bool,
    locations: Vec<SubAccountId>,
    /// HighLevel said so just now (rather than: it said so earlier, and could not be asked now).
    confirmed: bool,
}

/// A signed-in HighLevel user.
#[derive(Clone, Debug)]
pub struct SsoSession {
    /// The new session's token (the cookie's value); none when the frame already has the
    /// session this context made.
    pub token: Option<String>,
    /// Where they work: their sub-account's inbox, or the sub-account list.
    pub landing: String,
    /// A one-time link that signs them in outside the frame...
    pub handoff: String,
    /// ...in a tab that shows this too (the frame keeps it and gives it to the tab it opens).
    pub handoff_verifier: String,
}

impl Service {
    /// Signs in the user of a custom page's context, for a client at `client` (rate limited)
    /// whose request carried the session `current` (if any).
    pub async fn sso_sign_in(
        &self,
        payload: &str,
        client: &str,
        current: Option<&str>,
    ) -> Result<SsoSession, AppError> {
        self.sso_rate.check(client).map_err(AppError::TooManyAttempts)?;
        let highlevel = self
            .highlevel()
            .ok_or_else(|| AppError::BadRequest("This OpsFlow is not connected to HighLevel.".into()))?;
        let UserContext { user, salt } =
            decrypt_user_data(payload, highlevel.config.shared_secret.expose()).map_err(|error| {
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
        let user_id = opsflow_user_id(&user.user_id);
        let once = context_hash(&salt);
        if let Some(used_by) = self.store.sso_payload_user(&once).await? {
            return self.sso_again(&user, &once, &used_by, current).await;
        }
        let company = self.store.company_tokens(&user.company_id).await?;
        if company.is_none_or(|row| row.uninstalled_at.is_some()) {
            return Err(AppError::Forbidden(
                "OpsFlow is not installed for this agency. An agency admin can install it from the HighLevel marketplace."
                    .into(),
            ));
        }
        let installed = self.store.installed_location_ids(&user.company_id).await?;
        if let Some(location) = &user.active_location
            && !installed.contains(location)
        {
            return Err(AppError::Forbidden("OpsFlow is not installed in this sub-account.".into()));
        }
        let access = self.highlevel_access(highlevel, &user, &installed).await?;
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
        // Unconfirmed, the memberships stay what HighLevel last confirmed.
        if access.confirmed {
            self.store.confirm_highlevel_access(&mut tx, &user_id, access.admin, &access.locations, now_ms()).await?;
        }
        // Two uses of one context at once: the second finds it taken here.
        if !self.store.claim_sso_payload(&mut tx, &once, &user_id, now_ms() + SESSION_MS).await? {
            return Err(context_used());
        }
        tx.commit().await.map_err(StoreError::from)?;

        let (token, hash) = new_session_token();
        self.store.create_session(&hash, &user_id, now_ms() + SESSION_MS).await?;
        let (landing, handoff, handoff_verifier) = self.handoff_for(&user, &user_id).await?;
        tracing::info!(%user_id, role, sub_accounts = access.locations.len(), confirmed = access.confirmed,
                       "signed in from HighLevel");
        Ok(SsoSession { token: Some(token), landing, handoff, handoff_verifier })
    }

    /// A context used before signs in nobody new; but a frame reloaded with the context it had
    /// (and the session it made) goes on with that session.
    async fn sso_again(
        &self,
        user: &SsoUser,
        once: &str,
        used_by: &UserId,
        current: Option<&str>,
    ) -> Result<SsoSession, AppError> {
        let signed_in = match current {
            Some(token) => self.store.session_user(&token_hash(token)).await?,
            None => None,
        };
        if signed_in.is_none_or(|signed_in| signed_in.id != *used_by) {
            tracing::warn!(user_id = %used_by, "a HighLevel user context was presented again; refused");
            return Err(context_used());
        }
        // The context is remembered as long as any session it led to may live.
        self.store.keep_sso_payload(once, now_ms() + SESSION_MS).await?;
        let (landing, handoff, handoff_verifier) = self.handoff_for(user, used_by).await?;
        Ok(SsoSession { token: None, landing, handoff, handoff_verifier })
    }

    /// Where the user lands, and a one-time link (with its verifier) that takes them there in
    /// a tab of its own.
    async fn handoff_for(&self, user: &SsoUser, user_id: &UserId) -> Result<(String, String, String), AppError> {
        let landing = match &user.active_location {
            Some(location) => format!("/s/{location}/inbox"),
            None => "/".to_owned(),
        };
        let (code, code_hash) = new_session_token();
        let (verifier, verifier_hash) = new_session_token();
        self.store.create_handoff(&code_hash, &verifier_hash, user_id, &landing, now_ms() + HANDOFF_MS).await?;
        Ok((landing, format!("/sso/handoff#{code}"), verifier))
    }

    /// Where a user may go, and as what: what HighLevel's users API says now — a removed user,
    /// one who lost the sub-account they opened, or one HighLevel does not know is refused —
    /// else, when HighLevel cannot be asked, what it confirmed within the last day.
    async fn highlevel_access(
        &self,
        highlevel: &HighLevel,
        user: &SsoUser,
        installed: &[SubAccountId],
    ) -> Result<Access, AppError> {
        let refused = || {
            AppError::Forbidden(match user.active_location {
                Some(_) => "HighLevel says you do not have access to this sub-account.".into(),
                None => "HighLevel says you are not a user of this agency.".into(),
            })
        };
        let asked = match &user.active_location {
            Some(location) => ask_highlevel(highlevel.crm.user(location, &user.user_id)).await,
            None => ask_highlevel(highlevel.crm.agency_user(&user.company_id, &user.user_id)).await,
        };
        match asked {
            Ok(found) => {
                if found.deleted || user.active_location.as_ref().is_some_and(|location| !found.reaches(location)) {
                    return Err(refused());
                }
                let locations = installed.iter().filter(|id| found.reaches(id)).cloned().collect();
                Ok(Access { admin: found.admin, locations, confirmed: true })
            }
            Err(error @ CrmError::Unavailable(_)) => {
                tracing::warn!(%error, user_id = user.user_id, "HighLevel could not confirm a sign-in");
                self.previously_confirmed(user).await
            }
            // Not found, or refused in any other way: HighLevel does not confirm this user.
            Err(error) => {
                tracing::warn!(%error, user_id = user.user_id, "HighLevel did not confirm a sign-in");
                Err(refused())
            }
        }
    }

    /// What HighLevel confirmed of the user within the last day, if it lets them into what they
    /// asked for: their sub-accounts as then, their role as then or the context's, the lesser.
    async fn previously_confirmed(&self, user: &SsoUser) -> Result<Access, AppError> {
        let cannot_confirm = || {
            AppError::Unavailable(
                "HighLevel could not confirm your access just now, so OpsFlow did not sign you in. Open OpsFlow \
                 from HighLevel's menu again in a minute."
                    .into(),
            )
        };
        let since = now_ms() - CONFIRMATION_LASTS_MS;
        let (admin, locations) = self
            .store
            .confirmed_highlevel_access(&opsflow_user_id(&user.user_id), since)
            .await?
            .ok_or_else(cannot_confirm)?;
        let suffices = match &user.active_location {
            Some(location) => locations.contains(location),
            None => !locations.is_empty(),
        };
        if !suffices {
            return Err(cannot_confirm());
        }
        Ok(Access { admin: admin && user.role == SsoRole::Admin, locations, confirmed: false })
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
        self.store.create_session(&hash, &user_id, now_ms() + SESSION_MS).await?;
        Ok((token, landing))
    }
}

/// Asks HighLevel about a user, waiting a few seconds at most: a sign-in does not wait out a
/// rate-limit pause or a slow HighLevel.
pub(super) async fn ask_highlevel(
    asked: impl Future<Output = Result<HighLevelUser, CrmError>>,
) -> Result<HighLevelUser, CrmError> {
    tokio::time::timeout(USERS_API_WAIT, asked)
        .await
        .unwrap_or_else(|_| Err(CrmError::Unavailable(format!("no answer within {} s", USERS_API_WAIT.as_secs()))))
}

fn context_used() -> AppError {
    AppError::BadRequest(
        "This sign-in from HighLevel was already used. Open OpsFlow from HighLevel's menu again.".into(),
    )
}

/// What identifies one user context: its encryption's salt (see `UserContext::salt`).
fn context_hash(salt: &[u8]) -> String {
    format!("{:x}", Sha256::digest(salt))
}
