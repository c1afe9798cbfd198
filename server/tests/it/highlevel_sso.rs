//! Signing in from HighLevel's custom page, on a real socket, against the stand-in HighLevel
//! (whose users API says who may open what): the right sub-account and role, cookies that work
//! in a cross-site frame, the hand-off link for browsers that keep none, contexts that sign in
//! once, sign-ins HighLevel must confirm, hourly re-checks, and refusals. The contexts are
//! encrypted as CryptoJS does it (`connected::sso_payload`; `highlevel::sso`'s unit tests read
//! payloads CryptoJS itself made).
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first surprise")]

use crate::common::{Db, database};
use crate::connected::{self, Flow};
use crate::standin;
use app::api::ports::{ApiKeysPort, AuthPort};
use leptos::prelude::LeptosOptions;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use server::db::now_ms;
use server::db::tenancy::Tenant;
use server::highlevel::opsflow_user_id;
use server::service::{Rechecked, Service, ServiceOptions};
use std::sync::Arc;

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A connected server, installed, with a second sub-account of the agency (`elsewhere`).
async fn installed(db: Db) -> Flow {
    let flow = connected::start_with(db, ServiceOptions { embedded: true, ..ServiceOptions::default() }).await;
    flow.install().await;
    flow.db.store.install_location(&"elsewhere".into(), standin::COMPANY, "Elsewhere Ltd", "UTC").await.unwrap();
    flow
}

/// What `POST /sso/highlevel` answered: status, body and the session cookie it set (`name=value`).
struct Answer {
    status: StatusCode,
    body: Value,
    cookie: Option<String>,
}

impl Answer {
    fn token(&self) -> String {
        self.cookie.as_ref().expect("a session cookie").split_once('=').unwrap().1.to_owned()
    }
}

/// Posts a payload from the custom page, with the session cookie `cookie` if any.
async fn post_payload(flow: &Flow, payload: &str, cookie: Option<&str>) -> Answer {
    let mut request = client()
        .post(format!("{}/sso/highlevel", flow.base))
        .header("origin", &flow.base)
        .json(&json!({ "payload": payload }));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap();
    let set_cookie = response.headers().get("set-cookie").map(|c| c.to_str().unwrap().to_owned());
    Answer {
        status: response.status(),
        cookie: set_cookie.map(|c| c.split(';').next().unwrap().to_owned()),
        body: response.json().await.unwrap(),
    }
}

/// Signs in with a fresh context.
async fn sign_in_from_highlevel(flow: &Flow, context: Value) -> Answer {
    post_payload(flow, &connected::sso_payload(&context), None).await
}

fn context(user: &str, role: &str, location: Option<&str>) -> Value {
    let mut context = json!({ "userId": user, "companyId": standin::COMPANY, "role": role, "type": "location",
                              "userName": "Someone", "email": format!("{user}@example.com") });
    if let Some(location) = location {
        context["activeLocation"] = json!(location);
    }
    context
}

fn agency_context(user: &str, role: &str) -> Value {
    let mut context = context(user, role, None);
    context["type"] = json!("agency");
    context
}

async fn memberships(flow: &Flow, user: &str) -> Vec<String> {
    let rows = flow.db.store.sub_accounts_of(&opsflow_user_id(user)).await.unwrap();
    let mut ids: Vec<String> = rows.into_iter().map(|s| s.id.to_string()).collect();
    ids.sort();
    ids
}

async fn role_of(flow: &Flow, user: &str) -> Option<String> {
    sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
        .bind(opsflow_user_id(user))
        .fetch_optional(flow.db.store.pool())
        .await
        .unwrap()
}

async fn signed_in(flow: &Flow, token: &str) -> bool {
    flow.service.session_user(token).await.unwrap().is_some()
}

/// Makes every HighLevel user's last confirmation `hours` old.
async fn confirmed_hours_ago(flow: &Flow, hours: i64) {
    sqlx::query("UPDATE users SET highlevel_confirmed_at = $1 WHERE id LIKE 'hl-%'")
        .bind(now_ms() - hours * 3600 * 1000)
        .execute(flow.db.store.pool())
        .await
        .unwrap();
}

async fn a_location_user_lands_in_their_sub_account_with_a_frame_cookie(db: Db) {
    let flow = installed(db).await;
    let response = client()
        .post(format!("{}/sso/highlevel", flow.base))
        .header("origin", &flow.base)
        .json(&json!({ "payload": connected::sso_payload(&context(standin::USER, "user", Some(standin::LOCATION))) }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    for attribute in ["HttpOnly", "SameSite=None", "Secure", "Partitioned"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    let session = cookie.split(';').next().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["landing"], format!("/s/{}/inbox", standin::LOCATION));
    let check = client().get(format!("{}/sso/session", flow.base)).header("cookie", &session).send();
    assert_eq!(check.await.unwrap().status(), StatusCode::NO_CONTENT);
    let inbox = client()
        .get(format!("{}{}", flow.base, body["landing"].as_str().unwrap()))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(inbox.status(), StatusCode::OK);
    assert!(inbox.text().await.unwrap().contains("Acme Plumbing"));

    let user = flow.service.session_user(session.split_once('=').unwrap().1).await.unwrap().unwrap();
    assert_eq!((user.name.as_str(), user.is_admin()), ("Someone", false), "the user's name and role");
    assert_eq!(memberships(&flow, standin::USER).await, [standin::LOCATION], "only what HighLevel lets them open");
    flow.standin.assert_spec_clean();
}

/// Outside any sub-account, HighLevel (asked with the agency's token) says what the user may open.
async fn the_agency_view_is_confirmed_with_highlevel(db: Db) {
    let flow = installed(db).await;
    let answer = sign_in_from_highlevel(&flow, agency_context(standin::AGENCY_ADMIN, "admin")).await;
    assert_eq!((answer.status, answer.body["landing"].as_str()), (StatusCode::OK, Some("/")), "{}", answer.body);
    assert_eq!(memberships(&flow, standin::AGENCY_ADMIN).await, ["elsewhere", standin::LOCATION]);
    assert_eq!(role_of(&flow, standin::AGENCY_ADMIN).await.as_deref(), Some("admin"));

    // An agency user HighLevel keeps to one sub-account, whatever the context says.
    flow.standin.change_user(standin::AGENCY_ADMIN, |user| {
        user["roles"] =
            json!({"type": "agency", "role": "user", "locationIds": ["elsewhere"], "restrictSubAccount": true});
    });
    let answer = sign_in_from_highlevel(&flow, agency_context(standin::AGENCY_ADMIN, "admin")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(memberships(&flow, standin::AGENCY_ADMIN).await, ["elsewhere"]);
    assert_eq!(role_of(&flow, standin::AGENCY_ADMIN).await.as_deref(), Some("staff"));

    // A sub-account's user in the agency view: their own sub-accounts only.
    let answer = sign_in_from_highlevel(&flow, agency_context(standin::USER, "admin")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(memberships(&flow, standin::USER).await, [standin::LOCATION]);
    assert_eq!(role_of(&flow, standin::USER).await.as_deref(), Some("staff"));

    // Removed from HighLevel, or unknown to it: refused.
    flow.standin.change_user(standin::AGENCY_ADMIN, |user| user["deleted"] = json!(true));
    for user in [standin::AGENCY_ADMIN, "NoSuchUser0000000001"] {
        let answer = sign_in_from_highlevel(&flow, agency_context(user, "admin")).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{user}: {}", answer.body);
        assert_eq!(answer.body["message"], "HighLevel says you are not a user of this agency.");
        assert_eq!(answer.cookie, None);
    }
    let asked_with_the_agency_token = flow.standin.requests().iter().any(|r| r.path.contains("/users/"));
    assert!(asked_with_the_agency_token);
    flow.standin.assert_spec_clean();
}

async fn the_handoff_link_signs_in_the_tab_the_frame_opened_once(db: Db) {
    let flow = installed(db).await;
    let handoff = |body: &Value| {
        let link = body["handoff"].as_str().unwrap();
        let code = link.strip_prefix("/sso/handoff#").expect("the code rides in the fragment").to_owned();
        (code, body["handoffVerifier"].as_str().unwrap().to_owned())
    };
    let complete = |code: String, verifier: String| {
        let request = client()
            .post(format!("{}/sso/handoff", flow.base))
            .header("origin", &flow.base)
            .json(&json!({ "code": code, "verifier": verifier }));
        async move {
            let response = request.send().await.unwrap();
            let cookie = response.headers().get("set-cookie").map(|c| c.to_str().unwrap().to_owned());
            (response.status(), response.json::<Value>().await.unwrap(), cookie)
        }
    };
    // The page the link opens carries no code (it is in the fragment) and runs only its own script.
    let page = client().get(format!("{}/sso/handoff", flow.base)).send().await.unwrap();
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    let html = page.text().await.unwrap();
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap();
    assert!(html.contains(&format!("<script nonce=\"{nonce}\">")), "{html}");
    assert!(html.contains("OPSFLOW_HANDOFF_READY"));

    // A leaked link without the frame's verifier signs nobody in, and is used up.
    let staff = || context(standin::USER, "user", Some(standin::LOCATION));
    let answer = sign_in_from_highlevel(&flow, staff()).await;
    let (code, verifier) = handoff(&answer.body);
    let (status, error, cookie) = complete(code.clone(), "guessed".to_owned()).await;
    assert_eq!((status, cookie), (StatusCode::BAD_REQUEST, None), "{error}");
    assert_eq!(complete(code, verifier).await.0, StatusCode::BAD_REQUEST, "one try per code");

    // The tab the frame opened, with its verifier: signed in once.
    let answer = sign_in_from_highlevel(&flow, staff()).await;
    let (code, verifier) = handoff(&answer.body);
    let (status, landed, cookie) = complete(code.clone(), verifier.clone()).await;
    assert_eq!(status, StatusCode::OK, "{landed}");
    assert_eq!(landed["landing"], format!("/s/{}/inbox", standin::LOCATION));
    let session = cookie.unwrap().split(';').next().unwrap().to_owned();
    let check = client().get(format!("{}/sso/session", flow.base)).header("cookie", session).send();
    assert_eq!(check.await.unwrap().status(), StatusCode::NO_CONTENT);
    let (status, error, _) = complete(code, verifier).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["message"].as_str().unwrap().contains("already used or has expired"), "{error}");
}

/// A captured context is worth nothing: it signs in once. The frame that used it, reloaded with
/// the same context and its session, goes on with that session.
async fn a_user_context_signs_in_once(db: Db) {
    let flow = installed(db).await;
    let payload = connected::sso_payload(&context(standin::USER, "user", Some(standin::LOCATION)));
    let first = post_payload(&flow, &payload, None).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let users_asked = || flow.standin.requests().iter().filter(|r| r.path.contains("/users/")).count();
    let asked = users_asked();

    let replay = post_payload(&flow, &payload, None).await;
    assert_eq!((replay.status, &replay.cookie), (StatusCode::BAD_REQUEST, &None), "{}", replay.body);
    assert_eq!(
        replay.body["message"],
        "This sign-in from HighLevel was already used. Open OpsFlow from HighLevel's menu again."
    );
    // Someone else's session does not make it theirs.
    let other = sign_in_from_highlevel(&flow, agency_context(standin::AGENCY_ADMIN, "admin")).await;
    let replay = post_payload(&flow, &payload, other.cookie.as_deref()).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST, "{}", replay.body);

    let reload = post_payload(&flow, &payload, first.cookie.as_deref()).await;
    assert_eq!(reload.status, StatusCode::OK, "{}", reload.body);
    assert_eq!(reload.cookie, None, "the session it made goes on");
    assert_eq!(reload.body["landing"], first.body["landing"]);
    assert!(signed_in(&flow, &first.token()).await);
    assert_eq!(users_asked(), asked + 1, "a used context never reaches HighLevel (one call was the other user's)");

    // Two uses of a fresh context at the same moment: one session.
    let payload = connected::sso_payload(&context(standin::USER, "user", Some(standin::LOCATION)));
    let (a, b) = tokio::join!(post_payload(&flow, &payload, None), post_payload(&flow, &payload, None));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::BAD_REQUEST]);
    assert_eq!(usize::from(a.cookie.is_some()) + usize::from(b.cookie.is_some()), 1);

    // Kept no longer than the sessions they made may live: purged after.
    let kept: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sso_payloads").fetch_one(flow.db.store.pool()).await.unwrap();
    assert_eq!(kept, 3);
    let fifteen_days = 15 * 24 * 3600 * 1000;
    let purged = flow.db.store.purge(now_ms() + fifteen_days, 0).await.unwrap();
    assert_eq!(purged.sso_payloads, 3);
}

/// When HighLevel cannot answer, a sign-in fails closed — unless what HighLevel confirmed within
/// the day already lets the user in, and then with no more than that.
async fn a_sign_in_highlevel_cannot_confirm_fails_closed(db: Db) {
    let flow = installed(db).await;
    let staff = |role: &str| context(standin::USER, role, Some(standin::LOCATION));
    let cannot_confirm = "HighLevel could not confirm your access just now, so OpsFlow did not sign you in. \
                          Open OpsFlow from HighLevel's menu again in a minute.";

    // Never confirmed: refused, on an error and on no answer within five seconds.
    flow.standin.fail_next(Method::GET, "/users/", 500, None);
    let answer = sign_in_from_highlevel(&flow, staff("admin")).await;
    assert_eq!(
        (answer.status, answer.body["message"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some(cannot_confirm))
    );
    assert_eq!(answer.cookie, None);
    assert_eq!(role_of(&flow, standin::USER).await, None, "nothing written");
    flow.standin.stall_next(Method::GET, "/users/", std::time::Duration::from_secs(7));
    let answer = sign_in_from_highlevel(&flow, staff("admin")).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{}", answer.body);

    // Confirmed once (staff, in LOCATION)...
    let answer = sign_in_from_highlevel(&flow, staff("user")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    // ...that stands in for HighLevel for a day: never as more than it said.
    flow.standin.fail_next(Method::GET, "/users/", 503, None);
    let answer = sign_in_from_highlevel(&flow, staff("admin")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let user = flow.service.session_user(&answer.token()).await.unwrap().unwrap();
    assert!(!user.is_admin(), "the context's admin role is not taken on trust");
    assert_eq!(memberships(&flow, standin::USER).await, [standin::LOCATION]);
    // Not into a sub-account HighLevel never confirmed.
    flow.standin.fail_next(Method::GET, "/users/", 503, None);
    let answer = sign_in_from_highlevel(&flow, context(standin::USER, "user", Some("elsewhere"))).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{}", answer.body);
    // HighLevel refusing to say (not an outage) is no confirmation at all.
    flow.standin.fail_next(Method::GET, "/users/", 403, None);
    let answer = sign_in_from_highlevel(&flow, staff("user")).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    // Not on a confirmation over a day old.
    confirmed_hours_ago(&flow, 25).await;
    flow.standin.fail_next(Method::GET, "/users/", 503, None);
    let answer = sign_in_from_highlevel(&flow, staff("user")).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{}", answer.body);
    flow.standin.assert_spec_clean();
}

/// Signed-in HighLevel users are asked about again hourly: removed ones, and ones who lost a
/// sub-account or their admin role, are signed out; HighLevel out of reach, sessions go on for
/// a day on the last confirmation.
async fn signed_in_highlevel_users_are_rechecked(db: Db) {
    let flow = installed(db).await;
    let staff = sign_in_from_highlevel(&flow, context(standin::USER, "user", Some(standin::LOCATION))).await;
    let agency = sign_in_from_highlevel(&flow, agency_context(standin::AGENCY_ADMIN, "admin")).await;
    let other = sign_in_from_highlevel(&flow, context(standin::OTHER_LOCATION_USER, "admin", Some("elsewhere"))).await;
    for answer in [&staff, &agency, &other] {
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }
    let admin_of_elsewhere = flow.service.session_user(&other.token()).await.unwrap().unwrap();
    let key = flow.service.create_api_key(&admin_of_elsewhere, &"elsewhere".into(), "Zapier").await.unwrap().key;
    let call_with = |key: String| {
        let request = client().get(format!("{}/api/v1/workflows", flow.base)).bearer_auth(key);
        async move {
            let response = request.send().await.unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        }
    };
    assert_eq!(call_with(key.clone()).await.0, StatusCode::OK);
    assert_eq!(flow.service.recheck_highlevel_users().await.unwrap(), Rechecked::default(), "all confirmed just now");

    flow.standin.change_user(standin::USER, |user| user["deleted"] = json!(true));
    flow.standin.change_user(standin::AGENCY_ADMIN, |user| {
        user["roles"] = json!({"type": "agency", "role": "admin", "locationIds": [standin::LOCATION], "restrictSubAccount": true});
    });
    confirmed_hours_ago(&flow, 1).await;
    let done = flow.service.recheck_highlevel_users().await.unwrap();
    assert_eq!(done, Rechecked { confirmed: 1, ended: 2, unanswered: 0 });
    assert!(!signed_in(&flow, &staff.token()).await, "removed in HighLevel: signed out");
    assert!(memberships(&flow, standin::USER).await.is_empty());
    assert!(!signed_in(&flow, &agency.token()).await, "lost a sub-account: signed out");
    assert_eq!(memberships(&flow, standin::AGENCY_ADMIN).await, [standin::LOCATION], "keeping the rest");
    assert!(signed_in(&flow, &other.token()).await, "unchanged in HighLevel: still signed in");
    assert_eq!(role_of(&flow, standin::OTHER_LOCATION_USER).await.as_deref(), Some("admin"));

    // HighLevel out of reach: the session goes on while its confirmation is under a day old.
    confirmed_hours_ago(&flow, 2).await;
    flow.standin.fail_next(Method::GET, "/users/", 503, None);
    let done = flow.service.recheck_highlevel_users().await.unwrap();
    assert_eq!(done, Rechecked { confirmed: 0, ended: 0, unanswered: 1 });
    assert!(signed_in(&flow, &other.token()).await);
    confirmed_hours_ago(&flow, 25).await;
    flow.standin.fail_next(Method::GET, "/users/", 503, None);
    let done = flow.service.recheck_highlevel_users().await.unwrap();
    assert_eq!(done, Rechecked { confirmed: 0, ended: 1, unanswered: 0 });
    assert!(!signed_in(&flow, &other.token()).await, "unconfirmed for a day: signed out");

    // Losing the admin role signs out too.
    let other = sign_in_from_highlevel(&flow, context(standin::OTHER_LOCATION_USER, "admin", Some("elsewhere"))).await;
    assert_eq!(role_of(&flow, standin::OTHER_LOCATION_USER).await.as_deref(), Some("admin"));
    flow.standin.change_user(standin::OTHER_LOCATION_USER, |user| user["roles"]["role"] = json!("user"));
    confirmed_hours_ago(&flow, 1).await;
    assert_eq!(flow.service.recheck_highlevel_users().await.unwrap().ended, 1);
    assert!(!signed_in(&flow, &other.token()).await);
    assert_eq!(role_of(&flow, standin::OTHER_LOCATION_USER).await.as_deref(), Some("staff"));
    // The key they made as an admin stops, saying why.
    let (status, error) = call_with(key).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
    assert!(error["message"].as_str().unwrap().contains("no longer an admin"), "{error}");
    let listed = flow.db.store.api_keys(&Tenant::for_server_work("elsewhere".into())).await.unwrap();
    assert_eq!(listed[0].maker_is_admin, 0, "Settings lists it as stopped");

    // A user whose sessions have lapsed is still re-checked while a key of theirs is live, and
    // one HighLevel refuses to say anything of is taken as gone.
    let agency = sign_in_from_highlevel(&flow, agency_context(standin::AGENCY_ADMIN, "admin")).await;
    let agency_admin = flow.service.session_user(&agency.token()).await.unwrap().unwrap();
    let key = flow.service.create_api_key(&agency_admin, &connected::location(), "Make").await.unwrap().key;
    sqlx::query("DELETE FROM sessions").execute(flow.db.store.pool()).await.unwrap();
    assert_eq!(call_with(key.clone()).await.0, StatusCode::OK);
    confirmed_hours_ago(&flow, 1).await;
    flow.standin.fail_next(Method::GET, &format!("/users/{}", standin::AGENCY_ADMIN), 403, None);
    let done = flow.service.recheck_highlevel_users().await.unwrap();
    assert_eq!(done, Rechecked { confirmed: 1, ended: 1, unanswered: 0 }, "the agency admin, and Olu's key");
    assert!(memberships(&flow, standin::AGENCY_ADMIN).await.is_empty());
    assert_eq!(call_with(key).await.0, StatusCode::FORBIDDEN);
    flow.standin.assert_spec_clean();
}

async fn bad_payloads_and_missing_installs_are_refused_clearly(db: Db) {
    let flow = installed(db).await;
    let staff = || context(standin::USER, "user", Some(standin::LOCATION));
    let mut tampered = connected::sso_payload(&staff()).into_bytes();
    tampered[40] = if tampered[40] == b'A' { b'B' } else { b'A' };
    let answer = post_payload(&flow, std::str::from_utf8(&tampered).unwrap(), None).await;
    assert_eq!((answer.status, &answer.cookie), (StatusCode::BAD_REQUEST, &None));
    assert!(answer.body["message"].as_str().unwrap().starts_with("The sign-in from HighLevel was refused"));
    let generic = answer.body["message"].clone();
    // Every unreadable payload gets the same answer, which quotes nothing of what it decrypted to:
    // garbage, user data under another secret, and JSON that is not a user context.
    let not_a_context = connected::sso_payload(&json!({"hello": "world"}));
    for payload in ["not a payload", fixtures_not_json().as_str(), not_a_context.as_str()] {
        let answer = post_payload(&flow, payload, None).await;
        assert_eq!((answer.status, &answer.body["message"]), (StatusCode::BAD_REQUEST, &generic), "{}", answer.body);
    }

    // Someone else already has the email: nothing changes, and they are told why.
    let store = &flow.db.store;
    let mut tx = store.begin().await.unwrap();
    let email = format!("{}@example.com", standin::USER);
    store.upsert_sso_user(&mut tx, &"other".into(), standin::COMPANY, &email, "John", "staff").await.unwrap();
    tx.commit().await.unwrap();
    let answer = sign_in_from_highlevel(&flow, staff()).await;
    assert_eq!(answer.status, StatusCode::CONFLICT, "{}", answer.body);
    sqlx::query("DELETE FROM users WHERE id = 'other'").execute(store.pool()).await.unwrap();

    store.uninstall_location(&connected::location()).await.unwrap();
    let answer = sign_in_from_highlevel(&flow, staff()).await;
    assert_eq!(
        (answer.status, answer.body["message"].as_str()),
        (StatusCode::FORBIDDEN, Some("OpsFlow is not installed in this sub-account."))
    );
    store.uninstall_company(standin::COMPANY).await.unwrap();
    let answer = sign_in_from_highlevel(&flow, staff()).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(answer.body["message"].as_str().unwrap().contains("not installed for this agency"), "{}", answer.body);
}

/// A payload CryptoJS made with another secret (`tests/fixtures/sso.json`).
fn fixtures_not_json() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sso.json");
    let fixtures: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    fixtures["not_json"]["payload"].as_str().unwrap().to_owned()
}

async fn a_standalone_server_refuses_highlevel_sign_in(db: Db) {
    let db = database(db).await;
    let service = Arc::new(Service::new(db.store.clone(), ServiceOptions::default()));
    let options = LeptosOptions::builder().output_name("opsflow").site_root("target/site").build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, server::router(service, options)).await });
    let response = client()
        .post(format!("{base}/sso/highlevel"))
        .header("origin", &base)
        .json(&json!({ "payload": fixtures_not_json() }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["message"], "This OpsFlow is not connected to HighLevel.");
    let page = client().get(format!("{base}/sso")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("REQUEST_USER_DATA"));
}

async fn access_follows_what_highlevel_says_now(db: Db) {
    let flow = installed(db).await;
    let store = &flow.db.store;
    // Staff in HighLevel, though the context says admin: staff here, in their sub-account only —
    // a membership left from before (another sub-account) is gone.
    let user_id = opsflow_user_id(standin::USER);
    let mut tx = store.begin().await.unwrap();
    store.upsert_sso_user(&mut tx, &user_id, standin::COMPANY, "sam@acme.example", "Sam", "admin").await.unwrap();
    store.add_membership(&mut tx, &user_id, &"elsewhere".into()).await.unwrap();
    tx.commit().await.unwrap();
    let answer = sign_in_from_highlevel(&flow, context(standin::USER, "admin", Some(standin::LOCATION))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(memberships(&flow, standin::USER).await, [standin::LOCATION]);
    assert_eq!(role_of(&flow, standin::USER).await.as_deref(), Some("staff"));

    // Removed from HighLevel, unknown to it, or without this sub-account: refused.
    for user in ["gone", "NoSuchUser0000000001", standin::OTHER_LOCATION_USER] {
        let answer = sign_in_from_highlevel(&flow, context(user, "admin", Some(standin::LOCATION))).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{user}: {}", answer.body);
        assert_eq!(answer.body["message"], "HighLevel says you do not have access to this sub-account.");
    }

    // A context that says when it was made is refused when old.
    let mut old = context(standin::USER, "user", Some(standin::LOCATION));
    old["timestamp"] = json!((chrono::Utc::now() - chrono::Duration::minutes(20)).to_rfc3339());
    let answer = sign_in_from_highlevel(&flow, old).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    let mut fresh = context(standin::USER, "user", Some(standin::LOCATION));
    fresh["iat"] = json!(chrono::Utc::now().timestamp());
    assert_eq!(sign_in_from_highlevel(&flow, fresh).await.status, StatusCode::OK);

    // An uninstall ends the sub-account's memberships and its HighLevel users' sessions.
    let answer = sign_in_from_highlevel(&flow, context(standin::USER, "user", Some(standin::LOCATION))).await;
    assert!(signed_in(&flow, &answer.token()).await);
    store.uninstall_location(&connected::location()).await.unwrap();
    assert!(!signed_in(&flow, &answer.token()).await, "the session ended");
    assert!(memberships(&flow, standin::USER).await.is_empty());
    flow.standin.assert_spec_clean();
}

/// Each sign-in decrypts a context and asks HighLevel: one address gets a few a minute.
async fn highlevel_sign_in_is_rate_limited_per_address(db: Db) {
    let flow = installed(db).await;
    let mut statuses = Vec::new();
    for _ in 0..31 {
        statuses
            .push(sign_in_from_highlevel(&flow, context(standin::USER, "user", Some(standin::LOCATION))).await.status);
    }
    assert!(statuses[..30].iter().all(|status| *status == StatusCode::OK), "{statuses:?}");
    assert_eq!(statuses[30], StatusCode::TOO_MANY_REQUESTS);
}

on_both_backends!(
    highlevel_sign_in_is_rate_limited_per_address,
    access_follows_what_highlevel_says_now,
    a_location_user_lands_in_their_sub_account_with_a_frame_cookie,
    the_agency_view_is_confirmed_with_highlevel,
    the_handoff_link_signs_in_the_tab_the_frame_opened_once,
    a_user_context_signs_in_once,
    a_sign_in_highlevel_cannot_confirm_fails_closed,
    signed_in_highlevel_users_are_rechecked,
    bad_payloads_and_missing_installs_are_refused_clearly,
    a_standalone_server_refuses_highlevel_sign_in,
);
