//! The built-in CRM: its pipeline board, contacts, and the events it fires.

use leptos::prelude::*;

use super::error::AppError;
use super::types::{ContactDetail, CrmBoard};
use crate::model::{ContactId, OpportunityId, SubAccountId};

#[server(prefix = "/api", endpoint = "crm/board")]
pub async fn load_crm_board(sub_account: SubAccountId) -> Result<CrmBoard, AppError> {
    use super::session::{backend, current_user};
    backend()?.crm_board(&current_user().await?, &sub_account).await
}

#[server(prefix = "/api", endpoint = "crm/contact")]
pub async fn load_contact(sub_account: SubAccountId, contact_id: ContactId) -> Result<ContactDetail, AppError> {
    use super::session::{backend, current_user};
    backend()?.contact(&current_user().await?, &sub_account, &contact_id).await
}

#[server(prefix = "/api", endpoint = "crm/move_opportunity")]
pub async fn move_opportunity(
    sub_account: SubAccountId,
    opportunity_id: OpportunityId,
    stage_id: String,
) -> Result<(), AppError> {
    use super::session::{backend, current_user};
    backend()?.move_opportunity(&current_user().await?, &sub_account, &opportunity_id, &stage_id).await
}

#[server(prefix = "/api", endpoint = "crm/log_call")]
pub async fn log_call(
    sub_account: SubAccountId,
    contact_id: ContactId,
    summary: String,
    transcript: String,
) -> Result<(), AppError> {
    use super::session::{backend, current_user};
    backend()?.log_call(&current_user().await?, &sub_account, &contact_id, &summary, &transcript).await
}
