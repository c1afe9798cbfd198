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
    pub fn problems(&self, password_given: bool) -> Vec<String> {
        let mut problems = Vec::new();
        if !is_host(self.host.trim()) {
            problems.push("Server: enter the SMTP server's host name, like smtp.example.com.".to_owned());
        }
        if self.port == 0 {
            problems.push("Port: enter a port from 1 to 65535, like 587.".to_owned());
        }
        if !is_email(self.from_address.trim()) {
            problems.push(format!("From address: “{}” is not an email address.", self.from_address.trim()));
        }
        if self.from_name.chars().any(char::is_control) || self.from_name.chars().count() > 100 {
            problems.push("From name: one line of at most 100 characters.".to_owned());
        }
        if self.username.chars().any(char::is_control) {
            problems.push("User name: one line.".to_owned());
        }
        if !self.username.trim().is_empty() && !password_given && !self.has_password {
            problems.push(
                "Password: required with a user name (a saved one is kept only while the server, port, security \
                 and user name stay as they were)."
                    .to_owned(),
            );
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
    pub fn problems(&self, token_given: bool) -> Vec<String> {
        let mut problems = Vec::new();
        if !is_account_sid(self.account_sid.trim()) {
            problems.push("Account SID: it starts with AC and has 34 characters (see the Twilio console).".to_owned());
        }
        if !token_given && !self.has_token {
            problems.push("Auth token: required.".to_owned());
        }
        for (label, number) in [("SMS number", &self.sms_from), ("WhatsApp number", &self.whatsapp_from)] {
            let number = number.trim();
            if !number.is_empty() && !is_phone_number(number) {
                problems.push(format!("{label}: “{number}” is not in international form, like +14155550100."));
            }
        }
        if self.sms_from.trim().is_empty() && self.whatsapp_from.trim().is_empty() {
            problems.push("Enter the number SMS are sent from, the WhatsApp number, or both.".to_owned());
        }
        problems
    }
}
