//! The backend the Leptos server functions call: it implements the app's ports over the
//! store, the CRM, ingestion and writebacks.
//!
//! Every sub-account operation starts with [`Service::member`], which loads the sub-account
//! only if the user belongs to it. A sub-account the user does not belong to and one that does
//! not exist answer the same `NotFound`, so ids of other tenants cannot be probed.

mod api_keys;
mod auth;
mod crm_view;
mod inbox;
mod messaging;
mod records;
mod retention;
mod settings;
mod sso;
mod sso_recheck;
mod sub_accounts;
mod templates;
mod triggers;
mod workflow_screens;
mod workflows;
mod writebacks;

pub use sso::SsoSession;
pub use sso_recheck::Rechecked;

use app::api::AppError;
use app::api::types::{SessionUser, SubAccountSummary};
use app::model::SubAccountId;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::throttle::{PasswordChecks, RequestRate};
use crate::crm::builtin::BuiltinCrm;
use crate::crm::{Crm, CrmError, sentence_case};
use crate::db::accounts::SubAccountRow;
use crate::db::tenancy::{Admin, Member};
use crate::db::{Store, StoreError};
use crate::events::{IngestError, Ingestor};
use crate::highlevel::HighLevel;
use crate::highlevel::secrets::SecretBox;
use crate::jobs::JobTiming;
use crate::notify::Notifier;
use crate::supervise::{Stop, StopSwitch};

/// HighLevel sign-ins one client address may make a minute (a person opens the custom page a
/// few times; a script replaying a context, many).
const SSO_SIGN_INS_PER_MINUTE: u32 = 30;

#[derive(Clone, Debug)]
pub struct ServiceOptions {
    /// Mark the session cookie `Secure` (needed when served over HTTPS).
    pub secure_cookies: bool,
    /// Who may show OpsFlow in a frame (CSP `frame-ancestors` sources).
    pub frame_ancestors: String,
    /// Cookies for a cross-site frame (connected mode: OpsFlow inside HighLevel).
    pub embedded: bool,
    /// The origin people open OpsFlow at, when it is not the request's Host (see `http::cross_site`).
    pub public_url: Option<String>,
    /// Take the client's address from the last `X-Forwarded-For` entry (behind a reverse proxy).
    pub trust_proxy: bool,
    /// Writeback jobs' lease, attempt bound and attempts.
    pub jobs: JobTiming,
    /// REST API calls a sub-account's API keys may make a minute, all instances together.
    pub api_calls_per_minute: u32,
    /// Whether workflows' webhooks may call loopback, private and link-local addresses.
    pub webhooks_may_call_private_hosts: bool,
    /// Whether a sub-account's SMTP server may be on a loopback, private or link-local address.
    pub mail_may_use_private_hosts: bool,
}

impl Default for ServiceOptions {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            frame_ancestors: "'self'".to_owned(),
            embedded: false,
            public_url: None,
            trust_proxy: false,
            jobs: JobTiming::WRITEBACKS,
            api_calls_per_minute: 1_200,
            webhooks_may_call_private_hosts: false,
            mail_may_use_private_hosts: false,
        }
    }
}

#[derive(Clone)]
pub struct Service {
    pub(crate) store: Store,
    pub(crate) builtin: BuiltinCrm,
    pub(crate) ingestor: Ingestor,
    pub(crate) notifier: Notifier,
    pub(crate) options: ServiceOptions,
    pub(crate) highlevel: Option<Arc<HighLevel>>,
    pub(crate) password_checks: PasswordChecks,
    /// HighLevel sign-ins per client address: each decrypts a context and asks HighLevel.
    pub(crate) sso_rate: Arc<RequestRate>,
    /// The key passwords and tokens are sealed with (none: the server cannot keep them).
    pub(crate) secrets: Option<SecretBox>,
    stop_switch: StopSwitch,
    pub(crate) stop: Stop,
}

impl Service {
    /// A service on the built-in CRM. Starts the ingestion worker on the current runtime.
    pub fn new(store: Store, options: ServiceOptions) -> Self {
        let notifier = Notifier::default();
        let builtin = BuiltinCrm::new(store.clone());
        let (stop_switch, stop) = StopSwitch::new();
        Self {
            stop_switch,
            stop,
            ingestor: Ingestor::start(store.clone(), notifier.clone()),
            builtin,
            notifier,
            store,
            options,
            highlevel: None,
            password_checks: PasswordChecks::default(),
            sso_rate: Arc::new(RequestRate::new(SSO_SIGN_INS_PER_MINUTE, Duration::from_secs(60))),
            secrets: None,
        }
    }

    /// The same service, sealing secrets with `secrets`.
    pub fn with_secrets(self, secrets: SecretBox) -> Self {
        Self { secrets: Some(secrets), ..self }
    }

    /// The same service, connected to HighLevel.
    pub fn connected(self, highlevel: HighLevel) -> Self {
        Self { highlevel: Some(Arc::new(highlevel)), ..self }
    }

    /// The HighLevel connection, when this server has one.
    pub fn highlevel(&self) -> Option<&HighLevel> {
        self.highlevel.as_deref()
    }

    /// Asks the service to stop: inbox streams end, workers finish the attempt they are in.
    pub fn stop(&self) {
        self.stop_switch.stop();
    }

    pub fn stop_signal(&self) -> Stop {
        self.stop.clone()
    }

    pub fn options(&self) -> &ServiceOptions {
        &self.options
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn ingestor(&self) -> &Ingestor {
        &self.ingestor
    }

    pub fn notifier(&self) -> &Notifier {
        &self.notifier
    }

    pub fn builtin(&self) -> &BuiltinCrm {
        &self.builtin
    }

    /// The CRM a sub-account's data lives in: HighLevel for one installed from HighLevel
    /// (uninstalled ones too, whose calls then say so), the built-in CRM otherwise.
    pub(crate) async fn crm_for(&self, sub_account: &SubAccountId) -> Result<&dyn Crm, AppError> {
        match &self.highlevel {
            Some(highlevel) if self.connected_to_highlevel(sub_account).await? => Ok(&highlevel.crm),
            _ => Ok(&self.builtin),
        }
    }

    /// What the agency page and the top bar show of a sub-account.
    pub(crate) fn summary(&self, row: SubAccountRow, pending_forms: Option<i64>) -> SubAccountSummary {
        let builtin_crm = self.uses_builtin_crm(&row);
        let number_format = row.number_format();
        SubAccountSummary {
            id: row.id,
            name: row.name,
            pending_forms,
            builtin_crm,
            number_format,
            unread_notifications: None,
        }
    }

    fn uses_builtin_crm(&self, row: &SubAccountRow) -> bool {
        self.highlevel.is_none() || row.from_highlevel == 0
    }

    /// The sub-account, if the user is a member and its CRM is the built-in one: the CRM pages
    /// show only that one (a connected sub-account's records live in HighLevel).
    pub(crate) async fn member_with_builtin_crm(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
    ) -> Result<Member, AppError> {
        let member = self.member(user, sub_account).await?;
        if self.uses_builtin_crm(member.sub_account()) {
            Ok(member)
        } else {
            Err(AppError::BadRequest(
                "This sub-account's CRM is HighLevel: its contacts and opportunities are there.".to_owned(),
            ))
        }
    }

    /// Whether the sub-account was installed from HighLevel (on a connected server).
    pub(crate) async fn connected_to_highlevel(&self, sub_account: &SubAccountId) -> Result<bool, AppError> {
        if self.highlevel.is_none() {
            return Ok(false);
        }
        Ok(self.store.location_token(sub_account).await?.is_some())
    }

    /// The user's membership of the sub-account (see `db::tenancy`); `NotFound` when there is
    /// none.
    pub async fn member(&self, user: &SessionUser, sub_account: &SubAccountId) -> Result<Member, AppError> {
        self.store.member(&user.id, sub_account).await?.ok_or_else(|| AppError::not_found("That sub-account"))
    }

    /// Like [`Service::member`], for changes only admins may make.
    pub async fn admin_member(&self, user: &SessionUser, sub_account: &SubAccountId) -> Result<Admin, AppError> {
        self.member(user, sub_account).await?.admin().ok_or_else(AppError::admins_only)
    }
}

/// A store failure is logged with its details and answered with a generic error: database
/// messages are for the operator, not the browser. `?` applies it.
impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        if holds_nul(&error) {
            // SQLite keeps it; PostgreSQL refuses text with it. Input checks refuse it first
            // where they know the field; this answers the same wherever one did not (logged:
            // it may have come from stored data rather than this request).
            tracing::warn!(%error, "text holding NUL refused by the database");
            return AppError::BadRequest(app::model::nul::NUL_REFUSED.to_owned());
        }
        internal(error)
    }
}

/// PostgreSQL's refusal of text holding NUL (SQLSTATE 22021, a character not in UTF-8 as it
/// stores it).
fn holds_nul(error: &StoreError) -> bool {
    matches!(error, StoreError::Query(sqlx::Error::Database(db)) if db.code().as_deref() == Some("22021"))
}

fn internal(error: StoreError) -> AppError {
    let reference = crate::db::new_id();
    tracing::error!(%error, reference, "store operation failed");
    AppError::Internal(format!("reference {}", &reference[..8]))
}

pub(crate) fn crm_error(error: CrmError) -> AppError {
    match error {
        CrmError::NotFound(what) => AppError::not_found(&sentence_case(&what)),
        CrmError::Rejected(why) => AppError::BadRequest(sentence_case(&why)),
        CrmError::Unavailable(why) => {
            tracing::error!(why, "CRM unavailable");
            AppError::Internal("the CRM is unavailable".to_owned())
        }
    }
}

pub(crate) fn ingest_error(error: IngestError) -> AppError {
    match error {
        IngestError::Store(error) => error.into(),
        other => AppError::Internal(other.to_string()),
    }
}
