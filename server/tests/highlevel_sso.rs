//! Signing in from HighLevel's custom page, on a real socket, with user contexts encrypted by
//! CryptoJS itself (`tests/fixtures/sso.json`): the right sub-account and role, cookies that
//! work in a cross-site frame, the hand-off link for browsers that keep none, and refusals.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod standin;

use app::api::ports::AuthPort;
use common::{Db, TestDb, database};
use leptos::prelude::LeptosOptions;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::highlevel::HighLevel;
use server::highlevel::config::Secret;
use server::highlevel::signature::WebhookKeys;
use server::highlevel::webhooks::IntakeLimits;
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
            db.store.install_location(location, COMPANY, name, "UTC").await.unwrap();
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
        let response = client().post(format!("{}/sso/highlevel", self.base)).json(&json!({"payload": payload})).send();
        let response = response.await.unwrap();
        let cookie = response.headers().get("set-cookie").map(|c| c.to_str().unwrap().to_owned());
        (response.status(), response.json().await.unwrap(), cookie)
    }

    async fn sub_accounts_of(&self, user_id: &str) -> Vec<String> {
        let mut names: Vec<String> =
            self.db.store.sub_accounts_of(user_id).await.unwrap().into_iter().map(|s| s.name).collect();
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

async fn the_handoff_link_signs_in_a_tab_once(db: Db) {
    let server = start(db, true).await;
    let (_, body, _) = server.sign_in(fixtures()["location"]["payload"].as_str().unwrap()).await;
    let link = format!("{}{}", server.base, body["handoff"].as_str().unwrap());
    let first = client().get(&link).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert_eq!(first.headers()["location"], format!("/s/{ACTIVE_LOCATION}/inbox"));
    let cookie = first.headers()["set-cookie"].to_str().unwrap().to_owned();
    let check = client().get(format!("{}/sso/session", server.base)).header("cookie", session(&cookie)).send();
    assert_eq!(check.await.unwrap().status(), StatusCode::NO_CONTENT);
    let again = client().get(&link).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert!(again.text().await.unwrap().contains("already used or has expired"));
}

async fn bad_payloads_and_missing_installs_are_refused_clearly(db: Db) {
    let server = start(db, true).await;
    let payload = fixtures()["location"]["payload"].as_str().unwrap().to_owned();
    let mut tampered = payload.clone().into_bytes();
    tampered[40] = if tampered[40] == b'A' { b'B' } else { b'A' };
    let (status, body, cookie) = server.sign_in(std::str::from_utf8(&tampered).unwrap()).await;
    assert_eq!((status, cookie), (StatusCode::BAD_REQUEST, None));
    assert!(body["message"].as_str().unwrap().starts_with("The sign-in from HighLevel was refused"), "{body}");
    let (status, body, _) = server.sign_in("not a payload").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // Someone else already has the email: nothing changes, and they are told why.
    let mut tx = server.db.store.begin().await.unwrap();
    server.db.store.upsert_sso_user(&mut tx, "other", COMPANY, "johndoe@gmail.com", "John", "staff").await.unwrap();
    tx.commit().await.unwrap();
    let (status, body, _) = server.sign_in(&payload).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    sqlx::query("DELETE FROM users WHERE id = 'other'").execute(server.db.store.pool()).await.unwrap();

    server.db.store.uninstall_location(ACTIVE_LOCATION).await.unwrap();
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

on_both_backends!(
    a_location_user_lands_in_their_sub_account_with_a_frame_cookie,
    an_agency_admin_gets_every_installed_sub_account,
    the_handoff_link_signs_in_a_tab_once,
    bad_payloads_and_missing_installs_are_refused_clearly,
    a_standalone_server_refuses_highlevel_sign_in,
);
