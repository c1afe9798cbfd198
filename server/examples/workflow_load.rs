//! Load generator for the workflow engine, over HTTP against a running server.
//!
//! ```text
//! workflow_load --url http://127.0.0.1:3201 --database-url sqlite://DIR/opsflow.db \
//!               --events 20000 --concurrency 64 --api-requests 2000
//! ```
//! Signs in as the demo admin, makes an API key and one active workflow on `lead_created` in Acme
//! Plumbing (a filter, a `branch` and an in-app notification on each path: two steps a run), then:
//! 1. sends `--events` lead events through the events API from `--concurrency` clients: each
//!    starts a run in the event's transaction, so events/s is **runs started/s**;
//! 2. waits until every run's steps are done (counted in the database the server uses) and
//!    reports **steps/s** from the first event to the last step;
//! 3. reads `GET /api/v1/workflows/{id}/runs` `--api-requests` times at random pages (20 runs a
//!    page) and reports the latency percentiles, with as many runs as events were sent.
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark stops at the first surprise")]

use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

struct Args {
    url: String,
    database_url: String,
    events: usize,
    concurrency: usize,
    api_requests: usize,
}

fn args() -> Args {
    let mut args = Args {
        url: "http://127.0.0.1:3201".into(),
        database_url: String::new(),
        events: 20_000,
        concurrency: 64,
        api_requests: 2_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut number =
            |name: &str| it.next().and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{name} needs a number"));
        match arg.as_str() {
            "--url" => args.url = it.next().expect("--url needs a value"),
            "--database-url" => args.database_url = it.next().expect("--database-url needs a value"),
            "--events" => args.events = number("--events"),
            "--concurrency" => args.concurrency = number("--concurrency"),
            "--api-requests" => args.api_requests = number("--api-requests"),
            other => panic!("unknown argument {other}"),
        }
    }
    assert!(!args.database_url.is_empty(), "--database-url is needed to count the steps done");
    args
}

fn percentiles(mut latencies: Vec<Duration>) -> String {
    latencies.sort();
    let at = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    format!(
        "p50 {:.2?}  p95 {:.2?}  p99 {:.2?}  max {:.2?}",
        at(0.50),
        at(0.95),
        at(0.99),
        latencies[latencies.len() - 1]
    )
}

#[tokio::main]
async fn main() {
    let args = args();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .pool_max_idle_per_host(args.concurrency)
        .default_headers([(reqwest::header::ORIGIN, args.url.parse().unwrap())].into_iter().collect())
        .build()
        .unwrap();
    let post = |path: &str, form: Vec<(&'static str, String)>| {
        let request = client.post(format!("{}/api/{path}", args.url)).form(&form);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let sign_in = client
        .post(format!("{}/api/auth/sign_in", args.url))
        .form(&[("email", "admin@opsflow.test"), ("password", "opsflow-admin")])
        .send()
        .await
        .unwrap();
    assert!(sign_in.status().is_success() || sign_in.status().is_redirection(), "sign-in failed");
    let me = post("auth/me", vec![]).await;
    let accounts = post("sub_accounts/list", vec![]).await;
    let acme = accounts.as_array().unwrap().iter().find(|s| s["name"] == "Acme Plumbing").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = post("api-keys/create", vec![("sub_account", acme.clone()), ("name", "workflow load".into())]).await;
    let key = key["key"].as_str().expect("an API key").to_owned();
    let api = reqwest::Client::builder()
        .default_headers(
            [(reqwest::header::AUTHORIZATION, format!("Bearer {key}").parse().unwrap())].into_iter().collect(),
        )
        .build()
        .unwrap();
    let notify = |title: &str| json!({"recipients": [me["id"]], "title": title, "message": "{{trigger.firstName}}"});
    let workflow: Value = api
        .post(format!("{}/api/v1/workflows", args.url))
        .json(&json!({
            "name": "Load", "triggerModule": "leads", "triggerType": "lead_created", "isActive": true,
            "triggerFilters": {"conditions": [{"field": "source", "operator": "equals", "value": "web"}]},
            "actions": [
                {"id": "hot", "actionType": "branch", "sortOrder": 1,
                 "config": {"conditions": {"conditions": [{"field": "score", "operator": "greater_than", "value": 50}]}}},
                {"actionType": "send_notification", "parentId": "hot", "branch": "then", "sortOrder": 1, "config": notify("Hot lead")},
                {"actionType": "send_notification", "parentId": "hot", "branch": "else", "sortOrder": 1, "config": notify("New lead")}
            ]
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let workflow_id = workflow["id"].as_str().unwrap_or_else(|| panic!("no workflow: {workflow}")).to_owned();

    // 1. Events → runs started.
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.concurrency {
        let (client, next, url, acme, events) =
            (client.clone(), next.clone(), format!("{}/api/v1/events", args.url), acme.clone(), args.events);
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= events {
                    break;
                }
                let event = json!({"id": format!("wf-load-{n}"), "type": "lead_created", "sub_account_id": acme,
                    "record_id": format!("lead-{n}"), "record": {"firstName": format!("Lead {n}"), "source": "web", "score": n % 100}});
                let sent = Instant::now();
                let response = client.post(&url).json(&event).send().await.unwrap();
                assert_eq!(response.status().as_u16(), 201, "{}", response.text().await.unwrap_or_default());
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.unwrap());
    }
    let ingested = started.elapsed();
    let runs: Value = api
        .get(format!("{}/api/v1/workflows/{workflow_id}/runs?limit=1", args.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(runs["total"].as_u64(), Some(args.events as u64), "every event started a run");
    println!("events: {}  concurrency: {}  elapsed: {ingested:.2?}", args.events, args.concurrency);
    println!(
        "runs started: {:.0}/s  (event latency {})",
        args.events as f64 / ingested.as_secs_f64(),
        percentiles(latencies)
    );

    // 2. Steps done.
    let store = server::db::Store::connect(&args.database_url).await.unwrap();
    let steps = 2 * args.events as i64;
    loop {
        let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM workflow_steps WHERE status = 'completed'")
            .fetch_one(store.pool())
            .await
            .unwrap();
        if done >= steps {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let all_done = started.elapsed();
    let failed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM workflow_runs WHERE status <> 'completed'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    println!(
        "steps: {steps} in {all_done:.2?} from the first event: {:.0} steps/s; runs not completed: {failed}",
        steps as f64 / all_done.as_secs_f64()
    );

    // 3. The runs API.
    let pages = args.events.div_ceil(20).max(1);
    let mut latencies = Vec::new();
    for n in 0..args.api_requests {
        let page = (n * 7919) % pages + 1;
        let sent = Instant::now();
        let response = api
            .get(format!("{}/api/v1/workflows/{workflow_id}/runs?page={page}&limit=20", args.url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let _ = response.bytes().await.unwrap();
        latencies.push(sent.elapsed());
    }
    println!(
        "GET runs ({} runs, {} requests at random pages): {}",
        args.events,
        args.api_requests,
        percentiles(latencies)
    );
}
