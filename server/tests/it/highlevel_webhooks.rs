//! `POST /webhooks/highlevel` on a real socket, signed with generated Ed25519 and RSA keys the
//! server is configured with: what is kept, what is refused and why, and when HighLevel is
//! asked to send again (429).
#![expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]

use crate::common::{Db, Fixture, fixture};
use crate::standin;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::Signer as _;
use leptos::prelude::LeptosOptions;
use reqwest::StatusCode;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::signature::SignatureEncoding;
use serde_json::{Value, json};
use server::db::webhooks::WebhookState;
use server::highlevel::HighLevel;
use server::highlevel::signature::{SignatureHeaders, WebhookKeys};
use server::highlevel::webhooks::{IntakeError, IntakeLimits, Receipt};
use server::service::Service;
use sha2::Sha256;
use std::sync::Arc;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// The keys HighLevel would sign with; the server is configured with their public halves.
struct Signer {
    ed25519: ed25519_dalek::SigningKey,
    rsa: rsa::pkcs1v15::SigningKey<Sha256>,
}

impl Signer {
    fn new(seed: u8) -> Self {
        let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
        Self {
            ed25519: ed25519_dalek::SigningKey::from_bytes(&[seed; 32]),
            rsa: rsa::pkcs1v15::SigningKey::new(private),
        }
    }

    fn public(&self) -> WebhookKeys {
        let ed = self.ed25519.verifying_key().to_public_key_pem(LineEnding::LF).unwrap();
        let rsa = rsa::RsaPublicKey::from(self.rsa.as_ref()).to_public_key_pem(LineEnding::LF).unwrap();
        WebhookKeys::from_pem(&ed, &rsa).unwrap()
    }

    fn ed25519(&self, body: &[u8]) -> String {
        BASE64.encode(self.ed25519.sign(body).to_bytes())
    }

    fn rsa(&self, body: &[u8]) -> String {
        BASE64.encode(self.rsa.sign(body).to_vec())
    }
}

struct Server {
    base: String,
    f: Fixture,
    signer: Signer,
    http: reqwest::Client,
    service: Arc<Service>,
}

async fn start(db: Db, limits: IntakeLimits) -> Server {
    let f = fixture(db).await;
    let signer = Signer::new(3);
    let highlevel = HighLevel::start(f.store().clone(), standin::config(signer.public(), "http://127.0.0.1:9"), limits)
        .await
        .unwrap();
    let service = Arc::new(Service::clone(&f.service).connected(highlevel));
    let options = LeptosOptions::builder().output_name("opsflow").site_root("target/site").build();
    let app = server::router(service.clone(), options);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Server { base, f, signer, http: reqwest::Client::new(), service }
}

fn stage_update(webhook_id: Option<&str>, timestamp: chrono::DateTime<chrono::Utc>) -> Value {
    let mut body = json!({
        "type": "OpportunityStageUpdate", "locationId": "ve9EPM428h8vShlRW1KT", "id": "wWhVuzqpRuOA1ZVWi4FC",
        "contactId": "cJAWDskpkJHbRbhAT7bs", "name": "Kitchen remodel", "pipelineId": "VDm7RPYC2GLUvdpKmBfC",
        "pipelineStageId": "e93ba61a-53b3-45e7-985a-c7732dbcdb69", "status": "open",
        "timestamp": timestamp.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    });
    if let Some(id) = webhook_id {
        body["webhookId"] = json!(id);
    }
    body
}

impl Server {
    async fn deliver(&self, body: &[u8], headers: &[(&str, String)]) -> (StatusCode, Value, Option<String>) {
        let mut request = self.http.post(format!("{}/webhooks/highlevel", self.base)).body(body.to_vec());
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.header("content-type", "application/json").send().await.unwrap();
        let status = response.status();
        let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
        (status, response.json().await.unwrap(), retry_after)
    }

    async fn signed(&self, body: &Value) -> (StatusCode, Value) {
        let bytes = serde_json::to_vec(body).unwrap();
        let (status, answer, _) = self.deliver(&bytes, &[("x-ghl-signature", self.signer.ed25519(&bytes))]).await;
        (status, answer)
    }

    async fn state(&self, dedupe_key: &str) -> Option<String> {
        self.f.store().webhook_state(dedupe_key).await.unwrap().map(|(state, _)| state)
    }
}

async fn signed_webhooks_are_kept_once(db: Db) {
    let server = start(db, IntakeLimits::default()).await;
    let body = stage_update(Some("wh-1"), chrono::Utc::now());
    assert_eq!(server.signed(&body).await, (StatusCode::OK, json!({"status": "stored"})));
    assert_eq!(server.state("webhook:wh-1").await.as_deref(), Some("pending"));
    // HighLevel redelivers: same webhookId, nothing new.
    assert_eq!(server.signed(&body).await, (StatusCode::OK, json!({"status": "duplicate"})));
    assert_eq!(server.f.store().pending_webhook_count().await.unwrap(), 1);

    // The legacy RSA header alone is accepted too.
    let legacy = serde_json::to_vec(&stage_update(Some("wh-2"), chrono::Utc::now())).unwrap();
    let (status, _, _) = server.deliver(&legacy, &[("x-wh-signature", server.signer.rsa(&legacy))]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(server.state("webhook:wh-2").await.as_deref(), Some("pending"));

    // Without a webhookId, an identical body is the same delivery.
    let anonymous = stage_update(None, chrono::Utc::now());
    assert_eq!(server.signed(&anonymous).await.1, json!({"status": "stored"}));
    assert_eq!(server.signed(&anonymous).await.1, json!({"status": "duplicate"}));
    // The documented VoiceAiCallEnd has neither type nor timestamp.
    let call =
        json!({"id": "CALL_1", "locationId": "loc", "agentId": "a1", "contactId": "c1", "transcript": "bot: hi"});
    assert_eq!(server.signed(&call).await.1, json!({"status": "stored"}));
    assert_eq!(server.f.store().pending_webhook_count().await.unwrap(), 4);
}

async fn forged_stale_and_unreadable_webhooks_are_refused(db: Db) {
    let server = start(db, IntakeLimits::default()).await;
    let bytes = serde_json::to_vec(&stage_update(Some("wh-9"), chrono::Utc::now())).unwrap();
    let good = server.signer.ed25519(&bytes);

    let mut tampered = bytes.clone();
    let at = tampered.iter().position(|&b| b == b'K').unwrap(); // "Kitchen remodel"
    tampered[at] = b'k';
    let (status, answer, _) = server.deliver(&tampered, &[("x-ghl-signature", good.clone())]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer["error"], "bad_signature");

    let other = Signer::new(4);
    let (status, _, _) = server.deliver(&bytes, &[("x-ghl-signature", other.ed25519(&bytes))]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "signed with another key");
    let (status, _, _) = server.deliver(&bytes, &[("x-wh-signature", other.rsa(&bytes))]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "legacy header, another key");
    // A bad Ed25519 signature is not rescued by a good legacy one.
    let both = [("x-ghl-signature", other.ed25519(&bytes)), ("x-wh-signature", server.signer.rsa(&bytes))];
    assert_eq!(server.deliver(&bytes, &both).await.0, StatusCode::UNAUTHORIZED);
    let (status, answer, _) = server.deliver(&bytes, &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(answer["message"].as_str().unwrap().contains("X-GHL-Signature"), "{answer}");

    let old = stage_update(Some("wh-old"), chrono::Utc::now() - chrono::TimeDelta::minutes(6));
    let (status, answer) = server.signed(&old).await;
    assert_eq!((status, answer["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("stale")));
    assert!(answer["message"].as_str().unwrap().contains("at most 300"), "{answer}");

    let not_json = b"type=OpportunityStageUpdate";
    let (status, answer, _) = server.deliver(not_json, &[("x-ghl-signature", server.signer.ed25519(not_json))]).await;
    assert_eq!((status, answer["message"].as_str()), (StatusCode::BAD_REQUEST, Some("the body is not a JSON object")));

    assert_eq!(server.f.store().pending_webhook_count().await.unwrap(), 0, "nothing refused was kept");
    assert_eq!(server.state("webhook:wh-9").await, None);
}

async fn a_full_backlog_asks_highlevel_to_retry(db: Db) {
    let server = start(db, IntakeLimits { in_flight: 8, backlog: 2 }).await;
    for id in ["b-1", "b-2"] {
        assert_eq!(server.signed(&stage_update(Some(id), chrono::Utc::now())).await.0, StatusCode::OK);
    }
    let bytes = serde_json::to_vec(&stage_update(Some("b-3"), chrono::Utc::now())).unwrap();
    let (status, answer, retry_after) =
        server.deliver(&bytes, &[("x-ghl-signature", server.signer.ed25519(&bytes))]).await;
    assert_eq!((status, answer["error"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("busy")));
    assert_eq!(retry_after.as_deref(), Some("60"));
    assert_eq!(server.state("webhook:b-3").await, None, "a 429 keeps nothing: HighLevel sends it again");

    // Another instance sharing the store processes the backlog: this one sees it (the store is
    // the truth, not a counter of its own)...
    let leased = server.f.store().lease_webhooks(10, 60_000).await.unwrap();
    assert_eq!(leased.len(), 2);
    for webhook in leased {
        let store = server.f.store();
        // A worker whose lease was taken over (a later lease counts one more attempt) cannot finish it.
        let stale = store.finish_webhook(&webhook.id, webhook.attempts - 1, WebhookState::Failed, "late", None);
        assert!(!stale.await.unwrap());
        assert!(
            store.finish_webhook(&webhook.id, webhook.attempts, WebhookState::Processed, "done", None).await.unwrap()
        );
    }
    // ...and HighLevel's redelivery of b-3, ten minutes later with the same body, is taken.
    let intake = &server.service.highlevel().unwrap().intake;
    let later = chrono::Utc::now() + chrono::TimeDelta::minutes(10);
    let signature = server.signer.ed25519(&bytes);
    assert_eq!(intake.receive(ed25519(&signature), &bytes, later).await.unwrap(), Receipt::Stored);
    assert_eq!(server.state("webhook:b-3").await.as_deref(), Some("pending"));
    // A webhook never answered 429 is still held to the freshness window.
    let replayed = serde_json::to_vec(&stage_update(Some("b-4"), chrono::Utc::now())).unwrap();
    let signature = server.signer.ed25519(&replayed);
    let refused = intake.receive(ed25519(&signature), &replayed, later).await;
    assert!(matches!(refused, Err(IntakeError::Age(_))), "{refused:?}");
}

/// The database fails a webhook's store and the record of its 429 alike: the process remembers
/// the 429, and HighLevel's redelivery ten minutes later is taken.
async fn a_webhook_the_store_failed_is_taken_on_redelivery(db: Db) {
    let server = start(db, IntakeLimits::default()).await;
    let pool = server.f.store().pool();
    let failing: &[&str] = match server.f.store().backend() {
        server::db::Backend::Sqlite => &[
            "CREATE TRIGGER fail_webhooks BEFORE INSERT ON hl_webhooks BEGIN SELECT RAISE(ABORT, 'disk full'); END",
            "CREATE TRIGGER fail_deferred BEFORE INSERT ON hl_deferred_webhooks BEGIN SELECT RAISE(ABORT, 'disk full'); END",
        ],
        server::db::Backend::Postgres => &[
            "CREATE FUNCTION fail_insert() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER fail_webhooks BEFORE INSERT ON hl_webhooks FOR EACH ROW EXECUTE FUNCTION fail_insert()",
            "CREATE TRIGGER fail_deferred BEFORE INSERT ON hl_deferred_webhooks FOR EACH ROW EXECUTE FUNCTION fail_insert()",
        ],
    };
    for sql in failing {
        sqlx::query(sql).execute(pool).await.unwrap();
    }
    let bytes = serde_json::to_vec(&stage_update(Some("s-1"), chrono::Utc::now())).unwrap();
    let (status, answer, _) = server.deliver(&bytes, &[("x-ghl-signature", server.signer.ed25519(&bytes))]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{answer}");
    let recorded: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM hl_deferred_webhooks").fetch_one(pool).await.unwrap();
    assert_eq!(recorded, 0, "the store kept no record of the 429");
    for trigger in ["fail_webhooks ON hl_webhooks", "fail_deferred ON hl_deferred_webhooks"] {
        let drop = match server.f.store().backend() {
            server::db::Backend::Sqlite => format!("DROP TRIGGER {}", trigger.split(' ').next().unwrap()),
            server::db::Backend::Postgres => format!("DROP TRIGGER {trigger}"),
        };
        sqlx::query(&drop).execute(pool).await.unwrap();
    }
    let intake = &server.service.highlevel().unwrap().intake;
    let later = chrono::Utc::now() + chrono::TimeDelta::minutes(10);
    let signature = server.signer.ed25519(&bytes);
    assert_eq!(intake.receive(ed25519(&signature), &bytes, later).await.unwrap(), Receipt::Stored);
    assert_eq!(server.state("webhook:s-1").await.as_deref(), Some("pending"));
}

fn ed25519(signature: &str) -> SignatureHeaders<'_> {
    SignatureHeaders { ed25519: Some(signature), rsa: None }
}

/// A redelivery without a webhookId whose JSON is spaced or ordered differently is the same one;
/// a webhook as large as a long call's transcript is kept; larger ones are refused whole.
async fn id_less_redeliveries_and_long_transcripts(db: Db) {
    let server = start(db, IntakeLimits::default()).await;
    let compact = br#"{"id":"CALL_9","locationId":"loc","agentId":"a1","contactId":"c1","transcript":"bot: hi"}"#;
    let spaced = br#"{ "transcript": "bot: hi", "contactId": "c1",
                       "agentId": "a1", "locationId": "loc", "id": "CALL_9" }"#;
    let (status, answer, _) = server.deliver(compact, &[("x-ghl-signature", server.signer.ed25519(compact))]).await;
    assert_eq!((status, answer), (StatusCode::OK, json!({"status": "stored"})));
    let (status, answer, _) = server.deliver(spaced, &[("x-ghl-signature", server.signer.ed25519(spaced))]).await;
    assert_eq!((status, answer), (StatusCode::OK, json!({"status": "duplicate"})));

    let call = |id: &str, bytes: usize| {
        let transcript = "human: the kitchen sink leaks again\n".repeat(bytes / 36);
        serde_json::to_vec(&json!({"id": id, "locationId": "loc", "agentId": "a1", "contactId": "c1",
                                   "transcript": transcript}))
        .unwrap()
    };
    let long = call("CALL_LONG", 1_900_000);
    let (status, answer, _) = server.deliver(&long, &[("x-ghl-signature", server.signer.ed25519(&long))]).await;
    assert_eq!((status, answer), (StatusCode::OK, json!({"status": "stored"})));
    // The limit is enforced on the declared length, before any of the body is read. Only the
    // head is sent: a client still writing a body the server has already refused may see its
    // connection reset before it reads the answer (a CI flake when the body was sent).
    let head = format!(
        "POST /webhooks/highlevel HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        server.base.trim_start_matches("http://"),
        server::MAX_WEBHOOK_BYTES + 1000
    );
    let mut socket = tokio::net::TcpStream::connect(server.base.trim_start_matches("http://")).await.unwrap();
    socket.write_all(head.as_bytes()).await.unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
}

async fn a_standalone_server_has_no_webhook_endpoint_and_may_be_framed_by_nobody_else(db: Db) {
    let f = fixture(db).await;
    let options = LeptosOptions::builder().output_name("opsflow").site_root("target/site").build();
    let app = server::router(f.service.clone(), options);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let response = reqwest::Client::new().post(format!("{base}/webhooks/highlevel")).body("{}").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let csp = response.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.ends_with("frame-ancestors 'self'"), "{csp}");
    let page = reqwest::get(format!("{base}/login")).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()["content-security-policy"].to_str().unwrap().ends_with("frame-ancestors 'self'"));
}

/// The hourly purge: what ended goes, records older than the retention period go, and what is
/// live or still needed (a failed webhook, an event a form was made from) stays.
async fn ended_and_old_records_are_purged(db: Db) {
    let server = start(db, IntakeLimits::default()).await;
    let store = server.f.store();
    let now = server::db::now_ms();
    let day = 24 * 3600 * 1000;
    let user = &server.f.sam.id;
    store.create_session("ended", user, now - 1).await.unwrap();
    store.create_session("live", user, now + day).await.unwrap();
    store.create_handoff("used-up", "v", user, "/", now - 1).await.unwrap();
    store.create_handoff("fresh", "v", user, "/", now + 60_000).await.unwrap();
    for id in ["old-done", "old-failed", "new-done"] {
        assert_eq!(server.signed(&stage_update(Some(id), chrono::Utc::now())).await.0, StatusCode::OK);
    }
    for webhook in store.lease_webhooks(10, 60_000).await.unwrap() {
        let state = if webhook.dedupe_key.contains("failed") { WebhookState::Failed } else { WebhookState::Processed };
        store.finish_webhook(&webhook.id, webhook.attempts, state, "", None).await.unwrap();
    }
    store.defer_webhook("webhook:old-deferred").await.unwrap();
    let age = |table: &'static str, column: &'static str, filter: &'static str| async move {
        let sql = format!("UPDATE {table} SET {column} = {column} - {} WHERE {filter}", 40 * day);
        sqlx::query(&sql).execute(store.pool()).await.unwrap();
    };
    age("hl_webhooks", "received_at", "dedupe_key LIKE 'webhook:old-%'").await;
    age("hl_deferred_webhooks", "deferred_at", "1 = 1").await;
    // The demo's events are all old now; those forms were made from stay.
    age("events", "received_at", "1 = 1").await;
    let with_forms: i64 =
        sqlx::query_scalar("SELECT COUNT(DISTINCT event_id) FROM forms").fetch_one(store.pool()).await.unwrap();
    let mut tx = store.begin().await.unwrap();
    store
        .insert_event(
            &mut tx,
            &server.f.tenant(&server.f.acme),
            "test",
            "formless",
            app::model::EventType::CallCompleted,
            "{}",
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    age("events", "received_at", "external_id = 'formless'").await;

    let purged = store.purge(now, now - 30 * day).await.unwrap();
    assert_eq!((purged.sessions, purged.handoffs, purged.webhooks, purged.deferred_webhooks), (1, 1, 1, 1));
    assert!(purged.events >= 1, "{purged:?}");
    let count =
        |sql: &'static str| async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(store.pool()).await.unwrap() };
    assert_eq!(count("SELECT COUNT(*) FROM sessions WHERE token_hash IN ('ended', 'live')").await, 1);
    assert_eq!(count("SELECT COUNT(*) FROM sso_handoffs").await, 1);
    assert_eq!(server.state("webhook:old-done").await, None);
    assert_eq!(server.state("webhook:old-failed").await.as_deref(), Some("failed"), "failures stay for operators");
    assert_eq!(server.state("webhook:new-done").await.as_deref(), Some("processed"));
    assert_eq!(count("SELECT COUNT(*) FROM events WHERE module IS NULL").await, with_forms, "events with forms stay");
    let stream = count("SELECT COUNT(*) FROM events WHERE module IS NOT NULL").await;
    assert!(stream > 0, "the records' history (the demo's, aged too) stays");
}

on_both_backends!(
    ended_and_old_records_are_purged,
    signed_webhooks_are_kept_once,
    forged_stale_and_unreadable_webhooks_are_refused,
    a_full_backlog_asks_highlevel_to_retry,
    a_webhook_the_store_failed_is_taken_on_redelivery,
    id_less_redeliveries_and_long_transcripts,
    a_standalone_server_has_no_webhook_endpoint_and_may_be_framed_by_nobody_else,
);
