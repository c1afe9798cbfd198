//! Adding and removing triggers.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::error::AppError;
use super::types::TriggerView;
use crate::model::{SubAccountId, TriggerConfig, TriggerId};

#[server(prefix = "/api", endpoint = "triggers/add", input = Json)]
pub async fn add_trigger(sub_account: SubAccountId, config: TriggerConfig) -> Result<TriggerView, AppError> {
    use super::session::{backend, current_user};
    backend()?.add_trigger(&current_user().await?, &sub_account, config).await
}

#[server(prefix = "/api", endpoint = "triggers/remove")]
pub async fn remove_trigger(sub_account: SubAccountId, trigger_id: TriggerId) -> Result<(), AppError> {
    use super::session::{backend, current_user};
    backend()?.remove_trigger(&current_user().await?, &sub_account, &trigger_id).await
}
