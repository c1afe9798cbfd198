//! Calls out beside the rounds, on real databases and a real socket: one sub-account's 64
//! webhooks to a host that accepts and never answers take at most its share of slots, another
//! sub-account's workflow completes before any of them has even timed out, and the host's
//! breaker opens after five calls in a row got no answer, putting the rest off without using
//! their attempts.
#![expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]

use app::model::workflow::Workflow;
use app::model::{Cause, Module, SubAccountId};
use serde_json::{Map, Value, json};
use server::engine::{Engine, EngineOptions};
use server::jobs::JobTiming;
use server::service::{Service, ServiceOptions};
use server::supervise::StopSwitch;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::common::{Db, Fixture, fixture};
use crate::workflow_runs::editor;

/// A host that accepts connections and never answers; counts how many are open at once.
struct Silent {
    port: u16,
    open: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
    accepted: Arc<AtomicUsize>,
}

async fn silent_host() -> Silent {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (open, most, accepted): (Arc<AtomicUsize>, Arc<AtomicUsize>, Arc<AtomicUsize>) = Default::default();
    let (o, m, a) = (Arc::clone(&open), Arc::clone(&most), Arc::clone(&accepted));
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            a.fetch_add(1, Ordering::SeqCst);
            let now = o.fetch_add(1, Ordering::SeqCst) + 1;
            m.fetch_max(now, Ordering::SeqCst);
            let o = o.clone();
            tokio::spawn(async move {
                // Reads what comes and never answers, until the caller hangs up.
                let mut buffer = [0_u8; 4096];
                while tokio::io::AsyncReadExt::read(&mut socket, &mut buffer).await.is_ok_and(|n| n > 0) {}
                o.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    Silent { port, open, most, accepted }
}

async fn save(f: &Fixture, sub_account: &SubAccountId, body: Value) -> Workflow {
    let options = ServiceOptions { webhooks_may_call_private_hosts: true, ..ServiceOptions::default() };
    let service = Service::new(f.store().clone(), options);
    service.create_workflow(&editor(f, sub_account).await, &body).await.unwrap()
}

async fn create_contact(f: &Fixture, sub_account: &SubAccountId, name: &str) -> String {
    let cause = Cause::Person { user_id: f.admin.id.clone() };
    let values: Map<String, Value> = json!({"firstName": name}).as_object().unwrap().clone();
    f.service.builtin().create_record(&f.tenant(sub_account), &cause, Module::Contacts, &values).await.unwrap().id
}

/// (status, attempts, error) of each of a workflow's steps.
async fn steps(f: &Fixture, workflow: &Workflow) -> Vec<(String, i64, Option<String>)> {
    sqlx::query_as(
        "SELECT s.status, s.attempts, s.error FROM workflow_steps s JOIN workflow_runs r ON r.id = s.run_id \
         WHERE r.workflow_id = $1",
    )
    .bind(workflow.id.as_str())
    .fetch_all(f.store().pool())
    .await
    .unwrap()
}

async fn a_sub_accounts_silent_host_stalls_nobody_else(db: Db) {
    let f = fixture(db).await;
    let silent = silent_host().await;
    let slow = save(
        &f,
        &f.acme,
        json!({"name": "Slow hook", "triggerModule": "contacts", "triggerType": "contact_created", "isActive": true,
               "actions": [{"actionType": "webhook", "sortOrder": 1, "config": {
                   "method": "POST", "url": format!("http://127.0.0.1:{}/hook", silent.port), "timeoutMs": 1500}}]}),
    )
    .await;
    let quick = save(
        &f,
        &f.brightside,
        json!({"name": "Quick", "triggerModule": "contacts", "triggerType": "contact_created", "isActive": true,
               "actions": [{"actionType": "add_tag", "sortOrder": 1, "config": {"tags": ["seen"]}},
                           {"actionType": "update_field", "sortOrder": 2, "config": {"field": "source", "value": "quick"}}]}),
    )
    .await;
    for n in 0..64 {
        create_contact(&f, &f.acme, &format!("Slow {n}")).await;
    }
    let (switch, stop) = StopSwitch::new();
    // Eight attempts, as a server has: a slow machine may retry a call before the breaker opens.
    let options = EngineOptions {
        timing: JobTiming { lease_ms: 30_000, attempt_limit: Duration::from_secs(5), max_attempts: 8 },
        webhooks_may_call_private_hosts: true,
        mail_may_use_private_hosts: true,
        twilio_api_base: "http://127.0.0.1:9".to_owned(),
        secrets: None,
    };
    let worker = tokio::spawn(Engine::new(f.store().clone(), Default::default(), options).run_worker(stop));
    // The worker has taken A's calls when B's contact comes.
    let deadline = Instant::now() + Duration::from_secs(10);
    while silent.open.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "no call reached the host");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let started = Instant::now();
    create_contact(&f, &f.brightside, "Quinn").await;
    loop {
        let done = steps(&f, &quick).await;
        if done.len() == 2 && done.iter().all(|(status, ..)| status == "completed") {
            break;
        }
        assert!(Instant::now() < deadline, "B's run is stuck: {done:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let took = started.elapsed();
    // Before any of A's calls had timed out once: B waited on none of them.
    let slow_steps = steps(&f, &slow).await;
    assert!(slow_steps.iter().all(|(_, _, error)| error.is_none()), "B completed in {took:?}: {slow_steps:?}");
    eprintln!("B's run completed {took:?} after its event, beside A's calls in flight");

    // A's calls time out and are retried later; after five in a row, the host's breaker puts
    // the rest off without an attempt.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = steps(&f, &slow).await;
        if now.iter().any(|(_, _, error)| error.as_deref().is_some_and(|e| e.contains("paused"))) {
            break;
        }
        assert!(Instant::now() < deadline, "the breaker never opened: {now:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Stopped, the worker lets its calls in flight end: what it leaves is settled.
    switch.stop();
    worker.await.unwrap();
    let paused = steps(&f, &slow).await;
    let calls = silent.accepted.load(Ordering::SeqCst);
    assert!(calls < 16, "{calls} calls reached a host that answers none: the breaker spares it the rest");
    assert!(silent.most.load(Ordering::SeqCst) <= 4, "A's calls took more than its share of slots");
    // Every step is still to run: timed out once and due again after its backoff, or put off
    // (a busy slot, a paused host) without an attempt.
    let timed_out = paused.iter().filter(|(_, attempts, _)| *attempts > 0).count();
    assert!(timed_out >= 5, "{paused:?}");
    let pause = format!("Calls to 127.0.0.1:{} are paused until", silent.port);
    for (status, _, error) in &paused {
        assert_eq!(status, "pending", "{paused:?}");
        let error = error.as_deref().unwrap_or("No answer within 1500 ms.");
        assert!(error == "No answer within 1500 ms." || error.starts_with(&pause), "{error}");
    }
}

/// A call that fails says why without the URL, which may carry credentials.
async fn a_failed_calls_error_shows_no_credential(db: Db) {
    let f = fixture(db).await;
    // Nothing listens on port 9 here: the connection is refused.
    let hook = save(
        &f,
        &f.acme,
        json!({"name": "Refused", "triggerModule": "contacts", "triggerType": "contact_created", "isActive": true,
               "actions": [{"actionType": "webhook", "sortOrder": 1, "config": {
                   "url": "http://127.0.0.1:9/in?token=t0k"}}]}),
    )
    .await;
    create_contact(&f, &f.acme, "Ray").await;
    crate::workflow_runs::engine(f.store(), true).run_until_idle().await.unwrap();
    let steps = steps(&f, &hook).await;
    let (_, attempts, error) = &steps[0];
    let error = error.as_deref().unwrap();
    assert_eq!(*attempts, 1);
    assert!(error.starts_with("The call failed: "), "{error}");
    assert!(!error.contains("t0k"), "{error}");
}

on_both_backends!(a_sub_accounts_silent_host_stalls_nobody_else, a_failed_calls_error_shows_no_credential);
