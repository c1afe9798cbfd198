//! Messaging settings (admins): the SMTP server and the Twilio account a sub-account's
//! workflows send with. Posted by plain forms to the Settings page's own address
//! (`POST /s/{sub_account}/settings`): saved, the page loads again showing what was saved;
//! refused, it is rendered again with everything as typed, each problem beside its field —
//! except the secrets, which are never sent back. The client carries no code for them.

use serde::Deserialize;

use crate::model::messaging::SettingsProblem;
#[cfg(feature = "ssr")]
use crate::model::messaging::{EmailSettings, SmtpSecurity, TwilioSettings};

/// One of the two forms as posted; `save` names which.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "save", rename_all = "lowercase")]
pub enum MessagingForm {
    Email(EmailForm),
    Twilio(TwilioForm),
}

/// The email form's boxes, as typed. (`Debug` leaves the password out.)
#[derive(Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct EmailForm {
    pub host: String,
    pub port: String,
    pub security: String,
    pub username: String,
    pub password: String,
    pub from_address: String,
    pub from_name: String,
}

/// The Twilio form's boxes, as typed. (`Debug` leaves the token out.)
#[derive(Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct TwilioForm {
    pub account_sid: String,
    pub auth_token: String,
    pub sms_from: String,
    pub whatsapp_from: String,
}

impl std::fmt::Debug for EmailForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailForm")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &if self.password.is_empty() { "" } else { "(typed)" })
            .field("from_address", &self.from_address)
            .field("from_name", &self.from_name)
            .finish()
    }
}

impl std::fmt::Debug for TwilioForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioForm")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &if self.auth_token.is_empty() { "" } else { "(typed)" })
            .field("sms_from", &self.sms_from)
            .field("whatsapp_from", &self.whatsapp_from)
            .finish()
    }
}

/// A save the server refused, for the Settings page it renders again: the form as typed with
/// its secret emptied (`secret_typed` says one was typed, and was not kept), the problems by
/// field, or a message for what is no one field's.
#[derive(Clone, Debug, PartialEq)]
pub struct RefusedMessaging {
    pub form: MessagingForm,
    pub secret_typed: bool,
    pub problems: Vec<SettingsProblem>,
    pub message: Option<String>,
}

impl RefusedMessaging {
    pub fn new(mut form: MessagingForm, problems: Vec<SettingsProblem>, message: Option<String>) -> Self {
        let secret = match &mut form {
            MessagingForm::Email(email) => &mut email.password,
            MessagingForm::Twilio(twilio) => &mut twilio.auth_token,
        };
        let secret_typed = !std::mem::take(secret).is_empty();
        RefusedMessaging { form, secret_typed, problems, message }
    }

    /// The refused email form, if it was that one.
    pub fn email(&self) -> Option<&EmailForm> {
        match &self.form {
            MessagingForm::Email(email) => Some(email),
            MessagingForm::Twilio(_) => None,
        }
    }

    /// The refused Twilio form, if it was that one.
    pub fn twilio(&self) -> Option<&TwilioForm> {
        match &self.form {
            MessagingForm::Twilio(twilio) => Some(twilio),
            MessagingForm::Email(_) => None,
        }
    }
}

/// A secret box left empty keeps the saved secret.
#[cfg(feature = "ssr")]
fn given(secret: &str) -> Option<String> {
    (!secret.is_empty()).then(|| secret.to_owned())
}

#[cfg(feature = "ssr")]
impl EmailForm {
    /// The settings and the password to save; a port that is no number reads as 0, which the
    /// model refuses by name (the page shows what was typed).
    pub fn settings(&self) -> Result<(EmailSettings, Option<String>), SettingsProblem> {
        use crate::model::messaging::SettingsField;
        let security = SmtpSecurity::parse(&self.security).ok_or_else(|| {
            SettingsProblem::new(
                SettingsField::Security,
                format!("Security: “{}” is not one of the choices.", self.security),
            )
        })?;
        let settings = EmailSettings {
            host: self.host.trim().to_owned(),
            port: self.port.trim().parse::<u16>().unwrap_or(0),
            security,
            username: self.username.trim().to_owned(),
            from_address: self.from_address.trim().to_owned(),
            from_name: self.from_name.trim().to_owned(),
            has_password: false,
        };
        Ok((settings, given(&self.password)))
    }
}

#[cfg(feature = "ssr")]
impl TwilioForm {
    /// The settings and the token to save.
    pub fn settings(&self) -> (TwilioSettings, Option<String>) {
        let settings = TwilioSettings {
            account_sid: self.account_sid.trim().to_owned(),
            sms_from: self.sms_from.trim().to_owned(),
            whatsapp_from: self.whatsapp_from.trim().trim_start_matches("whatsapp:").to_owned(),
            has_token: false,
        };
        (settings, given(&self.auth_token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A typed secret never reaches a log line through `Debug`.
    #[test]
    fn debug_leaves_typed_secrets_out() {
        let email =
            EmailForm { host: "smtp.example.com".into(), password: "hunter2-secret".into(), ..Default::default() };
        let twilio = TwilioForm { account_sid: "AC1".into(), auth_token: "tok-secret".into(), ..Default::default() };
        let shown = format!("{email:?} {twilio:?}");
        assert!(shown.contains("smtp.example.com") && shown.contains("(typed)"), "{shown}");
        assert!(!shown.contains("hunter2-secret") && !shown.contains("tok-secret"), "{shown}");
    }
}
