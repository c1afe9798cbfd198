//! The sub-accounts a user belongs to.

use super::error::AppError;
use super::types::SubAccountSummary;
use crate::model::SubAccountId;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "sub_accounts/list")]
pub async fn list_sub_accounts() -> Result<Vec<SubAccountSummary>, AppError> {
    use super::session::{backend, current_user};
    backend()?.sub_accounts(&current_user().await?).await
}

#[server(prefix = "/api", endpoint = "sub_accounts/open")]
pub async fn open_sub_account(sub_account: SubAccountId) -> Result<SubAccountSummary, AppError> {
    use super::session::{backend, current_user};
    backend()?.open_sub_account(&current_user().await?, &sub_account).await
}
