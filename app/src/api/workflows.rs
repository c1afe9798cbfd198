//! The Workflows screens (admins): the list, the editor, run history and run detail, and
//! everyone's notification bell. The screens call the same service as the REST API, checked by
//! the same model; the enable/disable, delete, retry and mark-read buttons are plain form posts
//! that work without JavaScript.

use serde::{Deserialize, Serialize};

use super::error::AppError;
use crate::model::workflow::history::{Run, RunPage, RunStatus};
use crate::model::workflow::{CatalogData, Workflow};
use crate::model::{EventType, RunId, SubAccountId, TriggerModule, WorkflowId};
use leptos::prelude::*;

/// A row of the workflows list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkflowRow {
    pub id: WorkflowId,
    pub name: String,
    pub description: String,
    pub module: TriggerModule,
    pub trigger: EventType,
    pub is_active: bool,
    pub version: i64,
    pub actions: usize,
    pub runs: i64,
    pub last_run: Option<LastRun>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LastRun {
    pub id: RunId,
    pub status: RunStatus,
    /// In the sub-account's time zone (`2026-12-01 15:46 CST`).
    pub started_at: String,
}

/// What the editor needs: the workflow (none for a new one) and what it may name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkflowEditorData {
    pub workflow: Option<Workflow>,
    pub catalog: CatalogData,
}

/// A page of a workflow's runs, with the workflow's name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunHistory {
    pub workflow: WorkflowId,
    pub name: String,
    pub runs: RunPage,
}

/// A run with its steps, and the workflow it ran (`None` once deleted).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunDetail {
    pub run: Run,
    pub workflow_name: Option<String>,
    /// The workflow's version now (a retry still runs the run's own), and whether it is on
    /// (a switched-off workflow's runs are not retried).
    pub current: Option<(i64, bool)>,
}

/// One notification, as its recipient sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotificationView {
    pub id: String,
    pub title: String,
    pub message: String,
    pub link: Option<String>,
    /// In the sub-account's time zone, for reading.
    pub created_at: String,
    pub read: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotificationList {
    pub items: Vec<NotificationView>,
    pub unread: i64,
}

#[server(prefix = "/api", endpoint = "workflows/list")]
pub async fn list_workflows(
    sub_account: SubAccountId,
    module: Option<TriggerModule>,
) -> Result<Vec<WorkflowRow>, AppError> {
    use super::session::{backend, current_user};
    backend()?.workflow_rows(&current_user().await?, &sub_account, module).await
}

/// The workflow to edit, or with none what a new one needs.
#[server(prefix = "/api", endpoint = "workflows/editor")]
pub async fn workflow_editor(
    sub_account: SubAccountId,
    workflow: Option<WorkflowId>,
) -> Result<WorkflowEditorData, AppError> {
    use super::session::{backend, current_user};
    backend()?.workflow_editor(&current_user().await?, &sub_account, workflow.as_ref()).await
}

/// Saves the editor's workflow (the REST API's body, as JSON text): a new workflow without
/// `workflow`, else its next version; a `version` in the body that is not the current one
/// answers a conflict.
#[server(prefix = "/api", endpoint = "workflows/save")]
pub async fn save_workflow(
    sub_account: SubAccountId,
    workflow: Option<WorkflowId>,
    body: String,
) -> Result<Workflow, AppError> {
    use super::session::{backend, current_user};
    let body = serde_json::from_str(&body).map_err(|error| AppError::BadRequest(format!("{error}.")))?;
    backend()?.save_workflow(&current_user().await?, &sub_account, workflow.as_ref(), &body).await
}

#[server(prefix = "/api", endpoint = "workflows/toggle")]
pub async fn toggle_workflow(sub_account: SubAccountId, workflow: WorkflowId, active: bool) -> Result<(), AppError> {
    use super::session::{backend, current_user};
    backend()?.toggle_workflow(&current_user().await?, &sub_account, &workflow, active).await
}

#[server(prefix = "/api", endpoint = "workflows/delete")]
pub async fn delete_workflow(sub_account: SubAccountId, workflow: WorkflowId) -> Result<(), AppError> {
    use super::session::{backend, current_user};
    backend()?.delete_workflow(&current_user().await?, &sub_account, &workflow).await
}

#[server(prefix = "/api", endpoint = "workflows/runs")]
pub async fn workflow_runs(sub_account: SubAccountId, workflow: WorkflowId, page: i64) -> Result<RunHistory, AppError> {
    use super::session::{backend, current_user};
    backend()?.run_history(&current_user().await?, &sub_account, &workflow, page).await
}

#[server(prefix = "/api", endpoint = "workflows/run")]
pub async fn workflow_run(sub_account: SubAccountId, run: RunId) -> Result<RunDetail, AppError> {
    use super::session::{backend, current_user};
    backend()?.run_detail(&current_user().await?, &sub_account, &run).await
}

/// Runs a failed run again from the step that failed.
#[server(prefix = "/api", endpoint = "workflows/retry")]
pub async fn retry_run(sub_account: SubAccountId, run: RunId) -> Result<(), AppError> {
    use super::session::{backend, current_user};
    backend()?.retry_run(&current_user().await?, &sub_account, &run).await
}

#[server(prefix = "/api", endpoint = "notifications/list")]
pub async fn notifications(sub_account: SubAccountId) -> Result<NotificationList, AppError> {
    use super::session::{backend, current_user};
    backend()?.notifications(&current_user().await?, &sub_account).await
}

#[server(prefix = "/api", endpoint = "notifications/unread")]
pub async fn unread_notifications(sub_account: SubAccountId) -> Result<i64, AppError> {
    use super::session::{backend, current_user};
    backend()?.unread_notifications(&current_user().await?, &sub_account).await
}

/// Marks one notification read, or with none all of them.
#[server(prefix = "/api", endpoint = "notifications/read")]
pub async fn mark_read(sub_account: SubAccountId, notification: Option<String>) -> Result<(), AppError> {
    use super::session::{backend, current_user};
    backend()?.mark_read(&current_user().await?, &sub_account, notification.as_deref()).await
}
