//! Messaging settings: each problem named by its field.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use crate::model::messaging::{
    EmailSettings, SettingsField, SettingsProblem, SmtpSecurity, TwilioSettings, is_account_sid,
};

fn email() -> EmailSettings {
    EmailSettings {
        host: "smtp.example.com".to_owned(),
        port: 587,
        security: SmtpSecurity::StartTls,
        username: "ops".to_owned(),
        from_address: "ops@example.com".to_owned(),
        from_name: "Acme Ops".to_owned(),
        has_password: true,
    }
}

#[test]
fn email_settings_say_each_thing_wrong() {
    assert!(email().problems(false).is_empty());
    let broken = EmailSettings {
        host: "smtp://mail".to_owned(),
        port: 0,
        from_address: "ops at example".to_owned(),
        from_name: "two\nlines".to_owned(),
        has_password: false,
        ..email()
    };
    let problems = broken.problems(false);
    let labels: Vec<&str> = problems.iter().map(|p| p.message.split(':').next().unwrap_or_default()).collect();
    assert_eq!(labels, ["Server", "Port", "From address", "From name", "Password"]);
    let boxes: Vec<&str> = problems.iter().map(|p| p.field.input_id()).collect();
    assert_eq!(
        boxes,
        ["smtp-host", "smtp-port", "smtp-from", "smtp-from-name", "smtp-password"],
        "each beside its box"
    );
    // A password given with the save, or no user name at all, is enough.
    assert!(EmailSettings { has_password: false, ..email() }.problems(true).is_empty());
    assert!(EmailSettings { has_password: false, username: String::new(), ..email() }.problems(false).is_empty());
    for host in ["10.0.0.5", "[::1]", "mail-1.example.co.uk"] {
        assert!(EmailSettings { host: host.to_owned(), ..email() }.problems(false).is_empty(), "{host}");
    }
    assert_eq!(SmtpSecurity::parse("tls"), Some(SmtpSecurity::Tls));
    assert_eq!(SmtpSecurity::parse("ssl"), None);
}

#[test]
fn twilio_settings_need_an_account_a_token_and_a_number() {
    let sid = format!("AC{}", "0123456789abcdef".repeat(2));
    assert!(is_account_sid(&sid));
    assert!(!is_account_sid("AC123") && !is_account_sid(&format!("SM{}", &sid[2..])));
    let good = TwilioSettings {
        account_sid: sid.clone(),
        sms_from: "+14155550100".to_owned(),
        whatsapp_from: String::new(),
        has_token: false,
    };
    assert!(good.problems(true).is_empty());
    assert_eq!(good.problems(false), [SettingsProblem::new(SettingsField::AuthToken, "Auth token: required.")]);
    let broken = TwilioSettings { account_sid: "nope".to_owned(), sms_from: "4155550100".to_owned(), ..good.clone() };
    let problems = broken.problems(true);
    let fields: Vec<SettingsField> = problems.iter().map(|p| p.field).collect();
    assert_eq!(fields, [SettingsField::AccountSid, SettingsField::SmsFrom], "{problems:?}");
    assert!(problems[0].message.starts_with("Account SID") && problems[1].message.starts_with("SMS number"));
    let none = TwilioSettings { sms_from: String::new(), ..good };
    let message = "Enter the number SMS are sent from, the WhatsApp number, or both.";
    assert_eq!(none.problems(true), [SettingsProblem::new(SettingsField::SmsFrom, message)]);
}
