//! Sub-accounts and their triggers.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::error::AppError;
use super::types::{SettingsData, SubAccountSummary, TriggerView};
use crate::model::TriggerConfig;
#[cfg(feature = "ssr")]
use crate::model::{NumberFormat, locale::UnknownTag};

#[server(prefix = "/api", endpoint = "sub_accounts/list")]
pub async fn list_sub_accounts() -> Result<Vec<SubAccountSummary>, AppError> {
    use super::session::{backend, current_user};
    backend()?.sub_accounts(&current_user().await?).await
}

#[server(prefix = "/api", endpoint = "sub_accounts/open")]
pub async fn open_sub_account(sub_account: String) -> Result<SubAccountSummary, AppError> {
    use super::session::{backend, current_user};
    backend()?.open_sub_account(&current_user().await?, &sub_account).await
}

#[server(prefix = "/api", endpoint = "settings/load")]
pub async fn load_settings(sub_account: String) -> Result<SettingsData, AppError> {
    use super::session::{backend, current_user};
    backend()?.settings(&current_user().await?, &sub_account).await
}

/// Reads the pipelines, stages and custom fields from the CRM again (admins). Posted by a plain
/// form, so the settings page reloads with what the CRM has now.
#[server(prefix = "/api", endpoint = "settings/refresh-crm")]
pub async fn refresh_crm(sub_account: String) -> Result<(), AppError> {
    use super::session::{backend, current_user};
    backend()?.refresh_crm(&current_user().await?, &sub_account).await
}

/// Sets how the sub-account writes numbers and money (admins). Posted by a plain form, like the
/// refresh: the settings page reloads showing the new format.
#[server(prefix = "/api", endpoint = "settings/number-format")]
pub async fn save_number_format(sub_account: String, locale: String, currency: String) -> Result<(), AppError> {
    use super::session::{backend, current_user};
    let format = NumberFormat {
        locale: locale.parse().map_err(|e: UnknownTag| AppError::BadRequest(e.to_string()))?,
        currency: currency.parse().map_err(|e: UnknownTag| AppError::BadRequest(e.to_string()))?,
    };
    backend()?.set_number_format(&current_user().await?, &sub_account, format).await
}

#[server(prefix = "/api", endpoint = "triggers/add", input = Json)]
pub async fn add_trigger(sub_account: String, config: TriggerConfig) -> Result<TriggerView, AppError> {
    use super::session::{backend, current_user};
    backend()?.add_trigger(&current_user().await?, &sub_account, config).await
}

#[server(prefix = "/api", endpoint = "triggers/remove")]
pub async fn remove_trigger(sub_account: String, trigger_id: String) -> Result<(), AppError> {
    use super::session::{backend, current_user};
    backend()?.remove_trigger(&current_user().await?, &sub_account, &trigger_id).await
}
