//! API keys (admins): the credentials of the REST API, made, listed and revoked in Settings.

use super::error::AppError;
use super::types::{ApiKeyView, NewApiKey};
use crate::model::SubAccountId;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "api-keys/list")]
pub async fn list_api_keys(sub_account: SubAccountId) -> Result<Vec<ApiKeyView>, AppError> {
    use super::session::{backend, current_user};
    backend()?.api_keys(&current_user().await?, &sub_account).await
}

/// Makes a key: the answer is the only time its secret is shown.
#[server(prefix = "/api", endpoint = "api-keys/create")]
pub async fn create_api_key(sub_account: SubAccountId, name: String) -> Result<NewApiKey, AppError> {
    use super::session::{backend, current_user};
    backend()?.create_api_key(&current_user().await?, &sub_account, &name).await
}

#[server(prefix = "/api", endpoint = "api-keys/revoke")]
pub async fn revoke_api_key(sub_account: SubAccountId, key_id: String) -> Result<(), AppError> {
    use super::session::{backend, current_user};
    backend()?.revoke_api_key(&current_user().await?, &sub_account, &key_id).await
}
