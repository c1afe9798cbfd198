//! Workflows that would run away, on real databases: the loop limit follows a chain of causes
//! through the scheduler (an overdue task a run created), the budgets on runs per chain, runs
//! per minute and queued steps stop a sub-account's workflows and tell its admins once while
//! another sub-account's runs go on, and the purge keeps each workflow's newest runs.
#![expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]

use app::model::workflow::Workflow;
use app::model::{Cause, Module, SubAccountId};
use serde_json::{Map, Value, json};
use server::crm::builtin::BuiltinCrm;
use server::db::budgets::Budgets;
use server::db::retention::RUNS_KEPT_PER_WORKFLOW;
use server::db::{Store, now_ms};

use crate::common::{Db, Fixture, fixture};
use crate::workflow_runs::{editor, engine};

async fn save(f: &Fixture, sub_account: &SubAccountId, body: Value) -> Workflow {
    f.service.create_workflow(&editor(f, sub_account).await, &body).await.unwrap()
}

fn object(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

/// The demo's store with other budgets, as a server started with other flags has.
async fn budgeted(f: &Fixture, budgets: Budgets) -> Store {
    Store::connect(&f.db.url).await.unwrap().with_budgets(budgets)
}

async fn create(crm: &BuiltinCrm, f: &Fixture, sub_account: &SubAccountId, module: Module, values: Value) -> String {
    let cause = Cause::Person { user_id: f.admin.id.clone() };
    crm.create_record(&f.tenant(sub_account), &cause, module, &object(values)).await.unwrap().id
}

async fn count(store: &Store, sql: &str, workflow: &Workflow) -> i64 {
    sqlx::query_scalar(sql).bind(workflow.id.as_str()).fetch_one(store.pool()).await.unwrap()
}

async fn runs(store: &Store, workflow: &Workflow) -> i64 {
    count(store, "SELECT COUNT(*) FROM workflow_runs WHERE workflow_id = $1", workflow).await
}

/// The notifications about a workflow reaching a budget, over every member.
async fn budget_alerts(store: &Store, workflow: &Workflow) -> Vec<(String, String)> {
    sqlx::query_as("SELECT title, message FROM notifications WHERE step_id IS NULL AND link LIKE $1")
        .bind(format!("%/workflows/{}", workflow.id))
        .fetch_all(store.pool())
        .await
        .unwrap()
}

/// The sub-account's admins, each of whom hears of a budget reached.
async fn admins(store: &Store, sub_account: &SubAccountId) -> usize {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users u JOIN memberships m ON m.user_id = u.id \
         WHERE m.sub_account_id = $1 AND u.role = 'admin'",
    )
    .bind(sub_account.as_str())
    .fetch_one(store.pool())
    .await
    .unwrap();
    usize::try_from(n).unwrap()
}

/// A workflow in the other sub-account that tags each new contact: it runs on through it all.
async fn bystander(f: &Fixture, crm: &BuiltinCrm) -> (Workflow, String) {
    let workflow = save(
        f,
        &f.brightside,
        json!({"name": "Welcome", "triggerModule": "contacts", "triggerType": "contact_created", "isActive": true,
               "actions": [{"actionType": "add_tag", "sortOrder": 1, "config": {"tags": ["welcomed"]}}]}),
    )
    .await;
    let contact = create(crm, f, &f.brightside, Module::Contacts, json!({"firstName": "Bea"})).await;
    (workflow, contact)
}

async fn bystander_done(store: &Store, workflow: &Workflow) {
    let statuses: Vec<String> = sqlx::query_scalar("SELECT status FROM workflow_runs WHERE workflow_id = $1")
        .bind(workflow.id.as_str())
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(statuses, ["completed"], "the other sub-account's run is not held up");
}

/// Measured before chains were kept: tasks doubling every few seconds without end (11,270
/// tasks, 8,193 runs in 60 s). Each overdue task's event now continues the chain of the run
/// that created the task, so the loop limit stops it at five runs deep.
async fn an_overdue_loop_stops_at_the_loop_limit(db: Db) {
    let f = fixture(db).await;
    let workflow = save(
        &f,
        &f.acme,
        json!({
            "name": "Chase", "triggerModule": "tasks", "triggerType": "task_overdue", "isActive": true,
            "triggerFilters": {"conditions": [{"field": "title", "operator": "contains", "value": "Chase"}]},
            "actions": ([1, 2].map(|n| json!({"actionType": "create_task", "sortOrder": n,
                "config": {"title": "Chase again", "dueIn": {"amount": 0, "unit": "minutes"}}})))
        }),
    )
    .await;
    let crm = f.service.builtin();
    create(crm, &f, &f.acme, Module::Tasks, json!({"title": "Chase Lee", "dueDate": "2026-01-05"})).await;
    let engine = engine(f.store(), true);
    let mut rounds = 0;
    loop {
        let fired = crm.fire_overdue(now_ms() + 60_000).await.unwrap();
        let ran = engine.run_until_idle().await.unwrap();
        if fired == 0 && ran == 0 {
            break;
        }
        rounds += 1;
        assert!(rounds < 20, "the loop goes on");
    }
    let depths: Vec<i64> =
        sqlx::query_scalar("SELECT depth FROM workflow_runs WHERE workflow_id = $1 GROUP BY depth ORDER BY depth")
            .bind(workflow.id.as_str())
            .fetch_all(f.store().pool())
            .await
            .unwrap();
    assert_eq!(depths, [1, 2, 3, 4, 5]);
    assert_eq!(runs(f.store(), &workflow).await, 1 + 2 + 4 + 8 + 16);
    let chains =
        count(f.store(), "SELECT COUNT(DISTINCT chain_id) FROM workflow_runs WHERE workflow_id = $1", &workflow);
    assert_eq!(chains.await, 1, "one chain, from the first task's overdue event");
    // The tasks the deepest runs created fell due, and said why they started nothing.
    let stopped: Vec<String> = sqlx::query_scalar(
        "SELECT s.output FROM workflow_steps s JOIN workflow_runs r ON r.id = s.run_id \
         WHERE r.workflow_id = $1 AND r.depth = 5",
    )
    .bind(workflow.id.as_str())
    .fetch_all(f.store().pool())
    .await
    .unwrap();
    assert_eq!(stopped.len(), 32);
    let tasks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM crm_tasks WHERE title = 'Chase again'")
        .fetch_one(f.store().pool())
        .await
        .unwrap();
    assert_eq!(tasks, 62, "two tasks per run, and no more");
}

/// Measured before the budget: a workflow with four `update_field` actions turned one edit into
/// 341 runs (1 + 4 + 16 + 64 + 256). The chain's runs beyond the first stop at the budget (a
/// step that runs concurrently with another of the chain may pass it by the engine's width),
/// the admins hear of it once, and another sub-account's run completes meanwhile.
async fn a_fan_out_stops_at_its_chains_budget_and_says_so_once(db: Db) {
    let f = fixture(db).await;
    let store = budgeted(&f, Budgets { runs_per_chain: 40, ..Budgets::default() }).await;
    let crm = BuiltinCrm::new(store.clone());
    let workflow = save(
        &f,
        &f.acme,
        json!({
            "name": "Fan", "triggerModule": "contacts", "triggerType": "contact_updated", "isActive": true,
            "triggerFilters": {"conditions": [{"field": "source", "operator": "any_change"}]},
            "actions": (["a", "b", "c", "d"].iter().enumerate().map(|(n, value)| json!({
                "actionType": "update_field", "sortOrder": n + 1, "config": {"field": "source", "value": value}
            })).collect::<Vec<_>>())
        }),
    )
    .await;
    let contact = create(&crm, &f, &f.acme, Module::Contacts, json!({"firstName": "Fay", "source": "s"})).await;
    let (other, _) = bystander(&f, &crm).await;
    let cause = Cause::Person { user_id: f.admin.id.clone() };
    crm.update_record(&f.tenant(&f.acme), &cause, Module::Contacts, &contact, &object(json!({"source": "x"})))
        .await
        .unwrap();
    engine(&store, true).run_until_idle().await.unwrap();

    let deeper = count(&store, "SELECT COUNT(*) FROM workflow_runs WHERE workflow_id = $1 AND depth >= 2", &workflow);
    let deeper = deeper.await;
    assert!((40..=48).contains(&deeper), "{deeper} runs beyond the first");
    assert_eq!(runs(&store, &workflow).await, deeper + 1);
    let alerts = budget_alerts(&store, &workflow).await;
    assert_eq!(alerts.len(), admins(&store, &f.acme).await, "each admin once: {alerts:?}");
    let (title, message) = &alerts[0];
    assert_eq!(title, "Workflow “Fan” stopped starting runs");
    assert!(message.contains("40 runs started by workflows from one change"), "{message}");
    let outputs: Vec<String> = sqlx::query_scalar(
        "SELECT s.output FROM workflow_steps s JOIN workflow_runs r ON r.id = s.run_id \
         WHERE r.workflow_id = $1 AND s.output LIKE '%Budget reached%'",
    )
    .bind(workflow.id.as_str())
    .fetch_all(store.pool())
    .await
    .unwrap();
    let output: Value = serde_json::from_str(&outputs[0]).unwrap();
    assert_eq!(output["notStarted"][0]["workflowId"], json!(workflow.id), "{output}");
    assert!(output["notStarted"][0]["reason"].as_str().unwrap().starts_with("Budget reached: 40 runs"), "{output}");
    bystander_done(&store, &other).await;

    // Another edit is a chain of its own: it starts runs again, and the admins are not told
    // again within the hour.
    crm.update_record(&f.tenant(&f.acme), &cause, Module::Contacts, &contact, &object(json!({"source": "y"})))
        .await
        .unwrap();
    engine(&store, true).run_until_idle().await.unwrap();
    assert!(runs(&store, &workflow).await > 2 * deeper, "a new chain has a budget of its own");
    assert_eq!(budget_alerts(&store, &workflow).await.len(), alerts.len());
}

/// Runs per minute: the sixth contact of the minute starts no run in this sub-account, while
/// the other sub-account's contacts start theirs.
async fn a_sub_account_starts_so_many_runs_a_minute_and_no_more(db: Db) {
    let f = fixture(db).await;
    let store = budgeted(&f, Budgets { runs_per_minute: 5, ..Budgets::default() }).await;
    let crm = BuiltinCrm::new(store.clone());
    let workflow = save(
        &f,
        &f.acme,
        json!({"name": "Greet", "triggerModule": "contacts", "triggerType": "contact_created", "isActive": true,
               "actions": [{"actionType": "add_tag", "sortOrder": 1, "config": {"tags": ["greeted"]}}]}),
    )
    .await;
    // Within one clock minute, whatever the moment the test starts.
    let into_minute = now_ms() % 60_000;
    if into_minute > 50_000 {
        tokio::time::sleep(std::time::Duration::from_millis(u64::try_from(60_500 - into_minute).unwrap())).await;
    }
    for n in 0..7 {
        create(&crm, &f, &f.acme, Module::Contacts, json!({"firstName": format!("Gus {n}")})).await;
    }
    let (other, _) = bystander(&f, &crm).await;
    engine(&store, true).run_until_idle().await.unwrap();
    assert_eq!(runs(&store, &workflow).await, 5);
    let alerts = budget_alerts(&store, &workflow).await;
    assert_eq!(alerts.len(), admins(&store, &f.acme).await, "{alerts:?}");
    assert!(alerts[0].1.contains("5 runs started in the sub-account in one minute"), "{alerts:?}");
    bystander_done(&store, &other).await;
}

/// Queued steps: counted by the engine every few seconds; past the budget no run starts until
/// the queue has gone down.
async fn no_run_starts_while_too_many_steps_are_queued(db: Db) {
    let f = fixture(db).await;
    let store = budgeted(&f, Budgets { queued_steps: 3, ..Budgets::default() }).await;
    let crm = BuiltinCrm::new(store.clone());
    let workflow = save(
        &f,
        &f.acme,
        json!({"name": "Queue", "triggerModule": "contacts", "triggerType": "contact_created", "isActive": true,
               "actions": [{"actionType": "add_tag", "sortOrder": 1, "config": {"tags": ["queued"]}}]}),
    )
    .await;
    for n in 0..3 {
        create(&crm, &f, &f.acme, Module::Contacts, json!({"firstName": format!("Quin {n}")})).await;
    }
    store.count_queued_steps().await.unwrap();
    create(&crm, &f, &f.acme, Module::Contacts, json!({"firstName": "Late"})).await;
    let (other, _) = bystander(&f, &crm).await;
    assert_eq!(runs(&store, &workflow).await, 3);
    let alerts = budget_alerts(&store, &workflow).await;
    assert!(alerts[0].1.contains("3 steps queued in the sub-account"), "{alerts:?}");

    engine(&store, true).run_until_idle().await.unwrap();
    bystander_done(&store, &other).await;
    store.count_queued_steps().await.unwrap();
    create(&crm, &f, &f.acme, Module::Contacts, json!({"firstName": "Later"})).await;
    assert_eq!(runs(&store, &workflow).await, 4, "the queue went down");
}

/// Finished runs older than the retention period go with their steps, but for each workflow's
/// newest; the runs API's count follows, and a notification a purged step sent stays.
async fn the_purge_keeps_each_workflows_newest_runs(db: Db) {
    let f = fixture(db).await;
    let workflow = save(
        &f,
        &f.acme,
        json!({"name": "Note", "triggerModule": "contacts", "triggerType": "contact_created", "isActive": true,
               "actions": [{"actionType": "send_notification", "sortOrder": 1,
                            "config": {"recipients": [f.admin.id], "title": "New contact"}}]}),
    )
    .await;
    let crm = f.service.builtin();
    let extra = 7;
    for n in 0..RUNS_KEPT_PER_WORKFLOW + extra {
        create(crm, &f, &f.acme, Module::Contacts, json!({"firstName": format!("Pat {n}")})).await;
    }
    engine(f.store(), true).run_until_idle().await.unwrap();
    // All of them long ago, but one still waiting would be kept.
    sqlx::query("UPDATE workflow_runs SET started_at = started_at - $1 WHERE workflow_id = $2")
        .bind(86_400_000_i64 * 90)
        .bind(workflow.id.as_str())
        .execute(f.store().pool())
        .await
        .unwrap();
    let now = now_ms();
    let purged = f.store().purge(now, now - 86_400_000 * 30).await.unwrap();
    assert_eq!(purged.runs, u64::try_from(extra).unwrap());
    assert_eq!(runs(f.store(), &workflow).await, RUNS_KEPT_PER_WORKFLOW);
    let (_, total, _) = f.store().runs(&f.tenant(&f.acme), &workflow.id, 1, 10).await.unwrap().unwrap();
    assert_eq!(total, RUNS_KEPT_PER_WORKFLOW, "the runs API counts what is left");
    let orphans: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM workflow_steps WHERE run_id NOT IN (SELECT id FROM workflow_runs)")
            .fetch_one(f.store().pool())
            .await
            .unwrap();
    assert_eq!(orphans, 0);
    let notes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE title = 'New contact'")
        .fetch_one(f.store().pool())
        .await
        .unwrap();
    assert_eq!(notes, RUNS_KEPT_PER_WORKFLOW + extra, "what people were told stays");
    assert_eq!(f.store().purge(now, now - 86_400_000 * 30).await.unwrap().runs, 0);
}

on_both_backends!(
    an_overdue_loop_stops_at_the_loop_limit,
    a_fan_out_stops_at_its_chains_budget_and_says_so_once,
    a_sub_account_starts_so_many_runs_a_minute_and_no_more,
    no_run_starts_while_too_many_steps_are_queued,
    the_purge_keeps_each_workflows_newest_runs,
);
