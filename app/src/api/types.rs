//! What server functions send to the browser. These are wire types: no database rows and no
//! secrets, and times arrive already formatted in the sub-account's time zone.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use crate::model::form::FormStatus;
use crate::model::id::{ContactId, FormId, OpportunityId, SubAccountId, TemplateId, TriggerId, UserId};
pub use crate::model::locale::FormatOrigin;
use crate::model::messaging::MessagingSettings;
pub use crate::model::role::Role;
use crate::model::trigger::FieldMapping;
pub use crate::model::writeback::{WritebackKind, WritebackResult, WritebackState};
use crate::model::{
    Answers, CleanAnswer, CrmField, Field, FieldError, NumberFormat, Pipeline, Template, TriggerEvent, Writebacks,
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub agency_name: String,
}

impl SessionUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubAccountSummary {
    pub id: SubAccountId,
    pub name: String,
    /// Its pending forms, counted only for the agency page's list: every other page opens the
    /// sub-account with a lookup that costs the same however many forms it holds.
    pub pending_forms: Option<i64>,
    /// Whether its CRM is the built-in one (with OpsFlow's CRM pages); false when it is HighLevel.
    pub builtin_crm: bool,
    /// How its people write numbers and money.
    pub number_format: NumberFormat,
    /// The signed-in member's unread notifications, counted when the sub-account is opened
    /// (the bell); not on the agency page's list.
    pub unread_notifications: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TemplateSummary {
    pub id: TemplateId,
    pub name: String,
    pub version: i64,
    pub field_count: usize,
    pub pending_forms: i64,
    /// How many pending forms each version has, oldest version first: forms keep the version
    /// they were created from, so after a save some may still use an older one.
    pub pending_versions: Vec<PendingVersion>,
    pub trigger_count: i64,
    pub updated_at: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingVersion {
    pub version: i64,
    pub forms: i64,
}

/// A template a trigger can use, with its fields so the settings page can offer mappings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TemplateChoice {
    pub id: TemplateId,
    pub name: String,
    pub fields: Vec<Field>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TriggerView {
    pub id: TriggerId,
    pub event: TriggerEvent,
    /// `Pipeline › Stage` or `Call Completed`.
    pub event_label: String,
    pub template_id: TemplateId,
    pub template_name: String,
    pub writebacks: Writebacks,
    /// The stage name of a pipeline move, for display.
    pub move_to_label: Option<String>,
}

/// Everything the Settings page needs in one round trip.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SettingsData {
    /// Where the pipelines and fields come from: "HighLevel" for a connected sub-account
    /// (cached there, so settings offer a refresh), `None` for the built-in CRM.
    pub crm_source: Option<String>,
    pub pipelines: Vec<Pipeline>,
    pub crm_fields: Vec<CrmField>,
    pub templates: Vec<TemplateChoice>,
    pub triggers: Vec<TriggerView>,
    /// How the sub-account writes numbers and money, and what decided it.
    pub number_format: NumberFormat,
    pub number_format_origin: FormatOrigin,
    /// The REST API's keys (admins; empty for staff).
    pub api_keys: Vec<ApiKeyView>,
    /// How workflows send messages (admins; `None` for staff).
    pub messaging: Option<MessagingView>,
}

/// A sub-account's messaging settings as Settings shows them to admins.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessagingView {
    pub settings: MessagingSettings,
    /// Whether this server has a secret key to seal passwords and tokens with.
    pub can_keep_secrets: bool,
}

/// An API key as Settings lists it: never its secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: String,
    pub name: String,
    /// The key's first characters, to tell keys apart (`opsf_AbC1`).
    pub prefix: String,
    pub created_by: String,
    /// When it was made, and last used (if ever), in the sub-account's zone.
    pub created_at: String,
    pub last_used_at: Option<String>,
    /// When it was revoked; a revoked key is refused.
    pub revoked_at: Option<String>,
    /// Its maker is no longer an admin of the sub-account: the key is refused until revoked
    /// (an admin makes a new one).
    pub maker_not_admin: bool,
}

/// A key just made: the only answer that carries its secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewApiKey {
    pub key: String,
    pub view: ApiKeyView,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingFormRow {
    pub id: FormId,
    pub contact_name: String,
    pub template_name: String,
    pub template_version: i64,
    pub context: String,
    pub created_at: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompletedFormRow {
    pub id: FormId,
    pub contact_name: String,
    pub template_name: String,
    pub submitted_by: String,
    pub submitted_at: String,
    pub writebacks: WritebacksOverview,
}

/// A completed form's writebacks at a glance: the inbox row's badge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WritebacksOverview {
    /// The trigger had none.
    None,
    AllDone,
    /// Some still running or waiting for a retry, none failed.
    Pending,
    /// At least one failed (an admin can retry it from the form).
    Failed,
}

/// Which forms an inbox tab lists: those matching a search (contact, template or who submitted
/// it) and a template, one page at a time.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InboxQuery {
    #[serde(default)]
    pub search: String,
    /// Empty for every template.
    #[serde(default)]
    pub template_id: TemplateId,
    /// From 1; 0 reads as the first page.
    #[serde(default)]
    pub page: u32,
}

impl InboxQuery {
    pub const PAGE_SIZE: u32 = 25;

    /// Whether it narrows the list (a search or a template chosen).
    pub fn is_filtered(&self) -> bool {
        !self.search.trim().is_empty() || !self.template_id.is_empty()
    }
}

/// One page of an inbox tab.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboxPage<T> {
    pub rows: Vec<T>,
    /// How many forms match, on all pages.
    pub total: u32,
    /// This page, from 1, and how many there are (at least 1).
    pub page: u32,
    pub pages: u32,
    /// The sub-account's templates, to filter by.
    pub templates: Vec<TemplateOption>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TemplateOption {
    pub id: TemplateId,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    pub submitted_by: String,
    pub submitted_at: String,
    pub answers: Vec<CleanAnswer>,
    pub writebacks: Vec<WritebackResult>,
    /// Whether the viewer may retry a failed writeback (admins).
    pub can_retry: bool,
}

/// One form, with the template version it was created from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormView {
    pub id: FormId,
    pub sub_account_id: SubAccountId,
    pub status: FormStatus,
    pub contact_id: ContactId,
    pub contact_name: String,
    pub context: String,
    pub created_at: String,
    pub template: Template,
    pub template_version: i64,
    pub submission: Option<Submission>,
    /// How the sub-account writes numbers and money: answers are read and shown this way.
    pub number_format: NumberFormat,
}

/// The hidden inputs with which a form posted without JavaScript says which number format its
/// page showed (dotted, so no field key can take them).
pub const READ_AS_LOCALE: &str = "read_as.locale";
pub const READ_AS_CURRENCY: &str = "read_as.currency";

/// A form posted without JavaScript that the server refused: the page shows it again with the
/// answers as sent and what was wrong, instead of an empty form.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RefusedSubmit {
    pub answers: Answers,
    pub errors: BTreeMap<String, FieldError>,
    /// Why, when it was not the answers (the form was gone, the CRM unreachable...).
    pub message: Option<String>,
}

/// A sign-in the server refused, for the sign-in page it renders again: the email as typed
/// (never the password) and why.
#[derive(Clone, Debug, PartialEq)]
pub struct RefusedSignIn {
    pub email: String,
    pub message: String,
}

/// The built-in CRM's pipeline board.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrmBoard {
    pub pipelines: Vec<PipelineBoard>,
    pub contacts: Vec<ContactRow>,
    /// How the deals' values are written.
    pub number_format: NumberFormat,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PipelineBoard {
    pub id: String,
    pub name: String,
    pub columns: Vec<StageColumn>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageColumn {
    pub stage_id: String,
    pub stage_name: String,
    pub opportunities: Vec<OpportunityCard>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpportunityCard {
    pub id: OpportunityId,
    pub name: String,
    pub contact_id: ContactId,
    pub contact_name: String,
    pub monetary_value: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContactRow {
    pub id: ContactId,
    pub name: String,
    pub email: String,
    pub phone: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContactDetail {
    pub id: ContactId,
    pub name: String,
    pub email: String,
    pub phone: String,
    /// (field name, value) for every custom field that has a value.
    pub custom_fields: Vec<(String, String)>,
    pub opportunities: Vec<ContactOpportunity>,
    pub notes: Vec<NoteView>,
    pub tasks: Vec<TaskView>,
    pub calls: Vec<CallView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContactOpportunity {
    pub id: OpportunityId,
    pub name: String,
    pub pipeline_name: String,
    pub stage_name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoteView {
    pub body: String,
    pub created_at: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskView {
    pub title: String,
    pub due_date: String,
    pub completed: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CallView {
    pub summary: String,
    pub created_at: String,
}

/// A template as the builder edits it: which template, which version the edit starts from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TemplateDraft {
    pub id: TemplateId,
    pub version: i64,
    pub template: Template,
}

/// The custom field mappings of the triggers that use a template, and the CRM fields they write
/// to: what the builder needs to show an edit that would break a writeback.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TemplateMappings {
    pub mappings: Vec<FieldMapping>,
    pub crm_fields: Vec<CrmField>,
}
