//! A sub-account's settings: what its CRM offers, its triggers, its number format.

use super::error::AppError;
use super::types::SettingsData;
use crate::model::SubAccountId;
#[cfg(feature = "ssr")]
use crate::model::{NumberFormat, locale::UnknownTag};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "settings/load")]
pub async fn load_settings(sub_account: SubAccountId) -> Result<SettingsData, AppError> {
    use super::session::{backend, current_user};
    backend()?.settings(&current_user().await?, &sub_account).await
}

/// Reads the pipelines, stages and custom fields from the CRM again (admins). Posted by a plain
/// form, so the settings page reloads with what the CRM has now.
#[server(prefix = "/api", endpoint = "settings/refresh-crm")]
pub async fn refresh_crm(sub_account: SubAccountId) -> Result<(), AppError> {
    use super::session::{backend, current_user};
    backend()?.refresh_crm(&current_user().await?, &sub_account).await
}

/// Sets how the sub-account writes numbers and money (admins). Posted by a plain form, like the
/// refresh: the settings page reloads showing the new format.
#[server(prefix = "/api", endpoint = "settings/number-format")]
pub async fn save_number_format(sub_account: SubAccountId, locale: String, currency: String) -> Result<(), AppError> {
    use super::session::{backend, current_user};
    let format = NumberFormat {
        locale: locale.parse().map_err(|e: UnknownTag| AppError::BadRequest(e.to_string()))?,
        currency: currency.parse().map_err(|e: UnknownTag| AppError::BadRequest(e.to_string()))?,
    };
    backend()?.set_number_format(&current_user().await?, &sub_account, format).await
}
