//! The ports: what the server functions need from the server, as traits. The `server` crate
//! implements them over its database and CRM; the server functions stay thin (who is calling,
//! then one call here) and contain no SQL.
//!
//! Every method that touches a sub-account takes the signed-in user and the sub-account id, and
//! implementations check membership first: there is no way to ask for a form, template or
//! trigger without saying whose it is.

use async_trait::async_trait;
use std::sync::Arc;

use super::error::AppError;
use super::records::{ActivityList, RecordDetail, RecordList, RecordSave};
use super::types::*;
use super::workflows::{NotificationList, RunDetail, RunHistory, WorkflowEditorData, WorkflowRow};
use crate::model::messaging::{EmailSettings, TwilioSettings};
use crate::model::workflow::Workflow;
use crate::model::{
    Answers, ContactId, EventType, FormId, Module, NumberFormat, OpportunityId, RunId, SubAccountId, Template,
    TemplateId, TriggerConfig, TriggerId, TriggerModule, WorkflowId,
};

pub type AppResult<T> = Result<T, AppError>;

/// A sign-in that worked: the user, the session token, and a device token for the browser to
/// keep when it had none for this user.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub user: SessionUser,
    pub session: String,
    pub device: Option<String>,
}

#[async_trait]
pub trait AuthPort: Send + Sync {
    /// Checks the password and opens a session. Repeated failures from the client's address,
    /// or for the email from a browser that never signed in to it (`device`), are throttled
    /// (`TooManyAttempts`).
    async fn sign_in(&self, email: &str, password: &str, client: &str, device: Option<&str>) -> AppResult<SignedIn>;
    async fn sign_out(&self, token: &str) -> AppResult<()>;
    /// The user a session token belongs to, if the session is live.
    async fn session_user(&self, token: &str) -> AppResult<Option<SessionUser>>;
    /// The `Set-Cookie` value carrying a session token, or clearing it when `None`.
    fn session_cookie(&self, token: Option<&str>) -> String;
    /// The `Set-Cookie` value carrying a device token.
    fn device_cookie(&self, token: &str) -> String;
}

/// The sub-accounts a user belongs to.
#[async_trait]
pub trait SubAccountsPort: Send + Sync {
    async fn sub_accounts(&self, user: &SessionUser) -> AppResult<Vec<SubAccountSummary>>;
    /// Opens a sub-account, creating its starter templates the first time (exactly once).
    async fn open_sub_account(&self, user: &SessionUser, sub_account: &SubAccountId) -> AppResult<SubAccountSummary>;
}

/// Templates: list, edit (versioned), copy, import and export.
#[async_trait]
pub trait TemplatesPort: Send + Sync {
    async fn templates(&self, user: &SessionUser, sub_account: &SubAccountId) -> AppResult<Vec<TemplateSummary>>;
    async fn delete_template(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        template_id: &TemplateId,
    ) -> AppResult<()>;
    /// The current version of a template, to edit.
    async fn template(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        template_id: &TemplateId,
    ) -> AppResult<TemplateDraft>;
    /// Saves an edit as the next version. `base_version` is the version the edit started from:
    /// when someone saved in between, the save is refused and nothing is overwritten. Forms
    /// already created keep the version they were made from.
    async fn save_template(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        template_id: &TemplateId,
        base_version: i64,
        template: Template,
    ) -> AppResult<TemplateDraft>;
    async fn create_template(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        template: Template,
    ) -> AppResult<TemplateDraft>;
    /// A copy of the current version as a new template, named "… (copy)".
    async fn duplicate_template(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        template_id: &TemplateId,
    ) -> AppResult<TemplateDraft>;
    /// A new template from an exported file; a file with problems saves nothing.
    async fn import_template(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        file: &str,
    ) -> AppResult<TemplateDraft>;
    /// The file of a template's current version (see `model::transfer`).
    async fn export_template(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        template_id: &TemplateId,
    ) -> AppResult<String>;
    /// The writebacks an edit of this template must keep working (admins only).
    async fn template_mappings(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        template_id: &TemplateId,
    ) -> AppResult<TemplateMappings>;
}

/// A sub-account's settings page: what its CRM offers, its triggers, its number format.
#[async_trait]
pub trait SettingsPort: Send + Sync {
    async fn settings(&self, user: &SessionUser, sub_account: &SubAccountId) -> AppResult<SettingsData>;
    /// Forgets the cached pipelines, stages and custom fields of a connected sub-account, so
    /// the next read asks the CRM (admins only).
    async fn refresh_crm(&self, user: &SessionUser, sub_account: &SubAccountId) -> AppResult<()>;
    /// Sets how the sub-account writes numbers and money (admins only).
    async fn set_number_format(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        format: NumberFormat,
    ) -> AppResult<()>;
}

/// API keys for the REST API (admins only: a key may change the sub-account's workflows).
#[async_trait]
pub trait ApiKeysPort: Send + Sync {
    async fn api_keys(&self, user: &SessionUser, sub_account: &SubAccountId) -> AppResult<Vec<ApiKeyView>>;
    /// Makes a key named `name`; the answer is the only time its secret is shown.
    async fn create_api_key(&self, user: &SessionUser, sub_account: &SubAccountId, name: &str) -> AppResult<NewApiKey>;
    async fn revoke_api_key(&self, user: &SessionUser, sub_account: &SubAccountId, key_id: &str) -> AppResult<()>;
}

/// Adding and removing triggers (admins).
#[async_trait]
pub trait TriggersPort: Send + Sync {
    async fn add_trigger(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        config: TriggerConfig,
    ) -> AppResult<TriggerView>;
    async fn remove_trigger(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        trigger_id: &TriggerId,
    ) -> AppResult<()>;
}

#[async_trait]
pub trait InboxPort: Send + Sync {
    async fn pending_forms(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        query: &InboxQuery,
    ) -> AppResult<InboxPage<PendingFormRow>>;
    async fn completed_forms(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        query: &InboxQuery,
    ) -> AppResult<InboxPage<CompletedFormRow>>;
    async fn form(&self, user: &SessionUser, sub_account: &SubAccountId, form_id: &FormId) -> AppResult<FormView>;
    /// Re-validates the answers with the shared model, completes the form once, and runs its
    /// writebacks; returns each writeback's state after its first attempt (a retryable failure
    /// is pending, and retried in the background). `read_as` is the number format the person
    /// typed the answers in (the page's); when the sub-account's has changed since and would
    /// read them differently, nothing is saved.
    async fn submit_form(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        form_id: &FormId,
        answers: Answers,
        read_as: Option<NumberFormat>,
    ) -> AppResult<Vec<WritebackResult>>;
    /// Queues a failed writeback again and tries it at once (admins only).
    async fn retry_writeback(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        form_id: &FormId,
        kind: WritebackKind,
    ) -> AppResult<Vec<WritebackResult>>;
}

/// The built-in CRM's own screens (the board, a contact, logging a call).
#[async_trait]
pub trait CrmViewPort: Send + Sync {
    async fn crm_board(&self, user: &SessionUser, sub_account: &SubAccountId) -> AppResult<CrmBoard>;
    async fn contact(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        contact_id: &ContactId,
    ) -> AppResult<ContactDetail>;
    async fn move_opportunity(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        opportunity_id: &OpportunityId,
        stage_id: &str,
    ) -> AppResult<()>;
    async fn log_call(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        contact_id: &ContactId,
        summary: &str,
        transcript: &str,
    ) -> AppResult<()>;
}

/// The built-in CRM's records and the event stream (sub-accounts on the built-in CRM only).
#[async_trait]
pub trait RecordsPort: Send + Sync {
    async fn records(&self, user: &SessionUser, sub_account: &SubAccountId, module: Module) -> AppResult<RecordList>;
    /// A record and its history; with no `id`, what a new record's page needs.
    async fn record(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        module: Module,
        id: Option<&str>,
    ) -> AppResult<RecordDetail>;
    async fn save_record(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        module: Module,
        save: RecordSave<'_>,
    ) -> AppResult<String>;
    async fn convert_lead(&self, user: &SessionUser, sub_account: &SubAccountId, lead_id: &str) -> AppResult<String>;
    /// The sub-account's events, newest first; filtering is for admins.
    async fn activity(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        module: Option<Module>,
        event_type: Option<EventType>,
    ) -> AppResult<ActivityList>;
}

/// How a sub-account sends its workflows' email, SMS and WhatsApp (admins only). A password or
/// token left empty keeps the saved one.
#[async_trait]
pub trait MessagingPort: Send + Sync {
    async fn save_email_settings(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        settings: EmailSettings,
        password: Option<String>,
    ) -> AppResult<()>;
    async fn save_twilio_settings(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        settings: TwilioSettings,
        token: Option<String>,
    ) -> AppResult<()>;
}

/// The Workflows screens (admins only: a workflow's settings may hold credentials) and the
/// notifications of the signed-in member.
#[async_trait]
pub trait WorkflowsPort: Send + Sync {
    async fn workflow_rows(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        module: Option<TriggerModule>,
    ) -> AppResult<Vec<WorkflowRow>>;
    async fn workflow_editor(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        workflow: Option<&WorkflowId>,
    ) -> AppResult<WorkflowEditorData>;
    async fn save_workflow(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        workflow: Option<&WorkflowId>,
        body: &serde_json::Value,
    ) -> AppResult<Workflow>;
    async fn toggle_workflow(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        workflow: &WorkflowId,
        active: bool,
    ) -> AppResult<()>;
    async fn delete_workflow(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        workflow: &WorkflowId,
    ) -> AppResult<()>;
    async fn run_history(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        workflow: &WorkflowId,
        page: i64,
    ) -> AppResult<RunHistory>;
    async fn run_detail(&self, user: &SessionUser, sub_account: &SubAccountId, run: &RunId) -> AppResult<RunDetail>;
    async fn retry_run(&self, user: &SessionUser, sub_account: &SubAccountId, run: &RunId) -> AppResult<()>;
    async fn notifications(&self, user: &SessionUser, sub_account: &SubAccountId) -> AppResult<NotificationList>;
    async fn unread_notifications(&self, user: &SessionUser, sub_account: &SubAccountId) -> AppResult<i64>;
    /// One notification, or with none every one, read.
    async fn mark_read(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        notification: Option<&str>,
    ) -> AppResult<()>;
}

/// Everything the app needs from the server, as one object in the Leptos context.
pub trait Backend:
    AuthPort
    + SubAccountsPort
    + TemplatesPort
    + SettingsPort
    + TriggersPort
    + InboxPort
    + CrmViewPort
    + RecordsPort
    + ApiKeysPort
    + MessagingPort
    + WorkflowsPort
{
}

impl<T> Backend for T where
    T: AuthPort
        + SubAccountsPort
        + TemplatesPort
        + SettingsPort
        + TriggersPort
        + InboxPort
        + CrmViewPort
        + RecordsPort
        + ApiKeysPort
        + MessagingPort
        + WorkflowsPort
{
}

pub type SharedBackend = Arc<dyn Backend>;
