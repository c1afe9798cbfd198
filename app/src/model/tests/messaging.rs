//! Messaging settings: each problem named by its field.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use crate::model::messaging::{EmailSettings, SmtpSecurity, TwilioSettings, is_account_sid};

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
    let fields: Vec<&str> = problems.iter().map(|p| p.split(':').next().unwrap_or_default()).collect();
    assert_eq!(fields, ["Server", "Port", "From address", "From name", "Password"]);
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
    assert_eq!(good.problems(false), ["Auth token: required."]);
    let broken = TwilioSettings { account_sid: "nope".to_owned(), sms_from: "4155550100".to_owned(), ..good.clone() };
    let problems = broken.problems(true);
    assert!(problems[0].starts_with("Account SID") && problems[1].starts_with("SMS number"), "{problems:?}");
    let none = TwilioSettings { sms_from: String::new(), ..good };
    assert_eq!(none.problems(true), ["Enter the number SMS are sent from, the WhatsApp number, or both."]);
}
