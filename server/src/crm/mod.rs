//! The CRM port: the operations OpsFlow performs on a CRM, shaped like HighLevel's v2 API
//! (`POST /contacts/{id}/notes`, `PUT /contacts/{id}` with `customFields`, `POST
//! /contacts/{id}/tasks`, `PUT /opportunities/{id}`, `GET /opportunities/pipelines`, `GET
//! /locations/{id}/customFields`, `GET /users/`). The writeback code talks only to this trait, so
//! the built-in CRM and the HighLevel client are interchangeable.

pub mod builtin;

use app::model::{Cause, ContactId, CrmField, CrmFieldValue, OpportunityId, Pipeline, SubAccountId};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// `NotesDTO`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewNote {
    pub body: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub id: String,
    pub body: String,
    pub contact_id: ContactId,
}

/// One entry of `UpdateContactDto.customFields`: `{ id, key, field_value }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomFieldUpdate {
    pub id: String,
    pub key: String,
    pub field_value: CrmFieldValue,
}

/// `CreateTaskParams`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewTask {
    pub title: String,
    pub body: String,
    /// ISO 8601 date-time, e.g. `2026-11-22T09:00:00Z`.
    pub due_date: String,
    pub completed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub id: String,
    pub title: String,
    pub body: String,
    pub due_date: String,
    pub contact_id: ContactId,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Opportunity {
    pub id: OpportunityId,
    pub name: String,
    pub pipeline_id: String,
    pub pipeline_stage_id: String,
    pub contact_id: ContactId,
    pub status: String,
    pub monetary_value: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub id: ContactId,
    pub name: String,
    pub email: String,
    pub phone: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrmUser {
    pub id: String,
    pub name: String,
    pub email: String,
}

/// Why a CRM call failed. `Rejected` is final (the CRM said no, as a 4xx would);
/// `Unavailable` may succeed later (a 5xx, a 429, a timeout).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CrmError {
    #[error("{0} was not found in the CRM")]
    NotFound(String),
    #[error("the CRM refused the change: {0}")]
    Rejected(String),
    #[error("the CRM is unavailable: {0}")]
    Unavailable(String),
}

pub type CrmResult<T> = Result<T, CrmError>;

/// CRM messages are written mid-sentence ("the CRM refused..."); shown on their own they start
/// with a capital.
pub fn sentence_case(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// A CRM as OpsFlow uses it, for one sub-account (HighLevel's location) at a time.
#[async_trait]
pub trait Crm: Send + Sync {
    async fn create_note(&self, sub_account: &SubAccountId, contact_id: &ContactId, note: &NewNote) -> CrmResult<Note>;
    /// Writes a contact's custom fields. `cause` is who asked, for the event a CRM that keeps
    /// an event stream (the built-in one) stores; HighLevel reports its own changes by webhook.
    async fn update_contact_custom_fields(
        &self,
        sub_account: &SubAccountId,
        contact_id: &ContactId,
        fields: &[CustomFieldUpdate],
        cause: &Cause,
    ) -> CrmResult<()>;
    async fn create_task(
        &self,
        sub_account: &SubAccountId,
        contact_id: &ContactId,
        task: &NewTask,
        cause: &Cause,
    ) -> CrmResult<Task>;
    /// The contact's notes (`GET /contacts/{id}/notes`): a retried note looks here first.
    async fn contact_notes(&self, sub_account: &SubAccountId, contact_id: &ContactId) -> CrmResult<Vec<Note>>;
    /// The contact's tasks (`GET /contacts/{id}/tasks`): a retried task looks here first.
    async fn contact_tasks(&self, sub_account: &SubAccountId, contact_id: &ContactId) -> CrmResult<Vec<Task>>;
    async fn get_opportunity(
        &self,
        sub_account: &SubAccountId,
        opportunity_id: &OpportunityId,
    ) -> CrmResult<Opportunity>;
    /// Moves an opportunity to a stage (`PUT /opportunities/{id}` with `pipelineId` and
    /// `pipelineStageId`).
    async fn move_opportunity(
        &self,
        sub_account: &SubAccountId,
        opportunity_id: &OpportunityId,
        pipeline_id: &str,
        stage_id: &str,
        cause: &Cause,
    ) -> CrmResult<Opportunity>;
    async fn get_contact(&self, sub_account: &SubAccountId, contact_id: &ContactId) -> CrmResult<Contact>;
    async fn pipelines(&self, sub_account: &SubAccountId) -> CrmResult<Vec<Pipeline>>;
    async fn custom_fields(&self, sub_account: &SubAccountId) -> CrmResult<Vec<CrmField>>;
    async fn users(&self, sub_account: &SubAccountId) -> CrmResult<Vec<CrmUser>>;
}
