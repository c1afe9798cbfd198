//! How a sub-account sends the messages its workflows write: email through its own SMTP
//! server, SMS and WhatsApp through its own Twilio account. Settings are checked here, once,
//! for the Settings page and for the server that stores them. Passwords and tokens are never
//! part of these types: the server seals them at rest and only says whether one is saved.

use serde::{Deserialize, Serialize};

use super::record::is_email;
use super::workflow::actions::is_phone_number;

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (port 587), which must succeed.
    #[default]
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the server's own network.
    None,
}

impl SmtpSecurity {
    pub const ALL: [SmtpSecurity; 3] = [SmtpSecurity::StartTls, SmtpSecurity::Tls, SmtpSecurity::None];

    pub fn as_str(self) -> &'static str {
        match self {
            SmtpSecurity::StartTls => "starttls",
            SmtpSecurity::Tls => "tls",
            SmtpSecurity::None => "none",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SmtpSecurity::StartTls => "STARTTLS (usually port 587)",
            SmtpSecurity::Tls => "TLS (usually port 465)",
            SmtpSecurity::None => "None (a relay on your own network)",
        }
    }

    pub fn parse(text: &str) -> Option<SmtpSecurity> {
        SmtpSecurity::ALL.into_iter().find(|security| security.as_str() == text)
    }
}

/// A sub-account's SMTP server and sender.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// Empty when the server takes mail without signing in.
    pub username: String,
    /// The sender's address, as recipients see it.
    pub from_address: String,
    /// The sender's name; may be empty.
    pub from_name: String,
    /// Whether a password is saved (it is never sent back).
    pub has_password: bool,
}

/// A sub-account's Twilio account and the numbers it sends from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwilioSettings {
    pub account_sid: String,
    /// The number SMS are sent from (E.164); empty when the account sends no SMS.
    pub sms_from: String,
    /// The WhatsApp sender (E.164, without `whatsapp:`); empty when it sends no WhatsApp.
    pub whatsapp_from: String,
    /// Whether an auth token is saved (it is never sent back).
    pub has_token: bool,
}

/// A box of the email or Twilio settings form, for a problem to stand beside.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingsField {
    Host,
    Port,
    Security,
    Username,
    Password,
    FromAddress,
    FromName,
    AccountSid,
    AuthToken,
    SmsFrom,
    WhatsappFrom,
}

impl SettingsField {
    /// The `id` of the field's box on the Settings page.
    pub fn input_id(self) -> &'static str {
        match self {
            SettingsField::Host => "smtp-host",
            SettingsField::Port => "smtp-port",
            SettingsField::Security => "smtp-security",
            SettingsField::Username => "smtp-username",
            SettingsField::Password => "smtp-password",
            SettingsField::FromAddress => "smtp-from",
            SettingsField::FromName => "smtp-from-name",
            SettingsField::AccountSid => "twilio-sid",
            SettingsField::AuthToken => "twilio-token",
            SettingsField::SmsFrom => "twilio-sms",
            SettingsField::WhatsappFrom => "twilio-whatsapp",
        }
    }
}

/// One thing wrong with messaging settings: a sentence naming the field, and the field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsProblem {
    pub field: SettingsField,
    pub message: String,
}

impl SettingsProblem {
    pub fn new(field: SettingsField, message: impl Into<String>) -> Self {
        SettingsProblem { field, message: message.into() }
    }
}

impl std::fmt::Display for SettingsProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// What the Settings page shows of a sub-account's messaging.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagingSettings {
    pub email: Option<EmailSettings>,
    pub twilio: Option<TwilioSettings>,
}

/// A host name or an IP address as people write one (no scheme, port or path).
fn is_host(text: &str) -> bool {
    let host = text.trim_start_matches('[').trim_end_matches(']');
    !host.is_empty()
        && host.len() <= 253
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
        && !host.starts_with(['.', '-'])
}

/// Why a user name needs STARTTLS or TLS (`EmailSettings::signs_in_unencrypted`).
pub const SIGN_IN_NEEDS_TLS: &str = "Security: a user name and password are sent only over STARTTLS or TLS. \
    Choose one of them, or leave the user name empty for a server that takes mail without signing in.";

impl EmailSettings {
    /// Whether a password saved with `saved` may be sent with these settings: only to the
    /// server, port and security it was saved for, as the same user. Change any of them and
    /// the password must be given again, so no one can send the saved one somewhere else.
    pub fn keeps_password_of(&self, saved: &EmailSettings) -> bool {
        saved.has_password
            && self.host.trim().eq_ignore_ascii_case(saved.host.trim())
            && self.port == saved.port
            && self.security == saved.security
            && self.username == saved.username
    }

    /// Whether a user name and password would go over an unencrypted connection.
    pub fn signs_in_unencrypted(&self) -> bool {
        self.security == SmtpSecurity::None && !self.username.trim().is_empty()
    }

    /// Everything wrong with the settings, each as a sentence naming the field.
    pub fn problems(&self, password_given: bool) -> Vec<SettingsProblem> {
        use SettingsField as F;
        let mut problems = Vec::new();
        if !is_host(self.host.trim()) {
            problems.push(SettingsProblem::new(
                F::Host,
                "Server: enter the SMTP server's host name, like smtp.example.com.",
            ));
        }
        if self.port == 0 {
            problems.push(SettingsProblem::new(F::Port, "Port: enter a port from 1 to 65535, like 587."));
        }
        if !is_email(self.from_address.trim()) {
            let message = format!("From address: “{}” is not an email address.", self.from_address.trim());
            problems.push(SettingsProblem::new(F::FromAddress, message));
        }
        if self.from_name.chars().any(char::is_control) || self.from_name.chars().count() > 100 {
            problems.push(SettingsProblem::new(F::FromName, "From name: one line of at most 100 characters."));
        }
        if self.username.chars().any(char::is_control) {
            problems.push(SettingsProblem::new(F::Username, "User name: one line."));
        }
        if !self.username.trim().is_empty() && !password_given && !self.has_password {
            problems.push(SettingsProblem::new(
                F::Password,
                "Password: required with a user name (a saved one is kept only while the server, port, security \
                 and user name stay as they were).",
            ));
        }
        problems
    }
}

/// `AC` and 32 hexadecimal digits.
pub fn is_account_sid(text: &str) -> bool {
    text.len() == 34 && text.starts_with("AC") && text[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

impl TwilioSettings {
    /// Everything wrong with the settings, each as a sentence naming the field.
    pub fn problems(&self, token_given: bool) -> Vec<SettingsProblem> {
        use SettingsField as F;
        let mut problems = Vec::new();
        if !is_account_sid(self.account_sid.trim()) {
            let message = "Account SID: it starts with AC and has 34 characters (see the Twilio console).";
            problems.push(SettingsProblem::new(F::AccountSid, message));
        }
        if !token_given && !self.has_token {
            problems.push(SettingsProblem::new(F::AuthToken, "Auth token: required."));
        }
        for (field, label, number) in
            [(F::SmsFrom, "SMS number", &self.sms_from), (F::WhatsappFrom, "WhatsApp number", &self.whatsapp_from)]
        {
            let number = number.trim();
            if !number.is_empty() && !is_phone_number(number) {
                let message = format!("{label}: “{number}” is not in international form, like +14155550100.");
                problems.push(SettingsProblem::new(field, message));
            }
        }
        if self.sms_from.trim().is_empty() && self.whatsapp_from.trim().is_empty() {
            let message = "Enter the number SMS are sent from, the WhatsApp number, or both.";
            problems.push(SettingsProblem::new(F::SmsFrom, message));
        }
        problems
    }
}
