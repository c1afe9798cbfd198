//! Load generator for event ingestion over HTTP (`POST /api/v1/events`).
//!
//! ```text
//! ingest_load --url http://127.0.0.1:3200 --events 20000 --concurrency 64 [--verify] [--report-every 20000]
//! ```
//! Signs in as the demo admin, adds a stage trigger in Acme Plumbing, then sends `--events`
//! stage-change events with ids `load-<n>` from `--concurrency` parallel clients and reports
//! throughput and latency percentiles. With `--verify` it sends the same ids again and checks
//! that every one is answered `duplicate` — run after killing and restarting the server, that
//! proves every acknowledged event was durable. `--report-every N` also prints the throughput of
//! each run of N events, to show whether ingestion slows down as the store grows.
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first surprise")]

use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Args {
    url: String,
    events: usize,
    concurrency: usize,
    verify: bool,
    report_every: usize,
}

fn args() -> Args {
    let mut args =
        Args { url: "http://127.0.0.1:3200".into(), events: 20_000, concurrency: 64, verify: false, report_every: 0 };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--url" => args.url = it.next().expect("--url needs a value"),
            "--events" => args.events = it.next().and_then(|v| v.parse().ok()).expect("--events needs a number"),
            "--concurrency" => {
                args.concurrency = it.next().and_then(|v| v.parse().ok()).expect("--concurrency needs a number")
            }
            "--verify" => args.verify = true,
            "--report-every" => {
                args.report_every = it.next().and_then(|v| v.parse().ok()).expect("--report-every needs a number")
            }
            other => panic!("unknown argument {other}"),
        }
    }
    args
}

async fn post(client: &reqwest::Client, url: String, form: &[(&str, &str)]) -> Value {
    client.post(url).form(form).send().await.unwrap().json().await.unwrap()
}

#[tokio::main]
async fn main() {
    let args = args();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .pool_max_idle_per_host(args.concurrency)
        .default_headers(
            // As OpsFlow's own pages send it: changes from anywhere else are refused.
            [(reqwest::header::ORIGIN, args.url.parse().unwrap())].into_iter().collect(),
        )
        .build()
        .unwrap();
    let sign_in = client
        .post(format!("{}/api/auth/sign_in", args.url))
        .form(&[("email", "admin@opsflow.test"), ("password", "opsflow-admin")])
        .send()
        .await
        .unwrap();
    assert!(sign_in.status().is_success() || sign_in.status().is_redirection(), "sign-in failed");
    let accounts = post(&client, format!("{}/api/sub_accounts/list", args.url), &[]).await;
    let acme = accounts.as_array().unwrap().iter().find(|s| s["name"] == "Acme Plumbing").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    post(&client, format!("{}/api/sub_accounts/open", args.url), &[("sub_account", &acme)]).await;
    let board = post(&client, format!("{}/api/crm/board", args.url), &[("sub_account", &acme)]).await;
    let jobs = board["pipelines"].as_array().unwrap().iter().find(|p| p["name"] == "Service Jobs").unwrap().clone();
    let columns = jobs["columns"].as_array().unwrap();
    let opportunities: Vec<String> = columns
        .iter()
        .flat_map(|c| c["opportunities"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_owned()))
        .collect();
    let stages: Vec<String> = columns.iter().map(|c| c["stage_id"].as_str().unwrap().to_owned()).collect();

    if !args.verify {
        // Half of the events land in a stage with a trigger, so they also create a pending form.
        let templates = post(&client, format!("{}/api/templates/list", args.url), &[("sub_account", &acme)]).await;
        let template =
            templates.as_array().unwrap().iter().find(|t| t["name"] == "Job Complete").unwrap()["id"].clone();
        let trigger = json!({ "sub_account": acme, "config": {
            "event": { "type": "stage_changed", "pipeline_id": jobs["id"], "stage_id": stages[2] },
            "template_id": template, "writebacks": { "note": true } } });
        let added = client.post(format!("{}/api/triggers/add", args.url)).json(&trigger).send().await.unwrap();
        assert!(added.status().is_success(), "could not add the trigger");
    }

    let next = Arc::new(AtomicUsize::new(0));
    // When each run of `report_every` answered events ended.
    let done = Arc::new(AtomicUsize::new(0));
    let marks = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.concurrency {
        let (client, next, url) = (client.clone(), next.clone(), format!("{}/api/v1/events", args.url));
        let (acme, opportunities, stages) = (acme.clone(), opportunities.clone(), stages.clone());
        let (events, verify, report_every) = (args.events, args.verify, args.report_every);
        let (done, marks) = (done.clone(), marks.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut problems = 0_usize;
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= events {
                    break;
                }
                let event = json!({
                    "type": "stage_changed", "id": format!("load-{n}"), "sub_account_id": acme,
                    "opportunity_id": opportunities[n % opportunities.len()],
                    "stage_id": stages[if n % 2 == 0 { 2 } else { 1 }],
                });
                let sent = Instant::now();
                let response = client.post(&url).json(&event).send().await.unwrap();
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap_or(Value::Null);
                latencies.push(sent.elapsed());
                let answered = done.fetch_add(1, Ordering::Relaxed) + 1;
                if report_every > 0 && answered.is_multiple_of(report_every) {
                    marks.lock().unwrap().push((answered, Instant::now()));
                }
                let expected = if verify { (200, "duplicate") } else { (201, "accepted") };
                if (status, body["outcome"].as_str().unwrap_or("")) != expected {
                    problems += 1;
                    if problems <= 3 {
                        eprintln!("event load-{n}: HTTP {status} {body}");
                    }
                }
            }
            (latencies, problems)
        }));
    }
    let mut latencies: Vec<Duration> = Vec::with_capacity(args.events);
    let mut problems = 0;
    for worker in workers {
        let (mine, bad) = worker.await.unwrap();
        latencies.extend(mine);
        problems += bad;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let percentile = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let mode = if args.verify { "verify (re-send after restart)" } else { "ingest" };
    println!("mode: {mode}");
    println!("events: {}  concurrency: {}  elapsed: {:.2?}", args.events, args.concurrency, elapsed);
    println!("throughput: {:.0} events/s", args.events as f64 / elapsed.as_secs_f64());
    println!(
        "latency: p50 {:.2?}  p95 {:.2?}  p99 {:.2?}  max {:.2?}",
        percentile(0.50),
        percentile(0.95),
        percentile(0.99),
        latencies[latencies.len() - 1]
    );
    let mut marks = marks.lock().unwrap().clone();
    marks.sort();
    let mut rates = Vec::new();
    let mut previous = started;
    for (answered, at) in marks {
        let rate = args.report_every as f64 / at.duration_since(previous).as_secs_f64();
        println!("events {:>7}..{answered:<7} {rate:>6.0} events/s", answered - args.report_every + 1);
        rates.push(rate);
        previous = at;
    }
    if let (Some(first), Some(last)) = (rates.first(), rates.last()) {
        println!("last run / first run: {:.0} %", last / first * 100.0);
    }
    println!("unexpected answers: {problems}");
    if problems > 0 {
        std::process::exit(1);
    }
}
