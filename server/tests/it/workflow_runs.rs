//! The step runner on real databases: what each action does to the built-in CRM, branches and
//! waits, retries and failures (and an admin's retry from the failed step), the loop limit
//! reported by the step that caused it, a switched-off or deleted workflow's unfinished runs cancelled, and two
//! engines on one database running every step once with round-robin turns balanced exactly.
#![expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]

use app::api::ports::SubAccountsPort;
use app::model::workflow::Workflow;
use app::model::{Cause, Module, SubAccountId};
use axum::http::HeaderMap;
use serde_json::{Map, Value, json};
use server::db::Store;
use server::db::steps::Busy;
use server::db::tenancy::Editor;
use server::engine::{Engine, EngineOptions};
use server::jobs::JobTiming;
use server::service::{Service, ServiceOptions};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::{Db, Fixture, fixture};

pub(crate) async fn editor(f: &Fixture, sub_account: &SubAccountId) -> Editor {
    let admin = f.store().member(&f.admin.id, sub_account).await.unwrap().unwrap().admin().unwrap();
    Editor::from(&admin)
}

async fn save(f: &Fixture, body: Value) -> Workflow {
    f.service.create_workflow(&editor(f, &f.acme).await, &body).await.unwrap()
}

/// Saved by a server whose webhooks may call local addresses (the test's endpoint is one).
async fn save_local(f: &Fixture, body: Value) -> Workflow {
    let options = ServiceOptions { webhooks_may_call_private_hosts: true, ..ServiceOptions::default() };
    let service = Service::new(f.store().clone(), options);
    service.create_workflow(&editor(f, &f.acme).await, &body).await.unwrap()
}

/// An engine with short retries (two attempts) that may call local addresses or not.
pub(crate) fn engine(store: &Store, private_hosts: bool) -> Engine {
    let options = EngineOptions {
        timing: JobTiming { lease_ms: 30_000, attempt_limit: Duration::from_secs(5), max_attempts: 2 },
        webhooks_may_call_private_hosts: private_hosts,
        mail_may_use_private_hosts: private_hosts,
        twilio_api_base: "http://127.0.0.1:9".to_owned(),
        secrets: None,
    };
    Engine::new(store.clone(), Default::default(), options)
}

fn object(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

async fn create(f: &Fixture, module: Module, values: Value) -> String {
    let tenant = f.tenant(&f.acme);
    let cause = Cause::Person { user_id: f.admin.id.clone() };
    f.service.builtin().create_record(&tenant, &cause, module, &object(values)).await.unwrap().id
}

async fn record(f: &Fixture, module: Module, id: &str) -> Map<String, Value> {
    f.service.builtin().record(&f.tenant(&f.acme), module, id).await.unwrap().unwrap()
}

/// The run a record's event started, with its steps.
async fn run_of(f: &Fixture, workflow: &Workflow, record_id: &str) -> Value {
    let run_id: String = sqlx::query_scalar("SELECT id FROM workflow_runs WHERE workflow_id = $1 AND record_id = $2")
        .bind(workflow.id.as_str())
        .bind(record_id)
        .fetch_one(f.store().pool())
        .await
        .unwrap();
    serde_json::to_value(f.service.workflow_run(&f.tenant(&f.acme), &run_id.into()).await.unwrap()).unwrap()
}

fn statuses(run: &Value) -> Vec<(String, String)> {
    run["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["actionType"].as_str().unwrap().to_owned(), s["status"].as_str().unwrap().to_owned()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
}

async fn contact_actions_write_the_crm_once_each(db: Db) {
    let f = fixture(db).await;
    let (admin, sam) = (f.admin.id.to_string(), f.sam.id.to_string());
    f.service.open_sub_account(&f.admin, &f.acme).await.unwrap();
    let template = f.template_id(&f.acme, "Call Disposition").await;
    let workflow = save(&f, json!({
        "name": "New contact", "triggerModule": "contacts", "triggerType": "contact_created", "isActive": true,
        "actions": [
            {"actionType": "assign_owner", "config": {"userIds": [admin, sam]}, "sortOrder": 1},
            {"actionType": "add_tag", "config": {"tags": ["new", "{{trigger.source}}"]}, "sortOrder": 2},
            {"actionType": "update_field", "config": {"field": "customFields.budget", "value": 1250.5}, "sortOrder": 3},
            {"actionType": "update_field", "config": {"field": "last_name", "value": "{{trigger.lastName}} (new)"}, "sortOrder": 4},
            {"actionType": "create_task", "config": {"title": "Call {{trigger.firstName}}", "assignedTo": "owner",
                "dueIn": {"amount": 2, "unit": "hours"}}, "sortOrder": 5},
            {"actionType": "send_notification", "config": {"recipients": ["owner", sam], "title": "New contact {{trigger.firstName}}"}, "sortOrder": 6},
            {"actionType": "create_form", "config": {"templateId": template}, "sortOrder": 7}
        ]
    })).await;
    let ana = create(&f, Module::Contacts, json!({"firstName": "Ana", "lastName": "Lima", "source": "fair"})).await;
    let bo = create(&f, Module::Contacts, json!({"firstName": "Bo", "source": "web"})).await;
    let engine = engine(f.store(), true);
    // One run's steps are taken one after another, so rounds go on until none is due.
    assert_eq!(engine.run_until_idle().await.unwrap(), 14);

    let run = run_of(&f, &workflow, &ana).await;
    assert_eq!(run["status"], "completed", "{run:#}");
    assert!(run["steps"].as_array().unwrap().iter().all(|s| s["status"] == "completed" && s["attempts"] == 1));
    let contact = record(&f, Module::Contacts, &ana).await;
    // Turns go to the runs in the order their steps are taken: one each.
    let owners = [contact["ownerId"].clone(), record(&f, Module::Contacts, &bo).await["ownerId"].clone()];
    assert!(owners == [json!(admin), json!(sam)] || owners == [json!(sam), json!(admin)], "{owners:?}");
    let owner = contact["ownerId"].as_str().unwrap();
    assert_eq!(contact["tags"], json!(["new", "fair"]));
    assert_eq!(contact["lastName"], "Lima (new)");
    assert_eq!(contact["customFields"]["budget"], json!(1250.5));
    // The task is the new owner's, due two hours from when the step ran.
    let task_id = run["steps"][4]["output"]["taskId"].as_str().unwrap();
    let task = record(&f, Module::Tasks, task_id).await;
    assert_eq!((task["title"].as_str(), task["contactId"].as_str()), (Some("Call Ana"), Some(ana.as_str())));
    assert_eq!(task["assignedTo"], owner);
    assert_eq!(run["steps"][4]["input"]["title"], "Call Ana", "the input is the config filled in");
    // The owner and Sam are told, once each; Sam sees both contacts.
    let notified = if owner == sam { json!([sam]) } else { json!([admin, sam]) };
    assert_eq!(run["steps"][5]["output"]["notified"], notified, "once each");
    let sam_member = f.store().member(&f.sam.id, &f.acme).await.unwrap().unwrap();
    let (notes, unread) = f.store().notifications(&sam_member, 10).await.unwrap();
    assert_eq!((notes.len(), unread), (2, 2));
    assert!(notes.iter().any(|n| n.title == "New contact Ana" && n.link.as_deref().unwrap().ends_with(&ana)));
    assert_eq!(f.store().mark_notifications_read(&sam_member, Some(&notes[0].id)).await.unwrap(), 1);
    assert_eq!(f.store().unread_notifications(&sam_member).await.unwrap(), 1);
    // A pending form for the contact, in the inbox with the workflow's name as its context.
    let form_id = run["steps"][6]["output"]["formId"].as_str().unwrap();
    let form = f.store().form(&f.tenant(&f.acme), &form_id.into()).await.unwrap().unwrap();
    assert_eq!(
        (form.contact_name.as_str(), form.context.as_str()),
        ("Ana Lima (new)", "New contact"),
        "the name as it is then"
    );

    // The steps' writes fired events like anyone's, by the run (one level deeper).
    let causes: Vec<String> = sqlx::query_scalar(
        "SELECT payload FROM events WHERE record_id = $1 AND event_type = 'contact_updated' ORDER BY record_seq",
    )
    .bind(&ana)
    .fetch_all(f.store().pool())
    .await
    .unwrap();
    assert_eq!(causes.len(), 4, "owner, tag, budget, last name");
    let first: Value = serde_json::from_str(&causes[0]).unwrap();
    assert_eq!(
        (first["cause"]["kind"].as_str(), first["cause"]["depth"].as_i64()),
        (Some("workflow"), Some(1)),
        "{first}"
    );

    // Nothing runs twice: another round finds nothing, and the turn count is exact.
    assert_eq!(engine.run_until_idle().await.unwrap(), 0);
    let turns: i64 = sqlx::query_scalar("SELECT turns FROM workflow_turns").fetch_one(f.store().pool()).await.unwrap();
    assert_eq!(turns, 2);
}

async fn branches_choose_a_path_and_waits_resume_when_due(db: Db) {
    let f = fixture(db).await;
    let sales = f.pipeline(&f.acme, "Sales Pipeline").await;
    let workflow = save(&f, json!({
        "name": "Lead triage", "triggerModule": "leads", "triggerType": "lead_created", "isActive": true,
        "actions": [
            {"id": "hot", "actionType": "branch", "sortOrder": 1,
             "config": {"conditions": {"logic": "AND", "conditions": [{"field": "score", "operator": "greater_than", "value": 50}]}}},
            {"actionType": "create_opportunity", "parentId": "hot", "branch": "then", "sortOrder": 1,
             "config": {"pipelineId": sales.id, "stageId": sales.stages[0].id, "name": "{{trigger.first_name}} deal", "monetaryValue": 900}},
            {"actionType": "wait", "parentId": "hot", "branch": "else", "sortOrder": 1, "config": {"amount": 3, "unit": "days"}},
            {"actionType": "update_field", "parentId": "hot", "branch": "else", "sortOrder": 2, "config": {"field": "stage", "value": "contacted"}},
            {"actionType": "update_field", "sortOrder": 2, "config": {"field": "score", "value": "{{trigger.score}}"}}
        ]
    })).await;
    let hot = create(&f, Module::Leads, json!({"firstName": "Hana", "score": 80, "email": "hana@example.com"})).await;
    let cold = create(&f, Module::Leads, json!({"firstName": "Cole", "score": 10})).await;
    let engine = engine(f.store(), true);
    engine.run_until_idle().await.unwrap();

    // Then: the lead became a contact with an opportunity, and the run went on after the branch.
    let run = run_of(&f, &workflow, &hot).await;
    assert_eq!(run["status"], "completed", "{run:#}");
    assert_eq!(
        statuses(&run),
        pairs(&[("branch", "completed"), ("create_opportunity", "completed"), ("update_field", "completed")])
    );
    assert_eq!(run["steps"][0]["output"], json!({"path": "then"}));
    let made = &run["steps"][1]["output"];
    assert_eq!(made["convertedLead"], true);
    let deal = record(&f, Module::Opportunities, made["opportunityId"].as_str().unwrap()).await;
    assert_eq!((deal["name"].as_str(), deal["monetaryValue"].as_f64()), (Some("Hana deal"), Some(900.0)));
    assert_eq!(deal["contactId"], made["contactId"]);
    assert_eq!(record(&f, Module::Leads, &hot).await["converted"], true);

    // Else: waiting three days, costing nothing but its row.
    let run = run_of(&f, &workflow, &cold).await;
    assert_eq!(run["status"], "waiting", "{run:#}");
    assert_eq!(statuses(&run), pairs(&[("branch", "completed"), ("wait", "waiting")]));
    let resume_at = chrono::DateTime::parse_from_rfc3339(run["resumeAt"].as_str().unwrap()).unwrap();
    let in_three_days = chrono::Utc::now() + chrono::Duration::days(3);
    assert!((in_three_days - resume_at.to_utc()).num_seconds().abs() < 60, "{resume_at}");
    assert_eq!(engine.run_until_idle().await.unwrap(), 0, "not due yet");
    // Three days later (the clock moved: the wait's time is now), the run goes on.
    sqlx::query("UPDATE workflow_steps SET due_at = $1 WHERE status = 'waiting'")
        .bind(chrono::Utc::now().timestamp_millis())
        .execute(f.store().pool())
        .await
        .unwrap();
    engine.run_until_idle().await.unwrap();
    let run = run_of(&f, &workflow, &cold).await;
    assert_eq!(run["status"], "completed", "{run:#}");
    assert_eq!(
        statuses(&run),
        pairs(&[
            ("branch", "completed"),
            ("wait", "completed"),
            ("update_field", "completed"),
            ("update_field", "completed")
        ])
    );
    assert_eq!(run["resumeAt"], Value::Null);
    assert_eq!(record(&f, Module::Leads, &cold).await["stage"], "contacted");
    // A lone placeholder keeps the trigger's type: the score stayed a number.
    assert_eq!(run["steps"][3]["output"]["value"], json!(10));
}

/// A local endpoint that answers each call with the next status of a list (then 200), and
/// records what it was sent.
#[derive(Clone, Default)]
struct Endpoint {
    answers: Arc<Mutex<Vec<u16>>>,
    calls: Arc<Mutex<Vec<(HeaderMap, String)>>>,
}

impl Endpoint {
    async fn serve(self) -> String {
        use axum::routing::post;
        let app = axum::Router::new().route(
            "/hook",
            post(|axum::extract::State(me): axum::extract::State<Endpoint>, headers: HeaderMap, body: String| async move {
                me.calls.lock().unwrap().push((headers, body));
                let next = { let mut answers = me.answers.lock().unwrap(); if answers.is_empty() { 200 } else { answers.remove(0) } };
                (axum::http::StatusCode::from_u16(next).unwrap(), format!("answer {next}"))
            }),
        ).with_state(self);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{address}/hook")
    }
}

async fn failures_retry_fail_the_run_and_an_admin_retries_from_the_failed_step(db: Db) {
    let f = fixture(db).await;
    let endpoint = Endpoint::default();
    *endpoint.answers.lock().unwrap() = vec![503, 500, 502];
    let url = endpoint.clone().serve().await;
    let workflow = save_local(&f, json!({
        "name": "Tell the ERP", "triggerModule": "accounts", "triggerType": "account_created", "isActive": true,
        "actions": [
            {"actionType": "update_field", "sortOrder": 1, "config": {"field": "industry", "value": "Plumbing"}},
            {"actionType": "webhook", "sortOrder": 2, "config": {"url": format!("{url}?name={{{{trigger.name}}}}&api_key=s3cret"),
                "headers": {"Authorization": "Bearer s3cret", "X-Account": "{{trigger.name}}"},
                "body": {"account": "{{trigger.name}}", "quote": "say \"hi\""}}},
            {"actionType": "update_field", "sortOrder": 3, "config": {"field": "website", "value": "https://example.com"}}
        ]
    })).await;
    let account = create(&f, Module::Accounts, json!({"name": "Acme & Sons"})).await;
    let engine = engine(f.store(), true);
    engine.run_until_idle().await.unwrap();
    // The first attempt's 503 is retried after a backoff; make it due now.
    let due_later: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM workflow_steps WHERE status = 'pending' AND error IS NOT NULL")
            .fetch_one(f.store().pool())
            .await
            .unwrap();
    assert_eq!(due_later, 1, "the webhook waits out its backoff");
    sqlx::query("UPDATE workflow_steps SET due_at = 0 WHERE due_at IS NOT NULL")
        .execute(f.store().pool())
        .await
        .unwrap();
    engine.run_until_idle().await.unwrap();

    // Two attempts, both 5xx: the step failed, and the run with it; the last step never ran.
    let run = run_of(&f, &workflow, &account).await;
    assert_eq!(run["status"], "failed", "{run:#}");
    assert_eq!(statuses(&run), pairs(&[("update_field", "completed"), ("webhook", "failed")]));
    let step = &run["steps"][1];
    assert_eq!(step["attempts"], 2);
    assert!(step["error"].as_str().unwrap().contains("answered 500: answer 500"), "{step}");
    assert!(run["error"].as_str().unwrap().starts_with("Call external API failed: "), "{run}");
    // The input shows the call, secrets left out; the values filled in for where they go.
    assert_eq!(step["input"]["headers"]["Authorization"], "[redacted]");
    assert_eq!(step["input"]["headers"]["X-Account"], "Acme & Sons");
    assert!(step["input"]["url"].as_str().unwrap().ends_with("?name=Acme%20%26%20Sons&api_key=[redacted]"), "{step}");
    assert_eq!(step["input"]["body"], json!({"account": "Acme & Sons", "quote": "say \"hi\""}));
    {
        let calls = endpoint.calls.lock().unwrap();
        assert_eq!(calls.len(), 2);
        let keys: Vec<&str> = calls.iter().map(|(h, _)| h["idempotency-key"].to_str().unwrap()).collect();
        assert_eq!(keys, [step["id"].as_str().unwrap(); 2], "every attempt carries the step's id");
        assert_eq!(calls[0].0["authorization"], "Bearer s3cret", "the endpoint gets the real header");
        assert_eq!(serde_json::from_str::<Value>(&calls[0].1).unwrap()["account"], "Acme & Sons");
    }
    assert_eq!(record(&f, Module::Accounts, &account).await["website"], "");

    // An admin retries: the webhook runs again (its endpoint answers 502, then 200), the
    // first step is not run again, and the run completes.
    let admin = editor(&f, &f.acme).await;
    let run_id = app::model::RunId::from(run["id"].as_str().unwrap());
    let retried = f.service.retry_workflow_run(&admin, &run_id).await.unwrap();
    assert_eq!(retried.status.as_str(), "running");
    engine.run_until_idle().await.unwrap();
    sqlx::query("UPDATE workflow_steps SET due_at = 0 WHERE due_at IS NOT NULL")
        .execute(f.store().pool())
        .await
        .unwrap();
    engine.run_until_idle().await.unwrap();
    let run = run_of(&f, &workflow, &account).await;
    assert_eq!(run["status"], "completed", "{run:#}");
    assert_eq!(
        statuses(&run),
        pairs(&[("update_field", "completed"), ("webhook", "completed"), ("update_field", "completed")])
    );
    assert_eq!(run["steps"][1]["output"]["status"], 200);
    assert_eq!(run["steps"][1]["output"]["body"], "answer 200");
    assert_eq!(run["error"], Value::Null);
    assert_eq!(endpoint.calls.lock().unwrap().len(), 4);
    let industry_events: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE record_id = $1 AND event_type = 'account_updated'")
            .bind(&account)
            .fetch_one(f.store().pool())
            .await
            .unwrap();
    assert_eq!(industry_events, 2, "industry once, website once");
    // Only a failed run can be retried; another tenant's is not found.
    let error = f.service.retry_workflow_run(&admin, &run_id).await.unwrap_err();
    assert!(error.to_string().contains("this one is completed"), "{error}");
    let brightside = editor(&f, &f.brightside).await;
    assert!(matches!(f.service.retry_workflow_run(&brightside, &run_id).await, Err(app::api::AppError::NotFound(_))));

    // A 4xx is final at once; a private address is refused when the server does not allow it.
    *endpoint.answers.lock().unwrap() = vec![404];
    let other = create(&f, Module::Accounts, json!({"name": "Gone Ltd"})).await;
    engine.run_until_idle().await.unwrap();
    let run = run_of(&f, &workflow, &other).await;
    assert_eq!((run["status"].as_str(), run["steps"][1]["attempts"].as_i64()), (Some("failed"), Some(1)));
    let strict = create(&f, Module::Accounts, json!({"name": "Strict"})).await;
    self::engine(f.store(), false).run_until_idle().await.unwrap();
    let run = run_of(&f, &workflow, &strict).await;
    assert!(run["steps"][1]["error"].as_str().unwrap().contains("local or private address"), "{run:#}");
}

async fn the_loop_limit_is_reported_by_the_step_that_reached_it(db: Db) {
    let f = fixture(db).await;
    // Each run changes the contact again, which starts the next run, one deeper.
    let workflow = save(&f, json!({
        "name": "Echo", "triggerModule": "contacts", "triggerType": "contact_updated", "isActive": true,
        "triggerFilters": {"conditions": [{"field": "source", "operator": "any_change"}]},
        "actions": [{"actionType": "update_field", "sortOrder": 1, "config": {"field": "source", "value": "{{trigger.source}}+"}}]
    })).await;
    let contact = create(&f, Module::Contacts, json!({"firstName": "Lou", "source": "s"})).await;
    let tenant = f.tenant(&f.acme);
    let cause = Cause::Person { user_id: f.admin.id.clone() };
    f.service
        .builtin()
        .update_record(&tenant, &cause, Module::Contacts, &contact, &object(json!({"source": "x"})))
        .await
        .unwrap();
    engine(f.store(), true).run_until_idle().await.unwrap();
    let depths: Vec<i64> = sqlx::query_scalar("SELECT depth FROM workflow_runs WHERE workflow_id = $1 ORDER BY depth")
        .bind(workflow.id.as_str())
        .fetch_all(f.store().pool())
        .await
        .unwrap();
    assert_eq!(depths, [1, 2, 3, 4, 5]);
    assert_eq!(record(&f, Module::Contacts, &contact).await["source"], "x+++++");
    let last: String = sqlx::query_scalar(
        "SELECT output FROM workflow_steps s JOIN workflow_runs r ON r.id = s.run_id WHERE r.depth = 5",
    )
    .fetch_one(f.store().pool())
    .await
    .unwrap();
    let output: Value = serde_json::from_str(&last).unwrap();
    assert_eq!(output["notStarted"][0]["workflowId"], json!(workflow.id), "{output}");
    assert!(output["notStarted"][0]["reason"].as_str().unwrap().contains("5 deep"), "{output}");
}

/// Switched off (or deleted), a workflow runs nothing it queued: steps due, waits and a step a
/// worker already holds all end cancelled with their runs, the held one records nothing, and
/// a failed run cannot be retried until the workflow is on again.
async fn switching_off_or_deleting_a_workflow_cancels_its_unfinished_runs(db: Db) {
    let f = fixture(db).await;
    let workflow = save(
        &f,
        json!({
            "name": "Nurture", "triggerModule": "contacts", "triggerType": "contact_created", "isActive": true,
            "actions": [{"actionType": "add_tag", "sortOrder": 1, "config": {"tags": ["welcomed"]}},
                        {"actionType": "wait", "sortOrder": 2, "config": {"amount": 1, "unit": "days"}},
                        {"actionType": "add_tag", "sortOrder": 3, "config": {"tags": ["nurtured"]}}]
        }),
    )
    .await;
    let engine = engine(f.store(), true);
    let waiting = create(&f, Module::Contacts, json!({"firstName": "Wes"})).await;
    engine.run_until_idle().await.unwrap();
    assert_eq!(run_of(&f, &workflow, &waiting).await["status"], "waiting");
    let queued = create(&f, Module::Contacts, json!({"firstName": "Quinn"})).await;
    let held = create(&f, Module::Contacts, json!({"firstName": "Hal"})).await;
    // A worker holds Hal's first step when the switch is turned; it completes after.
    let held_step: String = sqlx::query_scalar(
        "SELECT s.id FROM workflow_steps s JOIN workflow_runs r ON r.id = s.run_id WHERE r.record_id = $1",
    )
    .bind(&held)
    .fetch_one(f.store().pool())
    .await
    .unwrap();
    let claimed = f.store().claim_step(&held_step, 30_000).await.unwrap().unwrap();

    let admin = editor(&f, &f.acme).await;
    f.service.toggle_workflow(&admin, &workflow.id, Some(false)).await.unwrap();
    engine.run_claimed(vec![claimed]).await;
    sqlx::query("UPDATE workflow_steps SET due_at = 0 WHERE due_at IS NOT NULL")
        .execute(f.store().pool())
        .await
        .unwrap();
    assert_eq!(engine.run_until_idle().await.unwrap(), 0, "nothing is due any more");
    for (contact, steps) in [
        (&waiting, &[("add_tag", "completed"), ("wait", "cancelled")][..]),
        (&queued, &[("add_tag", "cancelled")][..]),
        (&held, &[("add_tag", "cancelled")][..]),
    ] {
        let run = run_of(&f, &workflow, contact).await;
        assert_eq!(run["status"], "cancelled", "{run:#}");
        assert_eq!(run["error"], "Cancelled: the workflow was switched off.", "{run:#}");
        assert!(run["finishedAt"].is_string());
        assert_eq!(statuses(&run), pairs(steps), "{run:#}");
    }
    for (contact, tags) in [(&waiting, json!(["welcomed"])), (&queued, json!([])), (&held, json!([]))] {
        assert_eq!(record(&f, Module::Contacts, contact).await["tags"], tags, "what ran before the switch stands");
    }

    // A failed run is not retried while its workflow is off.
    let run_id: String = run_of(&f, &workflow, &queued).await["id"].as_str().unwrap().to_owned();
    sqlx::query("UPDATE workflow_runs SET status = 'failed' WHERE id = $1")
        .bind(&run_id)
        .execute(f.store().pool())
        .await
        .unwrap();
    let refused = f.service.retry_workflow_run(&admin, &run_id.clone().into()).await.unwrap_err();
    assert!(refused.to_string().contains("switched off"), "{refused}");

    // On again: a new contact runs it; deleted, that run's wait is cancelled the same way.
    f.service.toggle_workflow(&admin, &workflow.id, Some(true)).await.unwrap();
    let later = create(&f, Module::Contacts, json!({"firstName": "Lee"})).await;
    engine.run_until_idle().await.unwrap();
    assert_eq!(run_of(&f, &workflow, &later).await["status"], "waiting");
    f.service.delete_workflow(&admin, &workflow.id).await.unwrap();
    let run = run_of(&f, &workflow, &later).await;
    assert_eq!(
        (run["status"].as_str(), run["error"].as_str()),
        (Some("cancelled"), Some("Cancelled: the workflow was deleted."))
    );
    assert_eq!(statuses(&run), pairs(&[("add_tag", "completed"), ("wait", "cancelled")]));
}

/// Two engines, as two instances would, each with its own connections to one database.
async fn two_engines_run_every_step_once_and_take_turns_exactly(db: Db) {
    const RUNS: usize = 1_000;
    let f = fixture(db).await;
    let users = [f.admin.id.to_string(), f.sam.id.to_string()];
    let workflow = save(&f, json!({
        "name": "Round robin", "triggerModule": "leads", "triggerType": "lead_created", "isActive": true,
        "actions": [{"actionType": "assign_owner", "sortOrder": 1, "config": {"userIds": users}},
                    {"actionType": "update_field", "sortOrder": 2, "config": {"field": "stage", "value": "contacted"}}]
    })).await;
    for n in 0..RUNS {
        create(&f, Module::Leads, json!({"firstName": format!("Lead {n}")})).await;
    }
    let second = Store::connect(&f.db.url).await.unwrap();
    let (a, b) = (engine(f.store(), true), engine(&second, true));
    let (ran_a, ran_b) = tokio::join!(a.run_until_idle(), b.run_until_idle());
    let (ran_a, ran_b) = (ran_a.unwrap(), ran_b.unwrap());
    assert_eq!(ran_a + ran_b, 2 * RUNS, "every step once: {ran_a} + {ran_b}");
    let completed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM workflow_runs WHERE workflow_id = $1 AND status = 'completed'")
            .bind(workflow.id.as_str())
            .fetch_one(f.store().pool())
            .await
            .unwrap();
    assert_eq!(completed, RUNS as i64);
    let once: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM workflow_steps WHERE status = 'completed' AND claims = 1")
        .fetch_one(f.store().pool())
        .await
        .unwrap();
    assert_eq!(once, 2 * RUNS as i64, "no step was claimed twice");
    let owners: Vec<(String, i64)> = sqlx::query_as(
        "SELECT owner_id, COUNT(*) FROM crm_leads WHERE first_name LIKE 'Lead %' GROUP BY owner_id ORDER BY owner_id",
    )
    .fetch_all(f.store().pool())
    .await
    .unwrap();
    assert_eq!(owners.iter().map(|(_, n)| *n).collect::<Vec<_>>(), [RUNS as i64 / 2; 2], "{owners:?}");
}

/// What the review of the step runner found, each held: a stale attempt records nothing, a
/// round robin skips a user who left, two workflows tagging one contact at once keep both tags,
/// a whole number filled in stays whole, a deleted workflow's failed run is not retried.
async fn stale_attempts_leavers_concurrent_tags_and_whole_numbers(db: Db) {
    let f = fixture(db).await;
    let (admin, sam) = (f.admin.id.to_string(), f.sam.id.to_string());
    // A lease lost: a second claim after it ran out takes the step; the first cannot record.
    let tagging = |tag: &str| {
        json!({
            "name": format!("Tag {tag}"), "triggerModule": "contacts", "triggerType": "contact_created", "isActive": true,
            "actions": [{"actionType": "add_tag", "sortOrder": 1, "config": {"tags": [tag]}}]
        })
    };
    save(&f, tagging("a")).await;
    save(&f, tagging("b")).await;
    let first = create(&f, Module::Contacts, json!({"firstName": "Lease"})).await;
    let step: String = sqlx::query_scalar(
        "SELECT s.id FROM workflow_steps s JOIN workflow_runs r ON r.id = s.run_id WHERE r.record_id = $1 LIMIT 1",
    )
    .bind(&first)
    .fetch_one(f.store().pool())
    .await
    .unwrap();
    let stale = f.store().claim_step(&step, 0).await.unwrap().unwrap();
    let fresh = f.store().claim_step(&step, 30_000).await.unwrap().unwrap();
    assert_eq!((stale.fence, fresh.fence), (1, 2));
    let mut tx = f.store().begin().await.unwrap();
    let nothing = (&Value::Null, &Value::Null);
    assert!(!f.store().complete_step(&mut tx, &stale, nothing, None).await.unwrap(), "the stale attempt lost it");
    assert!(f.store().complete_step(&mut tx, &fresh, nothing, None).await.unwrap());
    drop(tx);
    let mut tx = f.store().begin().await.unwrap();
    assert!(!f.store().retry_step(&mut tx, &stale, "late", 0, &Value::Null).await.unwrap());
    assert!(!f.store().fail_step(&mut tx, &stale, "late", "late", &Value::Null).await.unwrap());
    drop(tx);
    // A lease is renewed only by the worker that holds it (a step claimed in a batch renews
    // before it runs when its turn came late).
    let (mut stale, mut fresh) = (stale, fresh);
    assert!(!f.store().renew_lease(&mut stale, 30_000).await.unwrap(), "the stale attempt cannot renew");
    let before = fresh.lease_until;
    assert!(f.store().renew_lease(&mut fresh, 60_000).await.unwrap());
    assert!(fresh.lease_until > before);
    let stored: i64 = sqlx::query_scalar("SELECT lease_until FROM workflow_steps WHERE id = $1")
        .bind(&step)
        .fetch_one(f.store().pool())
        .await
        .unwrap();
    assert_eq!(stored, fresh.lease_until);
    sqlx::query("UPDATE workflow_steps SET due_at = 0 WHERE id = $1")
        .bind(&step)
        .execute(f.store().pool())
        .await
        .unwrap();

    // Two workflows tag each contact at once, from two engines: no tag is lost.
    for n in 0..20 {
        create(&f, Module::Contacts, json!({"firstName": format!("Tagged {n}")})).await;
    }
    let second = Store::connect(&f.db.url).await.unwrap();
    let (a, b) = (engine(f.store(), true), engine(&second, true));
    let (ran_a, ran_b) = tokio::join!(a.run_until_idle(), b.run_until_idle());
    assert_eq!(ran_a.unwrap() + ran_b.unwrap(), 42);
    let tags: Vec<String> = sqlx::query_scalar("SELECT tags FROM crm_contacts WHERE first_name LIKE 'Tagged %'")
        .fetch_all(f.store().pool())
        .await
        .unwrap();
    assert_eq!(tags.len(), 20);
    // The step claimed twice above had its two attempts: its third claim gives it up.
    let (status, error): (String, String) = sqlx::query_as("SELECT status, error FROM workflow_steps WHERE id = $1")
        .bind(&step)
        .fetch_one(f.store().pool())
        .await
        .unwrap();
    assert_eq!(status, "failed");
    assert!(error.starts_with("Gave up after 2 attempts that ended without an answer"), "{error}");
    for tags in tags {
        let mut tags: Vec<String> = serde_json::from_str(&tags).unwrap();
        tags.sort();
        assert_eq!(tags, ["a", "b"]);
    }

    // A round robin over a user who left the sub-account gives every turn to the others.
    let robin = save(&f, json!({
        "name": "Robin", "triggerModule": "leads", "triggerType": "lead_created", "isActive": true,
        "actions": [{"actionType": "assign_owner", "sortOrder": 1, "config": {"userIds": [sam, admin]}},
                    {"actionType": "update_field", "sortOrder": 2, "config": {"field": "score", "value": "1{{trigger.score}}"}}]
    })).await;
    sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND sub_account_id = $2")
        .bind(&sam)
        .bind(f.acme.as_str())
        .execute(f.store().pool())
        .await
        .unwrap();
    let mut leads = Vec::new();
    for n in 0..3 {
        leads.push(create(&f, Module::Leads, json!({"firstName": format!("Robin {n}"), "score": 2})).await);
    }
    a.run_until_idle().await.unwrap();
    for lead in &leads {
        let run = run_of(&f, &robin, lead).await;
        assert_eq!(run["status"], "completed", "{run:#}");
        let lead = record(&f, Module::Leads, lead).await;
        assert_eq!(lead["ownerId"], admin.as_str());
        assert_eq!(lead["score"], json!(12), "“1” and the score 2, a whole number");
    }

    // A failed run of a deleted workflow is not run again.
    let failing = save(
        &f,
        json!({
            "name": "Fails", "triggerModule": "leads", "triggerType": "lead_created", "isActive": true,
            "actions": [{"actionType": "send_email", "sortOrder": 1,
                         "config": {"to": "x@example.com", "subject": "s", "body": "b"}}]
        }),
    )
    .await;
    let lead = create(&f, Module::Leads, json!({"firstName": "Fay"})).await;
    a.run_until_idle().await.unwrap();
    let run = run_of(&f, &failing, &lead).await;
    assert_eq!(run["status"], "failed", "{run:#}");
    assert!(run["error"].as_str().unwrap().contains("no email settings"), "{run}");
    let editor = editor(&f, &f.acme).await;
    f.service.delete_workflow(&editor, &failing.id).await.unwrap();
    let run_id = app::model::RunId::from(run["id"].as_str().unwrap());
    let error = f.service.retry_workflow_run(&editor, &run_id).await.unwrap_err();
    assert!(matches!(error, app::api::AppError::Conflict(_)), "{error}");
}

/// On SQLite the steps of a round share one transaction: a step that fails takes back what it
/// wrote (here the round-robin turn it took before its record turned out to be gone) and
/// records its failure, and the round's other steps stand. On PostgreSQL each step is its own
/// transaction: the same holds.
async fn a_failed_step_takes_back_its_own_writes_and_no_others(db: Db) {
    let f = fixture(db).await;
    let (admin, sam) = (f.admin.id.to_string(), f.sam.id.to_string());
    let workflow = save(
        &f,
        json!({
            "name": "Assign", "triggerModule": "contacts", "triggerType": "contact_created", "isActive": true,
            "actions": [
                {"actionType": "assign_owner", "config": {"userIds": [admin, sam]}, "sortOrder": 1},
                {"actionType": "add_tag", "config": {"tags": ["assigned"]}, "sortOrder": 2}
            ]
        }),
    )
    .await;
    let mut contacts = Vec::new();
    for n in 0..4 {
        contacts.push(create(&f, Module::Contacts, json!({"firstName": format!("Round {n}")})).await);
    }
    // One contact is gone before its steps run (as a sync from elsewhere could remove it).
    let gone = contacts.remove(1);
    sqlx::query("DELETE FROM crm_contacts WHERE id = $1").bind(&gone).execute(f.store().pool()).await.unwrap();
    let engine = engine(f.store(), false);
    assert_eq!(engine.round().await.unwrap(), 4, "one round takes the four first steps");

    let failed = run_of(&f, &workflow, &gone).await;
    assert_eq!(failed["status"], "failed", "{failed:#}");
    assert_eq!(statuses(&failed), pairs(&[("assign_owner", "failed")]));
    assert!(failed["steps"][0]["error"].as_str().unwrap().contains("no longer exists"), "{failed:#}");
    let turns: i64 = sqlx::query_scalar("SELECT turns FROM workflow_turns").fetch_one(f.store().pool()).await.unwrap();
    assert_eq!(turns, 3, "the failed step's turn was taken back");
    for contact in &contacts {
        let run = run_of(&f, &workflow, contact).await;
        assert_eq!(statuses(&run), pairs(&[("assign_owner", "completed"), ("add_tag", "pending")]), "{run:#}");
    }
    engine.run_until_idle().await.unwrap();
    let mut owners = Vec::new();
    for contact in &contacts {
        let run = run_of(&f, &workflow, contact).await;
        assert_eq!(run["status"], "completed", "{run:#}");
        let record = record(&f, Module::Contacts, contact).await;
        assert_eq!(record["tags"], json!(["assigned"]));
        owners.push(record["ownerId"].as_str().unwrap().to_owned());
    }
    // Turns 0, 1 and 2: the first user twice, the second once — no turn lost to the failure.
    owners.sort();
    let mut expected = vec![admin.clone(), admin, sam];
    expected.sort();
    assert_eq!(owners, expected);
}

/// A writer that waits while the engine records a round (SQLite: one writer at a time) gets
/// its turn after the step in hand: the round commits what it has done and queues behind it.
/// With another writer queued all the time, every step still runs once.
async fn a_round_makes_way_for_waiting_writers_and_runs_each_step_once(db: Db) {
    let f = fixture(db).await;
    let sam = f.sam.id.to_string();
    let workflow = save(&f, json!({
        "name": "Tag and tell", "triggerModule": "contacts", "triggerType": "contact_created", "isActive": true,
        "actions": [
            {"actionType": "add_tag", "config": {"tags": ["seen"]}, "sortOrder": 1},
            {"actionType": "send_notification", "config": {"recipients": [sam], "title": "{{trigger.firstName}}"}, "sortOrder": 2}
        ]
    }))
    .await;
    let mut contacts = Vec::new();
    for n in 0..30 {
        contacts.push(create(&f, Module::Contacts, json!({"firstName": format!("Queued {n}")})).await);
    }
    // A transaction sees a writer queued behind it (PostgreSQL's writers do not queue).
    let held = f.store().begin().await.unwrap();
    let queued = tokio::spawn({
        let store = f.store().clone();
        async move { store.begin().await.unwrap().commit().await.unwrap() }
    });
    if f.db.url.starts_with("sqlite") {
        for _ in 0..500 {
            if held.others_waiting() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(held.others_waiting());
    } else {
        assert!(!held.others_waiting());
    }
    drop(held);
    queued.await.unwrap();

    // Another writer takes turns all along the engine's rounds, counting the tags done.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = tokio::spawn({
        let (store, stop, workflow) = (f.store().clone(), stop.clone(), workflow.id.to_string());
        async move {
            let mut seen = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let mut tx = store.begin().await.unwrap();
                let tagged: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM workflow_steps s JOIN workflow_runs r ON r.id = s.run_id \
                     WHERE r.workflow_id = $1 AND s.action_type = 'add_tag' AND s.status = 'completed'",
                )
                .bind(&workflow)
                .fetch_one(&mut *tx)
                .await
                .unwrap();
                tx.commit().await.unwrap();
                seen.push(tagged);
            }
            seen
        }
    });
    let engine = engine(f.store(), false);
    // The first round takes the thirty tags (one step of each run).
    assert_eq!(engine.round().await.unwrap(), 30);
    assert_eq!(engine.run_until_idle().await.unwrap(), 30);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let seen = writer.await.unwrap();
    if f.db.url.starts_with("sqlite") {
        assert!(seen.iter().any(|n| (1..30).contains(n)), "the writer had turns inside the round: {seen:?}");
    }
    for contact in &contacts {
        let run = run_of(&f, &workflow, contact).await;
        assert_eq!(statuses(&run), pairs(&[("add_tag", "completed"), ("send_notification", "completed")]));
        assert_eq!(record(&f, Module::Contacts, contact).await["tags"], json!(["seen"]));
        let updates: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE record_id = $1 AND event_type = 'contact_updated'")
                .bind(contact)
                .fetch_one(f.store().pool())
                .await
                .unwrap();
        assert_eq!(updates, 1, "tagged once");
    }
    let sam_member = f.store().member(&f.sam.id, &f.acme).await.unwrap().unwrap();
    assert_eq!(f.store().unread_notifications(&sam_member).await.unwrap(), 30, "one each");
}

/// Steps taken from under a round (its leases ran out and another worker claimed them) are
/// left to their new holder: the round takes back what it wrote for them — the round-robin
/// turn, the owner — and records the others of the round (on SQLite, in the same transaction).
async fn steps_taken_from_a_round_are_recorded_once(db: Db) {
    const RUNS: usize = 10;
    let f = fixture(db).await;
    let users = [f.admin.id.to_string(), f.sam.id.to_string()];
    save(
        &f,
        json!({
            "name": "Contested", "triggerModule": "leads", "triggerType": "lead_created", "isActive": true,
            "actions": [{"actionType": "assign_owner", "sortOrder": 1, "config": {"userIds": users}}]
        }),
    )
    .await;
    for n in 0..RUNS {
        create(&f, Module::Leads, json!({"firstName": format!("Contested {n}")})).await;
    }
    // The round's leases run out at once; another worker takes every other step.
    let round = f.store().claim_due_steps(64, 0, &Busy::Nobody).await.unwrap();
    assert_eq!(round.len(), RUNS);
    let mut taken = Vec::new();
    for step in round.iter().step_by(2) {
        taken.push(f.store().claim_step(&step.id, 30_000).await.unwrap().unwrap());
    }
    let engine = engine(f.store(), false);
    engine.run_claimed(round).await;
    let turns = || async {
        sqlx::query_scalar::<_, i64>("SELECT turns FROM workflow_turns").fetch_one(f.store().pool()).await.unwrap()
    };
    assert_eq!(turns().await, (RUNS / 2) as i64, "only the steps the round still held took turns");
    let completed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM workflow_steps WHERE status = 'completed'")
        .fetch_one(f.store().pool())
        .await
        .unwrap();
    assert_eq!(completed, (RUNS / 2) as i64);
    engine.run_claimed(taken).await;
    assert_eq!(turns().await, RUNS as i64);
    let owners: Vec<i64> = sqlx::query_scalar(
        "SELECT COUNT(*) FROM crm_leads WHERE first_name LIKE 'Contested %' GROUP BY owner_id ORDER BY owner_id",
    )
    .fetch_all(f.store().pool())
    .await
    .unwrap();
    assert_eq!(owners, [RUNS as i64 / 2; 2]);
    let updates: Vec<i64> = sqlx::query_scalar(
        "SELECT COUNT(*) FROM events WHERE module = 'leads' AND event_type = 'lead_updated' GROUP BY record_id",
    )
    .fetch_all(f.store().pool())
    .await
    .unwrap();
    assert_eq!(updates, [1; RUNS], "each lead's owner set once");
}

/// A notification to the record's owner, on a record without one, is skipped with its reason:
/// the run completes. Recipients who all left still fail the step (a setting to fix).
async fn a_notification_to_no_owner_is_skipped_with_its_reason(db: Db) {
    let f = fixture(db).await;
    let workflow = save(&f, json!({
        "name": "Tell the owner", "triggerModule": "leads", "triggerType": "lead_created", "isActive": true,
        "actions": [
            {"actionType": "send_notification", "config": {"recipients": ["owner"], "title": "New lead {{trigger.firstName}}"}, "sortOrder": 1},
            {"actionType": "update_field", "config": {"field": "stage", "value": "contacted"}, "sortOrder": 2}
        ]
    })).await;
    let lead = create(&f, Module::Leads, json!({"firstName": "Nina", "lastName": "Brooks"})).await;
    engine(f.store(), true).run_until_idle().await.unwrap();
    let run = run_of(&f, &workflow, &lead).await;
    assert_eq!(run["status"], "completed", "{run:#}");
    assert_eq!(statuses(&run), pairs(&[("send_notification", "completed"), ("update_field", "completed")]));
    assert_eq!(
        run["steps"][0]["output"],
        json!({"notified": [], "skipped": "Lead Nina Brooks has no owner: nobody was notified."})
    );
    let admin = f.store().member(&f.admin.id, &f.acme).await.unwrap().unwrap();
    assert_eq!(f.store().notifications(&admin, 10).await.unwrap().0.len(), 0);
}

on_both_backends!(
    stale_attempts_leavers_concurrent_tags_and_whole_numbers,
    contact_actions_write_the_crm_once_each,
    a_notification_to_no_owner_is_skipped_with_its_reason,
    branches_choose_a_path_and_waits_resume_when_due,
    failures_retry_fail_the_run_and_an_admin_retries_from_the_failed_step,
    the_loop_limit_is_reported_by_the_step_that_reached_it,
    switching_off_or_deleting_a_workflow_cancels_its_unfinished_runs,
    two_engines_run_every_step_once_and_take_turns_exactly,
    a_failed_step_takes_back_its_own_writes_and_no_others,
    a_round_makes_way_for_waiting_writers_and_runs_each_step_once,
    steps_taken_from_a_round_are_recorded_once,
);
