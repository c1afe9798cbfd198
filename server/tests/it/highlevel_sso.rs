//! Signing in from HighLevel's custom page, on a real socket, with user contexts encrypted by
//! CryptoJS itself (`tests/fixtures/sso.json`): the right sub-account and role, cookies that
//! work in a cross-site frame, the hand-off link for browsers that keep none, and refusals.
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first surprise")]

use crate::common::{Db, TestDb, database};
use crate::connected;
use crate::standin;
use app::api::ports::AuthPort;
use leptos::prelude::LeptosOptions;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::highlevel::config::Secret;
use server::highlevel::signature::WebhookKeys;
use server::highlevel::webhooks::IntakeLimits;
use server::highlevel::{HighLevel, opsflow_user_id};
use server::service::{Service, ServiceOptions};
use std::sync::Arc;

const COMPANY: &str = "GNb7aIv4rQFVb9iwNl5K";
const ACTIVE_LOCATION: &str = "yLKVZpNppIdYpah4RjNE";
const OTHER_LOCATION: &str = "otherLocation0000001";

fn fixtures() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sso.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

struct Server {
    base: String,
    db: TestDb,
    service: Arc<Service>,
}

async fn start(db: Db, connected: bool) -> Server {
    let db = database(db).await;
    let options = ServiceOptions { embedded: connected, ..ServiceOptions::default() };
    let mut service = Service::new(db.store.clone(), options);
    if connected {
        let mut config = standin::config(WebhookKeys::published().unwrap(), "http://127.0.0.1:9");
        config.shared_secret = Secret::new(fixtures()["secret"].as_str().unwrap());
        service = service.connected(HighLevel::start(db.store.clone(), config, IntakeLimits::default()).await.unwrap());
        db.store.install_company(COMPANY, Some("Northwind Agency")).await.unwrap();
        for (location, name) in [(ACTIVE_LOCATION, "Acme Plumbing"), (OTHER_LOCATION, "Brightside Dental")] {
            db.store.install_location(&location.into(), COMPANY, name, "UTC").await.unwrap();
        }
    }
    let service = Arc::new(service);
    let options = LeptosOptions::builder().output_name("opsflow").site_root("target/site").build();
    let app = server::router(service.clone(), options);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Server { base, db, service }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

impl Server {
    async fn sign_in(&self, payload: &str) -> (StatusCode, Value, Option<String>) {
        let url = format!("{}/sso/highlevel", self.base);
        let response = client().post(url).header("origin", &self.base).json(&json!({"payload": payload})).send();
        let response = response.await.unwrap();
        let cookie = response.headers().get("set-cookie").map(|c| c.to_str().unwrap().to_owned());
        (response.status(), response.json().await.unwrap(), cookie)
    }

    async fn sub_accounts_of(&self, user_id: &str) -> Vec<String> {
        let mut names: Vec<String> =
            self.db.store.sub_accounts_of(&user_id.into()).await.unwrap().into_iter().map(|s| s.name).collect();
        names.sort();
        names
    }
}

fn session(cookie: &str) -> String {
    cookie.split(';').next().unwrap().to_owned()
}

async fn a_location_user_lands_in_their_sub_account_with_a_frame_cookie(db: Db) {
    let server = start(db, true).await;
    let (status, body, cookie) = server.sign_in(fixtures()["location"]["payload"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["landing"], format!("/s/{ACTIVE_LOCATION}/inbox"));
    let cookie = cookie.unwrap();
    for attribute in ["HttpOnly", "SameSite=None", "Secure", "Partitioned"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    let check = client().get(format!("{}/sso/session", server.base)).header("cookie", session(&cookie)).send();
    assert_eq!(check.await.unwrap().status(), StatusCode::NO_CONTENT);
    let inbox = client()
        .get(format!("{}{}", server.base, body["landing"].as_str().unwrap()))
        .header("cookie", session(&cookie));
    let inbox = inbox.send().await.unwrap();
    assert_eq!(inbox.status(), StatusCode::OK);
    assert!(inbox.text().await.unwrap().contains("Acme Plumbing"));

    let user = server.service.session_user(session(&cookie).split_once('=').unwrap().1).await.unwrap().unwrap();
    assert_eq!((user.name.as_str(), user.is_admin()), ("Zoë Ünal", false), "the user's name and role");
    assert_eq!(server.sub_accounts_of(&user.id).await, ["Acme Plumbing"], "only the sub-account they came from");
}

async fn an_agency_admin_gets_every_installed_sub_account(db: Db) {
    let server = start(db, true).await;
    let (status, body, _) = server.sign_in(fixtures()["agency"]["payload"].as_str().unwrap()).await;
    assert_eq!((status, body["landing"].as_str()), (StatusCode::OK, Some("/")));
    assert_eq!(server.sub_accounts_of("hl-MKQJ7wOVVmNOMvrnKKKK").await, ["Acme Plumbing", "Brightside Dental"]);
}

async fn the_handoff_link_signs_in_the_tab_the_frame_opened_once(db: Db) {
    let server = start(db, true).await;
    let handoff = |body: &Value| {
        let link = body["handoff"].as_str().unwrap();
        let code = link.strip_prefix("/sso/handoff#").expect("the code rides in the fragment").to_owned();
        (code, body["handoffVerifier"].as_str().unwrap().to_owned())
    };
    let complete = |code: String, verifier: String| {
        let request = client()
            .post(format!("{}/sso/handoff", server.base))
            .header("origin", &server.base)
            .json(&json!({ "code": code, "verifier": verifier }));
        async move {
            let response = request.send().await.unwrap();
            let cookie = response.headers().get("set-cookie").map(|c| c.to_str().unwrap().to_owned());
            (response.status(), response.json::<Value>().await.unwrap(), cookie)
        }
    };
    // The page the link opens carries no code (it is in the fragment) and runs only its own script.
    let page = client().get(format!("{}/sso/handoff", server.base)).send().await.unwrap();
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    let html = page.text().await.unwrap();
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap();
    assert!(html.contains(&format!("<script nonce=\"{nonce}\">")), "{html}");
    assert!(html.contains("OPSFLOW_HANDOFF_READY"));

    // A leaked link without the frame's verifier signs nobody in, and is used up.
    let (_, body, _) = server.sign_in(fixtures()["location"]["payload"].as_str().unwrap()).await;
    let (code, verifier) = handoff(&body);
    let (status, error, cookie) = complete(code.clone(), "guessed".to_owned()).await;
    assert_eq!((status, cookie), (StatusCode::BAD_REQUEST, None), "{error}");
    assert_eq!(complete(code, verifier).await.0, StatusCode::BAD_REQUEST, "one try per code");

    // The tab the frame opened, with its verifier: signed in once.
    let (_, body, _) = server.sign_in(fixtures()["location"]["payload"].as_str().unwrap()).await;
    let (code, verifier) = handoff(&body);
    let (status, landed, cookie) = complete(code.clone(), verifier.clone()).await;
    assert_eq!(status, StatusCode::OK, "{landed}");
    assert_eq!(landed["landing"], format!("/s/{ACTIVE_LOCATION}/inbox"));
    let check = client().get(format!("{}/sso/session", server.base)).header("cookie", session(&cookie.unwrap())).send();
    assert_eq!(check.await.unwrap().status(), StatusCode::NO_CONTENT);
    let (status, error, _) = complete(code, verifier).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["message"].as_str().unwrap().contains("already used or has expired"), "{error}");
}

async fn bad_payloads_and_missing_installs_are_refused_clearly(db: Db) {
    let server = start(db, true).await;
    let payload = fixtures()["location"]["payload"].as_str().unwrap().to_owned();
    let mut tampered = payload.clone().into_bytes();
    tampered[40] = if tampered[40] == b'A' { b'B' } else { b'A' };
    let (status, body, cookie) = server.sign_in(std::str::from_utf8(&tampered).unwrap()).await;
    assert_eq!((status, cookie), (StatusCode::BAD_REQUEST, None));
    assert!(body["message"].as_str().unwrap().starts_with("The sign-in from HighLevel was refused"), "{body}");
    let generic = body["message"].clone();
    // Every unreadable payload gets the same answer, which quotes nothing of what it decrypted to.
    for payload in ["not a payload", fixtures()["not_json"]["payload"].as_str().unwrap()] {
        let (status, body, _) = server.sign_in(payload).await;
        assert_eq!((status, &body["message"]), (StatusCode::BAD_REQUEST, &generic), "{body}");
    }

    // Someone else already has the email: nothing changes, and they are told why.
    let mut tx = server.db.store.begin().await.unwrap();
    server
        .db
        .store
        .upsert_sso_user(&mut tx, &"other".into(), COMPANY, "johndoe@gmail.com", "John", "staff")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (status, body, _) = server.sign_in(&payload).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    sqlx::query("DELETE FROM users WHERE id = 'other'").execute(server.db.store.pool()).await.unwrap();

    server.db.store.uninstall_location(&ACTIVE_LOCATION.into()).await.unwrap();
    let (status, body, _) = server.sign_in(&payload).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (StatusCode::FORBIDDEN, Some("OpsFlow is not installed in this sub-account."))
    );
    server.db.store.uninstall_company(COMPANY).await.unwrap();
    let (status, body, _) = server.sign_in(&payload).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body["message"].as_str().unwrap().contains("not installed for this agency"), "{body}");
}

async fn a_standalone_server_refuses_highlevel_sign_in(db: Db) {
    let server = start(db, false).await;
    let (status, body, _) = server.sign_in(fixtures()["location"]["payload"].as_str().unwrap()).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (StatusCode::BAD_REQUEST, Some("This OpsFlow is not connected to HighLevel."))
    );
    let page = client().get(format!("{}/sso", server.base)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("REQUEST_USER_DATA"));
}

/// Signs in through the custom page of a server connected to the stand-in (whose users API
/// says who may open what).
async fn sign_in_from_highlevel(flow: &connected::Flow, context: Value) -> (StatusCode, Value) {
    let response = client()
        .post(format!("{}/sso/highlevel", flow.base))
        .header("origin", &flow.base)
        .json(&json!({ "payload": connected::sso_payload(&context) }))
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

fn context(user: &str, role: &str, location: Option<&str>) -> Value {
    let mut context = json!({ "userId": user, "companyId": standin::COMPANY, "role": role, "type": "location",
                              "userName": "Someone", "email": format!("{user}@example.com") });
    if let Some(location) = location {
        context["activeLocation"] = json!(location);
    }
    context
}

async fn access_follows_what_highlevel_says_now(db: Db) {
    let flow = connected::start(db).await;
    flow.install().await;
    let store = &flow.db.store;
    let memberships = |user: &str| {
        let user = opsflow_user_id(user);
        async move { store.sub_accounts_of(&user).await.unwrap().into_iter().map(|s| s.id).collect::<Vec<_>>() }
    };
    // Staff in HighLevel, though the context says admin: staff here, in their sub-account only —
    // a membership left from before (another sub-account) is gone.
    store.install_location(&"elsewhere".into(), standin::COMPANY, "Elsewhere Ltd", "UTC").await.unwrap();
    let user_id = opsflow_user_id(standin::USER);
    let mut tx = store.begin().await.unwrap();
    store.upsert_sso_user(&mut tx, &user_id, standin::COMPANY, "sam@acme.example", "Sam", "admin").await.unwrap();
    store.add_membership(&mut tx, &user_id, &"elsewhere".into()).await.unwrap();
    tx.commit().await.unwrap();
    let (status, body) = sign_in_from_highlevel(&flow, context(standin::USER, "admin", Some(standin::LOCATION))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(memberships(standin::USER).await, [standin::LOCATION]);
    let role: String = sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
        .bind(&user_id)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(role, "staff");

    // Removed from HighLevel, unknown to it, or without this sub-account: refused.
    for user in ["gone", "NoSuchUser0000000001", standin::OTHER_LOCATION_USER] {
        let (status, body) = sign_in_from_highlevel(&flow, context(user, "admin", Some(standin::LOCATION))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}: {body}");
        assert_eq!(body["message"], "HighLevel says you do not have access to this sub-account.");
    }

    // Outside any sub-account: an agency admin gets every installed one; anyone else none.
    let mut agency = context(standin::AGENCY_ADMIN, "admin", None);
    agency["type"] = json!("agency");
    assert_eq!(sign_in_from_highlevel(&flow, agency).await.0, StatusCode::OK);
    let mut every = memberships(standin::AGENCY_ADMIN).await;
    every.sort();
    assert_eq!(every, ["elsewhere", standin::LOCATION]);
    let (status, body) = sign_in_from_highlevel(&flow, context(standin::AGENCY_ADMIN, "admin", None)).await;
    assert_eq!((status, body["landing"].as_str()), (StatusCode::OK, Some("/")));
    assert!(memberships(standin::AGENCY_ADMIN).await.is_empty(), "a location-type context without a location");

    // A context that says when it was made is refused when old.
    let mut old = context(standin::USER, "user", Some(standin::LOCATION));
    old["timestamp"] = json!((chrono::Utc::now() - chrono::Duration::minutes(20)).to_rfc3339());
    let (status, body) = sign_in_from_highlevel(&flow, old).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let mut fresh = context(standin::USER, "user", Some(standin::LOCATION));
    fresh["iat"] = json!(chrono::Utc::now().timestamp());
    assert_eq!(sign_in_from_highlevel(&flow, fresh).await.0, StatusCode::OK);

    // An uninstall ends the sub-account's memberships and its HighLevel users' sessions.
    let response = client()
        .post(format!("{}/sso/highlevel", flow.base))
        .header("origin", &flow.base)
        .json(&json!({ "payload": connected::sso_payload(&context(standin::USER, "user", Some(standin::LOCATION))) }))
        .send()
        .await
        .unwrap();
    let cookie = session(response.headers()["set-cookie"].to_str().unwrap());
    let token = cookie.split_once('=').unwrap().1.to_owned();
    assert!(flow.service.session_user(&token).await.unwrap().is_some());
    store.uninstall_location(&connected::location()).await.unwrap();
    assert!(flow.service.session_user(&token).await.unwrap().is_none(), "the session ended");
    assert!(memberships(standin::USER).await.is_empty());
    flow.standin.assert_spec_clean();
}

/// Each sign-in decrypts a context and asks HighLevel: one address gets a few a minute.
async fn highlevel_sign_in_is_rate_limited_per_address(db: Db) {
    let server = start(db, true).await;
    let payload = fixtures()["location"]["payload"].as_str().unwrap().to_owned();
    let mut statuses = Vec::new();
    for _ in 0..31 {
        statuses.push(server.sign_in(&payload).await.0);
    }
    assert!(statuses[..30].iter().all(|status| *status == StatusCode::OK), "{statuses:?}");
    assert_eq!(statuses[30], StatusCode::TOO_MANY_REQUESTS);
}

on_both_backends!(
    highlevel_sign_in_is_rate_limited_per_address,
    access_follows_what_highlevel_says_now,
    a_location_user_lands_in_their_sub_account_with_a_frame_cookie,
    an_agency_admin_gets_every_installed_sub_account,
    the_handoff_link_signs_in_the_tab_the_frame_opened_once,
    bad_payloads_and_missing_installs_are_refused_clearly,
    a_standalone_server_refuses_highlevel_sign_in,
);
