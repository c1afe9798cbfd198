//! How sub-accounts send their workflows' messages: the settings (admins only, checked by the
//! model, secrets sealed at rest and never shown again) and the email steps delivering to a
//! real SMTP server (aiosmtpd, `tests/servers/smtp.py`), with its password, HTML escaping and
//! the step's id as the Message-ID; a refused password fails the step at once.
#![expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]

use aes_gcm::KeyInit;
use aes_gcm::aead::{Aead, AeadCore};
use app::api::AppError;
use app::api::ports::{MessagingPort, SettingsPort};
use app::model::messaging::{EmailSettings, SmtpSecurity, TwilioSettings};
use app::model::{Cause, Module, SubAccountId};
use base64::Engine as _;
use serde_json::{Value, json};
use server::db::tenancy::Editor;
use server::engine::{Engine, EngineOptions};
use server::highlevel::secrets::{Binding, SecretBox, SecretError};
use server::jobs::JobTiming;
use server::service::{Service, ServiceOptions};
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::AsyncBufReadExt;

use crate::common::{Db, Fixture, fixture};
use crate::http_api::serve;
use crate::standin::twilio::{self, TwilioStandIn};

pub const SMTP_USER: &str = "ops";
pub const SMTP_PASSWORD: &str = "s3cret-Pa55";

fn secrets() -> SecretBox {
    SecretBox::from_base64(&base64::engine::general_purpose::STANDARD.encode([7_u8; 32])).unwrap()
}

/// The service as a server with a secret key and a mail relay on its own network runs it.
fn service(f: &Fixture) -> Service {
    let options = ServiceOptions { mail_may_use_private_hosts: true, ..ServiceOptions::default() };
    Service::new(f.store().clone(), options).with_secrets(secrets())
}

pub fn engine(f: &Fixture, twilio_api_base: &str) -> Engine {
    let options = EngineOptions {
        timing: JobTiming { lease_ms: 30_000, attempt_limit: Duration::from_secs(20), max_attempts: 2 },
        webhooks_may_call_private_hosts: true,
        mail_may_use_private_hosts: true,
        twilio_api_base: twilio_api_base.to_owned(),
        secrets: Some(secrets()),
    };
    Engine::new(f.store().clone(), Default::default(), options)
}

/// A real SMTP server that writes what it accepts into a directory.
struct SmtpServer {
    port: u16,
    dir: tempfile::TempDir,
    _process: tokio::process::Child,
}

impl SmtpServer {
    async fn start() -> Self {
        let tools = std::env::var("OPSFLOW_TOOLS")
            .map(PathBuf::from)
            .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/opsflow-tools"));
        let python = tools.join("py/bin/python");
        assert!(python.exists(), "{} is missing: run scripts/setup.sh --test (it installs aiosmtpd)", python.display());
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/servers/smtp.py");
        let dir = tempfile::tempdir().unwrap();
        let mut process = tokio::process::Command::new(python)
            .arg(script)
            .arg(dir.path())
            .args([SMTP_USER, SMTP_PASSWORD])
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = tokio::io::BufReader::new(process.stdout.take().unwrap()).lines();
        let port = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await.unwrap().unwrap().unwrap();
        SmtpServer { port: port.trim().parse().unwrap(), dir, _process: process }
    }

    /// The messages it accepted: `{mail_from, rcpt_tos, data}`.
    fn mail(&self) -> Vec<Value> {
        let mut mail: Vec<Value> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|entry| {
                let path = entry.unwrap().path();
                (path.extension()? == "json")
                    .then(|| serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap())
            })
            .collect();
        mail.sort_by_key(|message| message["data"].as_str().unwrap().to_owned());
        mail
    }
}

fn email_settings(port: u16) -> EmailSettings {
    EmailSettings {
        host: "127.0.0.1".to_owned(),
        port,
        security: SmtpSecurity::None,
        username: SMTP_USER.to_owned(),
        from_address: "ops@acme.test".to_owned(),
        from_name: "Acme Ops".to_owned(),
        has_password: false,
    }
}

async fn sealed_password(f: &Fixture) -> Option<String> {
    let row: Option<Option<String>> =
        sqlx::query_scalar("SELECT smtp_password_sealed FROM messaging_settings WHERE sub_account_id = $1")
            .bind(f.acme.as_str())
            .fetch_optional(f.store().pool())
            .await
            .unwrap();
    row.flatten()
}

async fn settings_are_for_admins_checked_and_keep_secrets_sealed(db: Db) {
    let f = fixture(db).await;
    let service = service(&f);
    let good = email_settings(2525);
    // Staff may not, another sub-account's admin cannot see this one, bad values are named.
    let staff = service.save_email_settings(&f.sam, &f.acme, good.clone(), Some("x".into())).await;
    assert!(
        matches!(&staff, Err(AppError::Forbidden(why)) if why.contains("Only admins can change how workflows send")),
        "{staff:?}"
    );
    let stranger = service.save_email_settings(&f.riley, &f.acme, good.clone(), Some("x".into())).await;
    assert!(matches!(stranger, Err(AppError::NotFound(_))), "{stranger:?}");
    let broken = EmailSettings { from_address: "ops".to_owned(), ..good.clone() };
    let error = service.save_email_settings(&f.admin, &f.acme, broken, None).await.unwrap_err().to_string();
    assert!(
        error.contains("From address: “ops” is not an email address.") && error.contains("Password: required"),
        "{error}"
    );
    // A server that does not allow it keeps mail off its own network.
    let strict = Service::new(f.store().clone(), ServiceOptions::default()).with_secrets(secrets());
    let error = strict.save_email_settings(&f.admin, &f.acme, good.clone(), Some("x".into())).await.unwrap_err();
    assert!(error.to_string().contains("local or private address"), "{error}");
    // Without a secret key, no password is kept.
    let keyless =
        Service::new(f.store().clone(), ServiceOptions { mail_may_use_private_hosts: true, ..Default::default() });
    let error = keyless.save_email_settings(&f.admin, &f.acme, good.clone(), Some("x".into())).await.unwrap_err();
    assert!(error.to_string().contains("OPSFLOW_SECRET_KEY"), "{error}");

    // Saved: the password sealed, shown only as "saved"; saving again without it keeps it.
    service.save_email_settings(&f.admin, &f.acme, good.clone(), Some(SMTP_PASSWORD.into())).await.unwrap();
    let sealed = sealed_password(&f).await.unwrap();
    assert!(sealed.starts_with("v2:") && !sealed.contains(SMTP_PASSWORD), "{sealed}");
    assert_eq!(secrets().open(Binding::smtp_password(f.acme.as_str()), &sealed).unwrap().expose(), SMTP_PASSWORD);
    let shown = service.settings(&f.admin, &f.acme).await.unwrap().messaging.unwrap();
    assert!(shown.can_keep_secrets);
    let email = shown.settings.email.unwrap();
    assert!(email.has_password && email.port == 2525 && email.from_name == "Acme Ops");
    let renamed = EmailSettings { from_name: "Acme Operations".to_owned(), ..good.clone() };
    service.save_email_settings(&f.admin, &f.acme, renamed, None).await.unwrap();
    assert_eq!(sealed_password(&f).await.as_deref(), Some(sealed.as_str()), "kept");
    // The saved password goes only where it was saved for: another server, port, security or
    // user name needs it given again, and the store drops it if asked to keep it anyway.
    for elsewhere in [
        EmailSettings { host: "10.9.9.9".to_owned(), ..good.clone() },
        EmailSettings { port: 2526, ..good.clone() },
        EmailSettings { security: SmtpSecurity::StartTls, ..good.clone() },
        EmailSettings { username: "other".to_owned(), ..good.clone() },
    ] {
        let before = sealed_password(&f).await;
        let error = service.save_email_settings(&f.admin, &f.acme, elsewhere.clone(), None).await.unwrap_err();
        assert!(error.to_string().contains("Password: required"), "{error}");
        assert_eq!(sealed_password(&f).await, before, "refused, nothing changed");
        let admin = f.store().member(&f.admin.id, &f.acme).await.unwrap().unwrap().admin().unwrap();
        f.store().save_email_settings(&admin, &elsewhere, None).await.unwrap();
        assert_eq!(sealed_password(&f).await, None, "dropped: {elsewhere:?}");
        service.save_email_settings(&f.admin, &f.acme, good.clone(), Some(SMTP_PASSWORD.into())).await.unwrap();
    }
    // A new password in the same save goes with the new server.
    let moved = EmailSettings { port: 2526, ..good.clone() };
    service.save_email_settings(&f.admin, &f.acme, moved, Some("new-secret".into())).await.unwrap();
    let opened = secrets().open(Binding::smtp_password(f.acme.as_str()), &sealed_password(&f).await.unwrap());
    assert_eq!(opened.unwrap().expose(), "new-secret");
    // A user name and password never go unencrypted to a server outside the install's network.
    let public = EmailSettings { host: "smtp.example.com".to_owned(), ..good.clone() };
    let error = service.save_email_settings(&f.admin, &f.acme, public, Some("x".into())).await.unwrap_err();
    assert!(error.to_string().contains("sent only over STARTTLS or TLS"), "{error}");
    // No user name, no password at all.
    let open = EmailSettings { username: String::new(), ..good };
    service.save_email_settings(&f.admin, &f.acme, open, None).await.unwrap();
    assert_eq!(sealed_password(&f).await, None);
    // Staff see nothing of it.
    assert_eq!(service.settings(&f.sam, &f.acme).await.unwrap().messaging, None);
}

async fn email_steps_deliver_to_a_real_smtp_server(db: Db) {
    let f = fixture(db).await;
    let smtp = SmtpServer::start().await;
    let service = service(&f);
    service
        .save_email_settings(&f.admin, &f.acme, email_settings(smtp.port), Some(SMTP_PASSWORD.into()))
        .await
        .unwrap();
    let admin = f.store().member(&f.admin.id, &f.acme).await.unwrap().unwrap().admin().unwrap();
    let workflow = service
        .create_workflow(
            &Editor::from(&admin),
            &json!({
                "name": "Welcome", "triggerModule": "contacts", "triggerType": "contact_created", "isActive": true,
                "actions": [{"actionType": "send_email", "sortOrder": 1, "config": {
                    "to": "{{trigger.email}}", "subject": "Welcome, {{trigger.firstName}}", "format": "html",
                    "body": "<p>Hello {{trigger.firstName}}, we will call {{trigger.phone}}.</p>"}}]
            }),
        )
        .await
        .unwrap();
    let tenant = f.tenant(&f.acme);
    let cause = Cause::Person { user_id: f.admin.id.clone() };
    let values = json!({"firstName": "Ana <b>", "email": "ana@example.com", "phone": "+1 555 0100"});
    let contact = f
        .service
        .builtin()
        .create_record(&tenant, &cause, Module::Contacts, values.as_object().unwrap())
        .await
        .unwrap();
    let engine = engine(&f, "http://127.0.0.1:9");
    engine.run_until_idle().await.unwrap();

    let run_id: String = sqlx::query_scalar("SELECT id FROM workflow_runs WHERE workflow_id = $1")
        .bind(workflow.id.as_str())
        .fetch_one(f.store().pool())
        .await
        .unwrap();
    let run = serde_json::to_value(f.service.workflow_run(&tenant, &run_id.clone().into()).await.unwrap()).unwrap();
    assert_eq!(run["status"], "completed", "{run:#}");
    let step = &run["steps"][0];
    let mail = smtp.mail();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0]["mail_from"], "ops@acme.test");
    assert_eq!(mail[0]["rcpt_tos"], json!(["ana@example.com"]));
    let data = mail[0]["data"].as_str().unwrap();
    assert!(data.contains("Subject: Welcome, Ana <b>"), "{data}");
    assert!(
        data.contains("From: \"Acme Ops\" <ops@acme.test>") || data.contains("From: Acme Ops <ops@acme.test>"),
        "{data}"
    );
    assert!(data.contains(&format!("Message-ID: <{}@acme.test>", step["id"].as_str().unwrap())), "{data}");
    assert!(data.contains("Content-Type: text/html"), "{data}");
    assert!(
        data.contains("<p>Hello Ana &lt;b&gt;, we will call +1 555 0100.</p>"),
        "the record's text is escaped: {data}"
    );
    assert_eq!(step["output"]["to"], "ana@example.com");
    assert!(step["output"]["response"].as_str().unwrap().starts_with("250"), "{step}");
    assert_eq!(step["input"]["to"], "ana@example.com", "{step}");
    assert!(!step.to_string().contains(SMTP_PASSWORD), "no password in the step");

    // A password the server refuses: the step fails at once (a 5xx does not change).
    sqlx::query("UPDATE messaging_settings SET smtp_password_sealed = $1")
        .bind(secrets().seal(Binding::smtp_password(f.acme.as_str()), "wrong").unwrap())
        .execute(f.store().pool())
        .await
        .unwrap();
    let values = json!({"firstName": "Bo", "email": "bo@example.com"});
    f.service.builtin().create_record(&tenant, &cause, Module::Contacts, values.as_object().unwrap()).await.unwrap();
    engine.run_until_idle().await.unwrap();
    let failed: (String, i64, String) = sqlx::query_as(
        "SELECT s.status, s.attempts, s.error FROM workflow_steps s JOIN workflow_runs r ON r.id = s.run_id \
         WHERE r.record_id <> $1",
    )
    .bind(&contact.id)
    .fetch_one(f.store().pool())
    .await
    .unwrap();
    assert_eq!((failed.0.as_str(), failed.1), ("failed", 1), "{failed:?}");
    assert!(failed.2.starts_with("The mail server:") && failed.2.contains("535"), "{failed:?}");
    assert_eq!(smtp.mail().len(), 1, "nothing more was delivered");
}

/// The Settings page's plain forms post to the page itself: saved, the browser goes back to the
/// section, which says so, and the page says a password is saved and never shows it; refused,
/// the page comes back with everything as typed but the secret, each problem beside its box and
/// the focus on the first; from another site, 403.
async fn the_settings_forms_post_without_script_and_never_show_secrets(db: Db) {
    let mut f = fixture(db).await;
    f.service = std::sync::Arc::new(service(&f));
    let s = serve(f).await;
    let acme = s.f.acme.clone();
    let page = format!("{}/s/{acme}/settings", s.base);
    let admin = s.client(server::demo::ADMIN_EMAIL, server::demo::ADMIN_PASSWORD).await;
    let fields = [
        ("save", "email"),
        ("host", "127.0.0.1"),
        ("port", "2525"),
        ("security", "starttls"),
        ("username", SMTP_USER),
        ("password", SMTP_PASSWORD),
        ("from_address", "ops@acme.test"),
        ("from_name", "Acme Ops"),
    ];
    let evil = admin.post(&page).header("origin", "https://evil.example").form(&fields).send().await.unwrap();
    assert_eq!(evil.status(), reqwest::StatusCode::FORBIDDEN);
    assert_eq!(sealed_password(&s.f).await, None, "nothing saved from another site");
    let sent = admin.post(&page).form(&fields).send().await.unwrap();
    assert_eq!(sent.status(), reqwest::StatusCode::SEE_OTHER);
    let back = sent.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(back, format!("/s/{acme}/settings?saved=email#email-settings"));
    let html = admin.get(format!("{}{back}", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("The email settings were saved."), "{html}");
    let twilio = [
        ("save", "twilio"),
        ("account_sid", "AC0123456789abcdef0123456789abcdef"),
        ("auth_token", "tok-Secret-42"),
        ("sms_from", "+14155550100"),
        ("whatsapp_from", "whatsapp:+14155550199"),
    ];
    let sent = admin.post(&page).form(&twilio).send().await.unwrap();
    assert_eq!(sent.status(), reqwest::StatusCode::SEE_OTHER);
    let html = admin.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Workflows send email through 127.0.0.1 as ops@acme.test."), "{html}");
    assert!(!html.contains("were saved."), "only right after a save");
    let hint = "A password is saved. Leave this empty to keep it, for this server, port, security and user name only: \
                change any of them and enter it again.";
    assert!(html.contains(hint), "{html}");
    assert!(html.contains("A token is saved. Leave this empty to keep it, for this Account SID only."), "{html}");
    assert!(html.contains(r#"value="+14155550199""#), "the WhatsApp number without its prefix");
    for secret in [SMTP_PASSWORD, "tok-Secret-42"] {
        assert!(!html.contains(secret), "the page never shows a saved secret");
    }

    // Refused: the page comes back as typed, the problem beside its box, the focus on it.
    let bad = [
        ("save", "twilio"),
        ("account_sid", "AC123"),
        ("auth_token", "tok-Typed-77"),
        ("sms_from", "0171 23"),
        ("whatsapp_from", ""),
    ];
    let sent = admin.post(&page).form(&bad).send().await.unwrap();
    assert_eq!(sent.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let html = sent.text().await.unwrap();
    let section = &html[html.find(r#"data-testid="twilio-settings""#).unwrap()..];
    for shown in [
        r#"value="AC123""#,
        r#"value="0171 23""#,
        "The Twilio settings were not saved. Fix the problems marked below.",
        r#"id="twilio-sid-problem" class="field-error">Account SID: it starts with AC and has 34 characters"#,
        r#"id="twilio-sms-problem" class="field-error">SMS number: “0171 23” is not in international form"#,
        "The token you typed was not kept: enter it again.",
    ] {
        assert!(section.contains(shown), "{shown} in {section}");
    }
    let sid_box = &section[section.find(r#"id="twilio-sid""#).unwrap()..];
    let sid_box = &sid_box[..sid_box.find('>').unwrap()];
    assert!(sid_box.contains("autofocus") && sid_box.contains(r#"aria-invalid="true""#), "{sid_box}");
    assert!(sid_box.contains(r#"aria-describedby="twilio-sid-problem""#), "{sid_box}");
    assert_eq!(section.matches("autofocus").count(), 1, "the focus goes to one box");
    assert!(!html.contains("tok-Typed-77"), "a typed secret is never sent back");
    let email_section = &html[html.find(r#"data-testid="email-settings""#).unwrap()..];
    let email_section = &email_section[..email_section.find(r#"data-testid="twilio-settings""#).unwrap()];
    assert!(!email_section.contains("not saved") && email_section.contains(r#"value="127.0.0.1""#), "untouched");
    let html = admin.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(r#"value="AC0123456789abcdef0123456789abcdef""#), "nothing of the refused save was kept");
    // A port that is no number comes back as typed, not as 0.
    let mut odd = fields;
    odd[2] = ("port", "25x");
    let html = admin.post(&page).form(&odd).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains(r#"value="25x""#)
            && html.contains(r#"id="smtp-port-problem" class="field-error">Port: enter a port"#),
        "{html}"
    );
    let sam = s.client(server::demo::STAFF_EMAIL, server::demo::STAFF_PASSWORD).await;
    let html = sam.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("email-settings") && !html.contains("127.0.0.1"), "staff see no messaging settings");
}

/// SMS and WhatsApp through Twilio's Messages API (a stand-in that checks every request
/// against Twilio's OpenAPI): the numbers as Twilio takes them, a 5xx retried, a retry that
/// finds its message already sent sends no second one, a refused token fails at once.
async fn sms_and_whatsapp_go_through_twilio_once(db: Db) {
    let f = fixture(db).await;
    let twilio = TwilioStandIn::start().await;
    let service = service(&f);
    let settings = TwilioSettings {
        account_sid: twilio::ACCOUNT_SID.to_owned(),
        sms_from: "+14155550100".to_owned(),
        whatsapp_from: "+14155550199".to_owned(),
        has_token: false,
    };
    service.save_twilio_settings(&f.admin, &f.acme, settings, Some(twilio::AUTH_TOKEN.into())).await.unwrap();
    let admin = f.store().member(&f.admin.id, &f.acme).await.unwrap().unwrap().admin().unwrap();
    service
        .create_workflow(&Editor::from(&admin), &json!({
            "name": "Text them", "triggerModule": "contacts", "triggerType": "contact_created", "isActive": true,
            "actions": [
                {"actionType": "send_sms", "sortOrder": 1, "config": {"to": "{{trigger.phone}}", "message": "Hi {{trigger.firstName}} & co"}},
                {"actionType": "send_whatsapp", "sortOrder": 2, "config": {"to": "{{trigger.phone}}", "message": "Hola {{trigger.firstName}}"}}
            ]
        }))
        .await
        .unwrap();
    let tenant = f.tenant(&f.acme);
    let cause = Cause::Person { user_id: f.admin.id.clone() };
    let contact = |name: &str, phone: &str| json!({"firstName": name, "phone": phone});
    let engine = engine(&f, &twilio.base_url());
    let due_now = || async {
        sqlx::query("UPDATE workflow_steps SET due_at = 0 WHERE due_at IS NOT NULL AND status = 'pending'")
            .execute(f.store().pool())
            .await
            .unwrap();
    };

    // The first SMS meets a 503: retried, then sent; the WhatsApp message goes once.
    twilio.fail_next(503, 1);
    let ana = contact("Ana", "+14155550123");
    f.service.builtin().create_record(&tenant, &cause, Module::Contacts, ana.as_object().unwrap()).await.unwrap();
    engine.run_until_idle().await.unwrap();
    due_now().await;
    engine.run_until_idle().await.unwrap();
    let sent = twilio.messages();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!((sent[0].to.as_str(), sent[0].from.as_deref()), ("+14155550123", Some("+14155550100")));
    assert_eq!(sent[0].body.as_deref(), Some("Hi Ana & co"));
    assert_eq!(
        (sent[1].to.as_str(), sent[1].from.as_deref()),
        ("whatsapp:+14155550123", Some("whatsapp:+14155550199"))
    );
    let steps: Vec<(String, i64, String)> = sqlx::query_as(
        "SELECT status, attempts, output FROM workflow_steps WHERE action_type IN ('send_sms', 'send_whatsapp') ORDER BY position",
    )
    .fetch_all(f.store().pool())
    .await
    .unwrap();
    assert_eq!(
        steps.iter().map(|(s, a, _)| (s.as_str(), *a)).collect::<Vec<_>>(),
        [("completed", 2), ("completed", 1)]
    );
    let output: Value = serde_json::from_str(&steps[0].2).unwrap();
    assert_eq!(output["sid"].as_str(), Some(sent[0].sid.as_str()));

    // An answer lost after Twilio sent the message: the retry finds it and sends no other.
    twilio.lose_next_answer(500);
    let bo = contact("Bo", "+14155550124");
    f.service.builtin().create_record(&tenant, &cause, Module::Contacts, bo.as_object().unwrap()).await.unwrap();
    engine.run_until_idle().await.unwrap();
    due_now().await;
    engine.run_until_idle().await.unwrap();
    let to_bo: Vec<_> = twilio.messages().into_iter().filter(|m| m.to.ends_with("+14155550124")).collect();
    assert_eq!(to_bo.len(), 2, "one SMS (not two) and one WhatsApp: {to_bo:?}");
    let output: String = sqlx::query_scalar(
        "SELECT s.output FROM workflow_steps s JOIN workflow_runs r ON r.id = s.run_id          WHERE s.action_type = 'send_sms' AND r.trigger_snapshot LIKE '%Bo%'",
    )
    .fetch_one(f.store().pool())
    .await
    .unwrap();
    assert_eq!(serde_json::from_str::<Value>(&output).unwrap()["alreadySent"], true, "{output}");

    // A token Twilio refuses: failed at once, nothing sent.
    sqlx::query("UPDATE messaging_settings SET twilio_token_sealed = $1")
        .bind(secrets().seal(Binding::twilio_token(f.acme.as_str()), "not-the-token").unwrap())
        .execute(f.store().pool())
        .await
        .unwrap();
    let cy = contact("Cy", "+14155550125");
    f.service.builtin().create_record(&tenant, &cause, Module::Contacts, cy.as_object().unwrap()).await.unwrap();
    engine.run_until_idle().await.unwrap();
    let (status, attempts, error): (String, i64, String) = sqlx::query_as(
        "SELECT s.status, s.attempts, s.error FROM workflow_steps s JOIN workflow_runs r ON r.id = s.run_id          WHERE r.trigger_snapshot LIKE '%Cy%'",
    )
    .fetch_one(f.store().pool())
    .await
    .unwrap();
    assert_eq!((status.as_str(), attempts), ("failed", 1));
    assert!(error.starts_with("Twilio refused the account SID and auth token"), "{error}");
    assert_eq!(twilio.messages().len(), 4, "nothing more was sent");

    // Say the failed attempt had got through after all; an admin fixes the token and retries:
    // the new series of attempts looks first too, and sends nothing twice.
    let form = [("To", "+14155550125"), ("From", "+14155550100"), ("Body", "Hi Cy & co")];
    reqwest::Client::new()
        .post(format!("{}/2010-04-01/Accounts/{}/Messages.json", twilio.base_url(), twilio::ACCOUNT_SID))
        .basic_auth(twilio::ACCOUNT_SID, Some(twilio::AUTH_TOKEN))
        .form(&form)
        .send()
        .await
        .unwrap();
    sqlx::query("UPDATE messaging_settings SET twilio_token_sealed = $1")
        .bind(secrets().seal(Binding::twilio_token(f.acme.as_str()), twilio::AUTH_TOKEN).unwrap())
        .execute(f.store().pool())
        .await
        .unwrap();
    let run: String = sqlx::query_scalar("SELECT id FROM workflow_runs WHERE trigger_snapshot LIKE '%Cy%'")
        .fetch_one(f.store().pool())
        .await
        .unwrap();
    f.service.retry_workflow_run(&Editor::from(&admin), &run.into()).await.unwrap();
    engine.run_until_idle().await.unwrap();
    let to_cy: Vec<_> = twilio.messages().into_iter().filter(|m| m.to.ends_with("+14155550125")).collect();
    assert_eq!(to_cy.len(), 2, "one SMS (not two) and one WhatsApp: {to_cy:?}");
    let output: String = sqlx::query_scalar(
        "SELECT s.output FROM workflow_steps s JOIN workflow_runs r ON r.id = s.run_id \
         WHERE s.action_type = 'send_sms' AND r.trigger_snapshot LIKE '%Cy%'",
    )
    .fetch_one(f.store().pool())
    .await
    .unwrap();
    assert_eq!(serde_json::from_str::<Value>(&output).unwrap()["alreadySent"], true, "{output}");

    // A contact without a phone: the step says so in words, and nothing is sent.
    let before = twilio.messages().len();
    let di = json!({"firstName": "Di", "lastName": "Moss"});
    f.service.builtin().create_record(&tenant, &cause, Module::Contacts, di.as_object().unwrap()).await.unwrap();
    engine.run_until_idle().await.unwrap();
    let (status, error): (String, String) = sqlx::query_as(
        "SELECT s.status, s.error FROM workflow_steps s JOIN workflow_runs r ON r.id = s.run_id \
         WHERE s.action_type = 'send_sms' AND r.trigger_snapshot LIKE '%Moss%'",
    )
    .fetch_one(f.store().pool())
    .await
    .unwrap();
    assert_eq!((status.as_str(), error.as_str()), ("failed", "Contact Di Moss has no phone number."));
    assert_eq!(twilio.messages().len(), before, "nothing sent");
    twilio.assert_spec_clean();
}

/// A sealed secret opens only for the sub-account and purpose it was sealed for: copied into
/// another sub-account's row it does not open. One sealed before bindings is sealed again,
/// bound, when the server starts (once).
async fn sealed_secrets_are_bound_to_their_owner(db: Db) {
    let f = fixture(db).await;
    let service = service(&f);
    for (sub_account, password) in [(&f.acme, SMTP_PASSWORD), (&f.brightside, "brightside-secret")] {
        service.save_email_settings(&f.admin, sub_account, email_settings(2525), Some(password.into())).await.unwrap();
    }
    let pool = f.store().pool().clone();
    let row = |sub_account: &SubAccountId| {
        let query = sqlx::query_scalar::<_, String>(
            "SELECT smtp_password_sealed FROM messaging_settings WHERE sub_account_id = $1",
        )
        .bind(sub_account.to_string());
        let pool = pool.clone();
        async move { query.fetch_one(&pool).await.unwrap() }
    };
    let acme = row(&f.acme).await;
    let brightside = Binding::smtp_password(f.brightside.as_str());
    assert_eq!(secrets().open(brightside, &acme), Err(SecretError::Rejected), "not another sub-account's");
    assert_eq!(secrets().open(Binding::twilio_token(f.acme.as_str()), &acme), Err(SecretError::Rejected));

    // Sealed as earlier versions did: no associated data.
    let cipher = aes_gcm::Aes256Gcm::new_from_slice(&[7_u8; 32]).unwrap();
    let nonce = aes_gcm::Aes256Gcm::generate_nonce(&mut aes_gcm::aead::OsRng);
    let old = cipher.encrypt(&nonce, b"sealed-long-ago".as_slice()).unwrap();
    let unbound = format!("v1:{}", base64::engine::general_purpose::STANDARD.encode([nonce.as_slice(), &old].concat()));
    sqlx::query("UPDATE messaging_settings SET smtp_password_sealed = $1 WHERE sub_account_id = $2")
        .bind(&unbound)
        .bind(f.acme.as_str())
        .execute(f.store().pool())
        .await
        .unwrap();
    let mine = Binding::smtp_password(f.acme.as_str());
    assert_eq!(secrets().open(mine, &unbound), Err(SecretError::Unbound));
    assert_eq!(f.store().bind_sealed_secrets(&secrets()).await.unwrap(), 1);
    let bound = row(&f.acme).await;
    assert!(bound.starts_with("v2:"), "{bound}");
    assert_eq!(secrets().open(mine, &bound).unwrap().expose(), "sealed-long-ago");
    assert_eq!(f.store().bind_sealed_secrets(&secrets()).await.unwrap(), 0, "once");
}

on_both_backends!(
    sms_and_whatsapp_go_through_twilio_once,
    settings_are_for_admins_checked_and_keep_secrets_sealed,
    email_steps_deliver_to_a_real_smtp_server,
    the_settings_forms_post_without_script_and_never_show_secrets,
    sealed_secrets_are_bound_to_their_owner,
);
