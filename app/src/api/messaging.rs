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

/// The email form's boxes, as typed.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
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

/// The Twilio form's boxes, as typed.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct TwilioForm {
    pub account_sid: String,
    pub auth_token: String,
    pub sms_from: String,
    pub whatsapp_from: String,
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
