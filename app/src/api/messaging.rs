//! Messaging settings (admins): the SMTP server and the Twilio account a sub-account's
//! workflows send with. Posted by plain forms, like the number format: the settings page
//! reloads showing what was saved, and the client carries no code for it.

use super::error::AppError;
use crate::model::SubAccountId;
#[cfg(feature = "ssr")]
use crate::model::messaging::{EmailSettings, SmtpSecurity, TwilioSettings};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A secret field left empty keeps the saved secret.
#[cfg(feature = "ssr")]
fn given(secret: String) -> Option<String> {
    (!secret.is_empty()).then_some(secret)
}

/// The email form as posted: its inputs are named `email[host]`, `email[port]`, ….
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct EmailForm {
    pub host: String,
    pub port: String,
    pub security: String,
    pub username: String,
    pub password: String,
    pub from_address: String,
    pub from_name: String,
}

#[server(prefix = "/api", endpoint = "settings/email")]
pub async fn save_email_settings(sub_account: SubAccountId, email: EmailForm) -> Result<(), AppError> {
    use super::session::{backend, current_user};
    let security = SmtpSecurity::parse(&email.security)
        .ok_or_else(|| AppError::BadRequest(format!("Security: “{}” is not one of the choices.", email.security)))?;
    let settings = EmailSettings {
        host: email.host.trim().to_owned(),
        port: email.port.trim().parse::<u16>().unwrap_or(0),
        security,
        username: email.username.trim().to_owned(),
        from_address: email.from_address.trim().to_owned(),
        from_name: email.from_name.trim().to_owned(),
        has_password: false,
    };
    backend()?.save_email_settings(&current_user().await?, &sub_account, settings, given(email.password)).await
}

#[server(prefix = "/api", endpoint = "settings/twilio")]
pub async fn save_twilio_settings(
    sub_account: SubAccountId,
    account_sid: String,
    auth_token: String,
    sms_from: String,
    whatsapp_from: String,
) -> Result<(), AppError> {
    use super::session::{backend, current_user};
    let settings = TwilioSettings {
        account_sid: account_sid.trim().to_owned(),
        sms_from: sms_from.trim().to_owned(),
        whatsapp_from: whatsapp_from.trim().trim_start_matches("whatsapp:").to_owned(),
        has_token: false,
    };
    backend()?.save_twilio_settings(&current_user().await?, &sub_account, settings, given(auth_token)).await
}
