//! Runs survive the process: `opsflow serve` is killed with SIGKILL while it runs 200 runs' steps,
//! started again, and every run goes on — no step lost, no effect twice (each contact tagged
//! once, each webhook call carrying its step's id); then waits whose time comes while the server
//! is down resume within 2 s of it after the restart.
#![expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]

use app::api::ports::AuthPort;
use app::model::{Cause, Module};
use axum::http::HeaderMap;
use serde_json::json;
use server::crm::builtin::BuiltinCrm;
use server::db::Store;
use server::db::tenancy::{Editor, Tenant};
use server::service::{Service, ServiceOptions};
use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const RUNS: usize = 200;

/// A server process, killed with SIGKILL when dropped (a failing test leaves none behind).
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        kill_9(&mut self.0);
    }
}

/// `opsflow serve` on the data directory, its webhooks allowed to call this test's endpoint.
fn serve(dir: &Path, port: u16) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_opsflow"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--webhooks-may-call-private-hosts"])
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--site-root")
        .arg(dir.join("site"))
        .env("RUST_LOG", "error")
        .spawn()
        .unwrap();
    Server(child)
}

async fn ready(port: u16) {
    for _ in 0..200 {
        if reqwest::get(format!("http://127.0.0.1:{port}/readyz")).await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not start");
}

/// SIGKILL: no shutdown, no flush (a process already gone is fine).
fn kill_9(child: &mut Child) {
    let _ = Command::new("kill").args(["-KILL", &child.id().to_string()]).status();
    let _ = child.wait();
}

async fn count(store: &Store, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(store.pool()).await.unwrap()
}

/// Waits until `sql` counts `expected` (or fails after `seconds`).
async fn until(store: &Store, sql: &str, expected: i64, seconds: u64) {
    for _ in 0..seconds * 10 {
        if count(store, sql).await == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{sql}: {} after {seconds} s, not {expected}", count(store, sql).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_survive_kill_9_and_waits_resume_on_time_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("site/pkg")).unwrap();
    std::fs::write(dir.path().join("site/pkg/opsflow.wasm"), b"").unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();

    // The endpoint counts calls by their idempotency key.
    let calls: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let endpoint = {
        let calls = calls.clone();
        axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap| {
                let calls = calls.clone();
                async move {
                    let key = headers["idempotency-key"].to_str().unwrap().to_owned();
                    *calls.lock().unwrap().entry(key).or_default() += 1;
                    "ok"
                }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, endpoint).await.unwrap() });

    // The data: the demo and one workflow, written through the store as another instance would.
    let url = format!("sqlite://{}", dir.path().join("data/opsflow.db").display());
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    server::demo::seed_if_empty(&store).await.unwrap();
    let options = ServiceOptions { webhooks_may_call_private_hosts: true, ..ServiceOptions::default() };
    let service = Service::new(store.clone(), options);
    let admin =
        service.sign_in(server::demo::ADMIN_EMAIL, server::demo::ADMIN_PASSWORD, "127.0.0.1", None).await.unwrap().user;
    let acme =
        store.sub_accounts_of(&admin.id).await.unwrap().into_iter().find(|s| s.name == server::demo::ACME).unwrap().id;
    let member = store.member(&admin.id, &acme).await.unwrap().unwrap().admin().unwrap();
    service
        .create_workflow(&Editor::from(&member), &json!({
            "name": "Durable", "triggerModule": "contacts", "triggerType": "contact_created", "isActive": true,
            "actions": [
                {"actionType": "webhook", "sortOrder": 1, "config": {"url": hook, "body": {"id": "{{trigger.id}}"}}},
                {"actionType": "add_tag", "sortOrder": 2, "config": {"tags": ["done"]}},
                // Longer than a lease (60 s): steps in flight at the kill reach their wait a
                // lease later, and every run is to be seen waiting at once. The test moves the
                // waits' time itself further down.
                {"actionType": "wait", "sortOrder": 3, "config": {"amount": 1, "unit": "hours"}},
                {"actionType": "update_field", "sortOrder": 4, "config": {"field": "source", "value": "after the wait"}}
            ]
        }))
        .await
        .unwrap();

    let server = serve(dir.path(), port);
    ready(port).await;
    let crm = BuiltinCrm::new(store.clone());
    let tenant = Tenant::for_server_work(acme.clone());
    let cause = Cause::Person { user_id: admin.id.clone() };
    for n in 0..RUNS {
        let values = json!({"firstName": format!("Durable {n}")});
        crm.create_record(&tenant, &cause, Module::Contacts, values.as_object().unwrap()).await.unwrap();
    }
    // Killed mid-run: some steps done, some in flight, most not started.
    let done = "SELECT COUNT(*) FROM workflow_steps WHERE status = 'completed'";
    for _ in 0..600 {
        if count(&store, done).await >= 150 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(server);
    let at_kill = count(&store, done).await;
    assert!(at_kill > 0 && at_kill < 3 * RUNS as i64, "killed mid-run: {at_kill} steps done");

    // Started again: the runs go on (steps in flight when it died once their lease runs out).
    let server = serve(dir.path(), port);
    ready(port).await;
    let waiting = "SELECT COUNT(*) FROM workflow_runs WHERE status = 'waiting'";
    until(&store, waiting, RUNS as i64, 120).await;
    let claimed_twice = count(&store, "SELECT COUNT(*) FROM workflow_steps WHERE claims > 1").await;
    eprintln!("killed with {at_kill} steps done; {claimed_twice} steps taken again after the restart");
    let tags: Vec<String> = sqlx::query_scalar("SELECT tags FROM crm_contacts WHERE first_name LIKE 'Durable %'")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(tags.len(), RUNS);
    assert!(tags.iter().all(|tags| tags == r#"["done"]"#), "each contact tagged once");
    let tag_events =
        count(&store, "SELECT COUNT(*) FROM events WHERE event_type = 'contact_updated' AND payload LIKE '%Durable%'")
            .await;
    assert_eq!(tag_events, RUNS as i64, "one write (one event) per tag step");
    let webhook_steps: Vec<String> = sqlx::query_scalar("SELECT id FROM workflow_steps WHERE action_type = 'webhook'")
        .fetch_all(store.pool())
        .await
        .unwrap();
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.len(), RUNS, "every webhook step called, each with its own key");
    assert!(webhook_steps.iter().all(|id| calls.contains_key(id)), "the key is the step's id");

    // Down again while the waits come due; up again: each resumes within 2 s of its time.
    drop(server);
    let resume_at = chrono::Utc::now().timestamp_millis() + 3_000;
    sqlx::query("UPDATE workflow_steps SET due_at = $1 WHERE status = 'waiting'")
        .bind(resume_at)
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE workflow_runs SET resume_at = $1 WHERE status = 'waiting'")
        .bind(resume_at)
        .execute(store.pool())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let _server = serve(dir.path(), port);
    ready(port).await;
    let completed = "SELECT COUNT(*) FROM workflow_runs WHERE status = 'completed'";
    until(&store, completed, RUNS as i64, 60).await;
    let latest: i64 = sqlx::query_scalar("SELECT MAX(finished_at) FROM workflow_steps WHERE action_type = 'wait'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let earliest: i64 = sqlx::query_scalar("SELECT MIN(finished_at) FROM workflow_steps WHERE action_type = 'wait'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert!(earliest >= resume_at, "none resumed early");
    eprintln!(
        "{RUNS} waits due at once resumed {} to {} ms after their time",
        earliest - resume_at,
        latest - resume_at
    );
    assert!(
        latest - resume_at <= 2_000,
        "every wait resumed within 2 s of its time: the last {} ms late",
        latest - resume_at
    );
    let sources = count(&store, "SELECT COUNT(*) FROM crm_contacts WHERE source = 'after the wait'").await;
    assert_eq!(sources, RUNS as i64);
}
