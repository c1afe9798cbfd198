//! The inbox: pending and completed forms, opening one, and submitting it.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::error::AppError;
use super::types::{CompletedFormRow, FormView, InboxPage, InboxQuery, PendingFormRow, WritebackKind, WritebackResult};
use crate::model::{Answers, FormId, NumberFormat, SubAccountId};

#[server(prefix = "/api", endpoint = "forms/pending")]
pub async fn pending_forms(
    sub_account: SubAccountId,
    #[server(default)] query: InboxQuery,
) -> Result<InboxPage<PendingFormRow>, AppError> {
    use super::session::{backend, current_user};
    backend()?.pending_forms(&current_user().await?, &sub_account, &query).await
}

#[server(prefix = "/api", endpoint = "forms/completed")]
pub async fn completed_forms(
    sub_account: SubAccountId,
    #[server(default)] query: InboxQuery,
) -> Result<InboxPage<CompletedFormRow>, AppError> {
    use super::session::{backend, current_user};
    backend()?.completed_forms(&current_user().await?, &sub_account, &query).await
}

#[server(prefix = "/api", endpoint = "forms/get")]
pub async fn get_form(sub_account: SubAccountId, form_id: FormId) -> Result<FormView, AppError> {
    use super::session::{backend, current_user};
    backend()?.form(&current_user().await?, &sub_account, &form_id).await
}

#[server(prefix = "/api", endpoint = "forms/submit", input = Json)]
pub async fn submit_form(
    sub_account: SubAccountId,
    form_id: FormId,
    answers: Answers,
    /// The number format the answers were typed in (the form page's).
    #[server(default)]
    read_as: Option<NumberFormat>,
) -> Result<Vec<WritebackResult>, AppError> {
    use super::session::{backend, current_user};
    backend()?.submit_form(&current_user().await?, &sub_account, &form_id, answers, read_as).await
}

#[server(prefix = "/api", endpoint = "forms/retry-writeback")]
pub async fn retry_writeback(
    sub_account: SubAccountId,
    form_id: FormId,
    kind: WritebackKind,
) -> Result<Vec<WritebackResult>, AppError> {
    use super::session::{backend, current_user};
    backend()?.retry_writeback(&current_user().await?, &sub_account, &form_id, kind).await
}
