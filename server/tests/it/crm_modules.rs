//! The built-in CRM's six modules and their event stream: every one of seed 001's 27 events
//! fires exactly once from the write that causes it, with the previous values of what changed;
//! a write that changes nothing fires nothing; references stay inside the sub-account; and the
//! overdue scheduler fires once per (task, due date) across restarts and instances.
#![expect(clippy::expect_used, reason = "a test stops at the first surprise")]

use std::collections::BTreeMap;

use app::model::{Cause, EventType, Module, RecordEvent};
use serde_json::{Map, Value, json};
use server::crm::Crm as _;
use server::crm::builtin::BuiltinCrm;
use server::crm::builtin::modules::{Record, RecordError};
use server::db::Store;
use server::db::stream::StreamQuery;
use server::db::tenancy::Tenant;

use crate::common::{Db, Fixture, fixture};

fn values(value: Value) -> Record {
    match value {
        Value::Object(fields) => fields,
        other => panic!("not a record: {other}"),
    }
}

struct Crm<'a> {
    fx: &'a Fixture,
    crm: &'a BuiltinCrm,
    tenant: Tenant,
    cause: Cause,
}

impl Crm<'_> {
    async fn create(&self, module: Module, given: Value) -> String {
        self.crm.create_record(&self.tenant, &self.cause, module, &values(given)).await.expect("created").id
    }

    async fn stored(&self, module: Module, id: &str) -> Vec<RecordEvent> {
        let query = StreamQuery { module: Some(module), record_id: Some(id), limit: 1000, ..StreamQuery::default() };
        let mut events = self.fx.store().record_events(&self.tenant, &query).await.expect("events");
        events.reverse();
        events
    }

    async fn all_stored(&self) -> Vec<RecordEvent> {
        let query = StreamQuery { limit: 10_000, ..StreamQuery::default() };
        self.fx.store().record_events(&self.tenant, &query).await.expect("events")
    }
}

/// One write and what it must fire: the types in order, and the previous values they carry.
struct Row {
    fires: &'static [&'static str],
    previous: Value,
}

const fn row(fires: &'static [&'static str], previous: Value) -> Row {
    Row { fires, previous }
}

async fn each_of_the_27_events_fires_exactly_once(db: Db) {
    let fx = fixture(db).await;
    let crm = fx.service.builtin();
    let c = Crm { fx: &fx, crm, tenant: fx.tenant(&fx.acme), cause: Cause::Person { user_id: fx.admin.id.clone() } };
    let sam = Value::String(fx.sam.id.to_string());
    let admin = Value::String(fx.admin.id.to_string());
    let pipeline = fx.pipeline(&fx.acme, "Sales Pipeline").await;
    let (first_stage, second_stage) = (pipeline.stages[0].id.clone(), pipeline.stages[1].id.clone());

    let demo = c.all_stored().await.len();
    // Every write below, with what it must fire; a record's events are read back from the store.
    let mut fired: BTreeMap<&str, usize> = BTreeMap::new();
    let mut check = async |module: Module, id: &str, before: usize, expected: Row| {
        let events = c.stored(module, id).await;
        let new = &events[before..];
        let types: Vec<&str> = new.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(types, expected.fires, "{module:?} {id}");
        for event in new {
            *fired.entry(event.event_type.as_str()).or_default() += 1;
            assert_eq!(Value::Object(event.previous.clone()), expected.previous, "{}", event.event_type.as_str());
            assert_eq!(event.record["id"], id);
            let scheduled = event.event_type.as_str().ends_with("_overdue");
            assert_eq!(event.cause, if scheduled { Cause::Schedule { after: None } } else { c.cause.clone() });
        }
        events.len()
    };
    let update = async |module: Module, id: &str, given: Value| {
        crm.update_record(&c.tenant, &c.cause, module, id, &values(given)).await.expect("updated")
    };

    // Leads.
    let lead = c.create(Module::Leads, json!({"firstName": "Lee", "lastName": "Park", "source": "website"})).await;
    let n = check(Module::Leads, &lead, 0, row(&["lead_created"], json!({}))).await;
    update(Module::Leads, &lead, json!({"phone": "555-0100"})).await;
    let n = check(Module::Leads, &lead, n, row(&["lead_updated"], json!({"phone": ""}))).await;
    update(Module::Leads, &lead, json!({"stage": "contacted"})).await;
    let n = check(Module::Leads, &lead, n, row(&["lead_updated", "lead_stage_changed"], json!({"stage": "new"}))).await;
    update(Module::Leads, &lead, json!({"score": 40})).await;
    let n = check(Module::Leads, &lead, n, row(&["lead_updated", "lead_score_changed"], json!({"score": 0}))).await;
    update(Module::Leads, &lead, json!({"ownerId": sam})).await;
    let n = check(Module::Leads, &lead, n, row(&["lead_updated", "lead_assigned"], json!({"ownerId": null}))).await;
    let contact = crm.convert_lead(&c.tenant, &c.cause, &lead).await.expect("converted").id;
    check(
        Module::Leads,
        &lead,
        n,
        row(&["lead_updated", "lead_converted"], json!({"converted": false, "contactId": null})),
    )
    .await;
    let converted = crm.record(&c.tenant, Module::Contacts, &contact).await.expect("read").expect("the contact");
    assert_eq!(
        (&converted["firstName"], &converted["source"], &converted["ownerId"]),
        (&json!("Lee"), &json!("website"), &sam)
    );
    assert!(matches!(
        crm.convert_lead(&c.tenant, &c.cause, &lead).await,
        Err(RecordError::Conflict(why)) if why == "this lead is converted already"
    ));

    // Contacts (the converted lead's).
    let n = check(Module::Contacts, &contact, 0, row(&["contact_created"], json!({}))).await;
    update(Module::Contacts, &contact, json!({"tags": ["vip"]})).await;
    let n = check(Module::Contacts, &contact, n, row(&["contact_updated"], json!({"tags": []}))).await;
    update(Module::Contacts, &contact, json!({"ownerId": admin})).await;
    check(Module::Contacts, &contact, n, row(&["contact_updated", "contact_assigned"], json!({"ownerId": sam}))).await;

    // Accounts.
    let account = c.create(Module::Accounts, json!({"name": "Park Holdings"})).await;
    let n = check(Module::Accounts, &account, 0, row(&["account_created"], json!({}))).await;
    update(Module::Accounts, &account, json!({"industry": "Retail"})).await;
    let n = check(Module::Accounts, &account, n, row(&["account_updated"], json!({"industry": ""}))).await;
    update(Module::Accounts, &account, json!({"ownerId": sam})).await;
    check(Module::Accounts, &account, n, row(&["account_updated", "account_assigned"], json!({"ownerId": null}))).await;

    // Opportunities.
    let deal = c
        .create(
            Module::Opportunities,
            json!({"name": "Park roof", "contactId": contact, "pipelineId": pipeline.id, "stageId": first_stage,
                   "monetaryValue": 1200.5}),
        )
        .await;
    let n = check(Module::Opportunities, &deal, 0, row(&["opportunity_created"], json!({}))).await;
    update(Module::Opportunities, &deal, json!({"monetaryValue": 1500})).await;
    let n =
        check(Module::Opportunities, &deal, n, row(&["opportunity_updated"], json!({"monetaryValue": 1200.5}))).await;
    update(Module::Opportunities, &deal, json!({"stageId": second_stage})).await;
    let stage_changed = row(&["opportunity_updated", "opportunity_stage_changed"], json!({"stageId": first_stage}));
    let n = check(Module::Opportunities, &deal, n, stage_changed).await;
    update(Module::Opportunities, &deal, json!({"ownerId": sam})).await;
    let n = check(
        Module::Opportunities,
        &deal,
        n,
        row(&["opportunity_updated", "opportunity_assigned"], json!({"ownerId": null})),
    )
    .await;
    update(Module::Opportunities, &deal, json!({"status": "won"})).await;
    let n = check(
        Module::Opportunities,
        &deal,
        n,
        row(&["opportunity_updated", "opportunity_won"], json!({"status": "open"})),
    )
    .await;
    update(Module::Opportunities, &deal, json!({"status": "lost"})).await;
    check(Module::Opportunities, &deal, n, row(&["opportunity_updated", "opportunity_lost"], json!({"status": "won"})))
        .await;

    // Projects.
    let project = c.create(Module::Projects, json!({"name": "Park fit-out", "opportunityId": deal})).await;
    let n = check(Module::Projects, &project, 0, row(&["project_created"], json!({}))).await;
    update(Module::Projects, &project, json!({"members": [fx.sam.id.to_string()]})).await;
    let n = check(Module::Projects, &project, n, row(&["project_updated"], json!({"members": []}))).await;
    update(Module::Projects, &project, json!({"status": "active"})).await;
    let n = check(
        Module::Projects,
        &project,
        n,
        row(&["project_updated", "project_status_changed"], json!({"status": "planned"})),
    )
    .await;
    update(Module::Projects, &project, json!({"status": "completed"})).await;
    let completed =
        row(&["project_updated", "project_status_changed", "project_completed"], json!({"status": "active"}));
    let n = check(Module::Projects, &project, n, completed).await;

    // Tasks, one of them the project's; the scheduler fires the overdue ones.
    let task =
        c.create(Module::Tasks, json!({"title": "Call Lee", "dueDate": "2026-12-01", "contactId": contact})).await;
    let t = check(Module::Tasks, &task, 0, row(&["task_created"], json!({}))).await;
    update(Module::Tasks, &task, json!({"assignedTo": sam})).await;
    let t = check(Module::Tasks, &task, t, row(&["task_updated"], json!({"assignedTo": null}))).await;
    let project_task =
        c.create(Module::Tasks, json!({"title": "Order tiles", "dueDate": "2026-11-20", "projectId": project})).await;
    let p = check(Module::Tasks, &project_task, 0, row(&["task_created"], json!({}))).await;
    // Acme is in New York: 2026-12-01 ends at 05:00 UTC on the 2nd.
    let december_second_5am_utc = 1_796_187_600_000;
    assert_eq!(
        crm.fire_overdue(december_second_5am_utc - 1).await.expect("scheduler"),
        1,
        "only the project task is due"
    );
    assert_eq!(crm.fire_overdue(december_second_5am_utc).await.expect("scheduler"), 1);
    let t = check(Module::Tasks, &task, t, row(&["task_overdue"], json!({}))).await;
    check(Module::Projects, &project, n, row(&["project_task_overdue"], json!({}))).await;
    let on_project = c.stored(Module::Projects, &project).await;
    let last = on_project.last().expect("event");
    assert_eq!((&last.record["name"], &last.record["task"]["title"]), (&json!("Park fit-out"), &json!("Order tiles")));
    assert_eq!(last.cause, Cause::Schedule { after: None });
    check(Module::Tasks, &project_task, p, row(&["task_overdue"], json!({}))).await;
    update(Module::Tasks, &task, json!({"completed": true})).await;
    check(Module::Tasks, &task, t, row(&["task_updated", "task_completed"], json!({"completed": false}))).await;

    // Each of the 27 fired (each write above fired exactly its list, once each).
    let seed: Vec<&str> = EventType::ALL.iter().filter(|t| t.module().is_some()).map(|t| t.as_str()).collect();
    assert_eq!(seed.len(), 27);
    let never: Vec<&&str> = seed.iter().filter(|name| !fired.contains_key(*name)).collect();
    assert!(never.is_empty(), "never fired: {never:?}");
    // The stream holds exactly what the writes fired.
    let all = c.all_stored().await;
    assert_eq!(all.len() - demo, fired.values().sum::<usize>());
}

/// Writing what a record already holds fires nothing and changes nothing.
async fn a_write_that_changes_nothing_fires_nothing(db: Db) {
    let fx = fixture(db).await;
    let crm = fx.service.builtin();
    let c = Crm { fx: &fx, crm, tenant: fx.tenant(&fx.acme), cause: Cause::Api { key_id: None } };
    let pipeline = fx.pipeline(&fx.acme, "Sales Pipeline").await;
    let contact = c.create(Module::Contacts, json!({"firstName": "Ana", "tags": ["vip"]})).await;
    let records = [
        (Module::Leads, c.create(Module::Leads, json!({"firstName": "Ana", "score": 10})).await),
        (Module::Contacts, contact.clone()),
        (Module::Accounts, c.create(Module::Accounts, json!({"name": "Acme"})).await),
        (
            Module::Opportunities,
            c.create(
                Module::Opportunities,
                json!({"name": "Deal", "contactId": contact, "pipelineId": pipeline.id,
                       "stageId": pipeline.stages[0].id, "monetaryValue": 10}),
            )
            .await,
        ),
        (Module::Tasks, c.create(Module::Tasks, json!({"title": "Call", "dueDate": "2030-01-01T09:00:00Z"})).await),
        (Module::Projects, c.create(Module::Projects, json!({"name": "Build"})).await),
    ];
    let before = c.all_stored().await.len();
    for (module, id) in &records {
        let record = crm.record(&c.tenant, *module, id).await.expect("read").expect("record");
        let mut same: Map<String, Value> = record.clone();
        same.remove("id");
        if *module == Module::Opportunities {
            same.insert("monetaryValue".to_owned(), json!(10.0)); // 10 and 10.0 are one amount
        }
        let written = crm.update_record(&c.tenant, &c.cause, *module, id, &same).await.expect("a no-op write is fine");
        assert!(written.events.is_empty(), "{module:?}: {:?}", written.events);
        let after = crm.record(&c.tenant, *module, id).await.expect("read").expect("record");
        assert_eq!(after, record);
    }
    assert_eq!(c.all_stored().await.len(), before, "no event was stored");
}

/// Bad values are refused with every problem named; ids of another sub-account's records or
/// users are unknown here; a write leaves nothing half done.
async fn records_refuse_bad_values_and_other_tenants_ids(db: Db) {
    let fx = fixture(db).await;
    let crm = fx.service.builtin();
    let acme = Crm { fx: &fx, crm, tenant: fx.tenant(&fx.acme), cause: Cause::Api { key_id: None } };
    let brightside = Crm { fx: &fx, crm, tenant: fx.tenant(&fx.brightside), cause: Cause::Api { key_id: None } };
    let (acme_demo, brightside_demo) = (acme.all_stored().await.len(), brightside.all_stored().await.len());
    let theirs = brightside.create(Module::Accounts, json!({"name": "Brightside Ltd"})).await;
    let problems = |result: Result<_, RecordError>| match result {
        Err(RecordError::Invalid(problems)) => problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
        other => panic!("expected problems, got {other:?}"),
    };
    // Riley is Brightside's, not Acme's.
    let said = problems(
        crm.create_record(
            &acme.tenant,
            &acme.cause,
            Module::Contacts,
            &values(json!({"firstName": "Ana", "accountId": theirs, "ownerId": fx.riley.id.to_string()})),
        )
        .await,
    );
    assert_eq!(
        said,
        [
            format!("“Owner” names {}, which this sub-account does not have", fx.riley.id),
            format!("“Account” names {theirs}, which this sub-account does not have"),
        ]
    );
    let said = problems(
        crm.create_record(
            &acme.tenant,
            &acme.cause,
            Module::Leads,
            &values(json!({"score": "high", "converted": true})),
        )
        .await,
    );
    assert_eq!(said.len(), 3, "{said:?}");
    // Another sub-account's record is not found, for reading and for writing.
    assert!(crm.record(&acme.tenant, Module::Accounts, &theirs).await.expect("read").is_none());
    assert!(matches!(
        crm.update_record(&acme.tenant, &acme.cause, Module::Accounts, &theirs, &values(json!({"name": "Mine"}))).await,
        Err(RecordError::NotFound("accounts"))
    ));
    // A stage of another pipeline is refused.
    let pipelines = crm.pipelines(&fx.acme).await.expect("pipelines");
    let contact = acme.create(Module::Contacts, json!({"firstName": "Ana"})).await;
    let foreign_stage = pipelines.iter().find(|p| p.id != pipelines[0].id).map(|p| p.stages[0].id.clone());
    if let Some(stage) = foreign_stage {
        let said = problems(
            crm.create_record(
                &acme.tenant,
                &acme.cause,
                Module::Opportunities,
                &values(json!({"name": "Deal", "contactId": contact, "pipelineId": pipelines[0].id, "stageId": stage})),
            )
            .await,
        );
        assert_eq!(said, ["“Stage” is not a stage of the chosen pipeline"]);
    }
    assert_eq!(acme.all_stored().await.len() - acme_demo, 1, "only the contact was created");
    assert_eq!(brightside.all_stored().await.len() - brightside_demo, 1, "Brightside sees its account's event");
}

async fn overdue_tasks(store: &Store, tenant: &Tenant) -> usize {
    let query = StreamQuery { event_type: Some(EventType::TaskOverdue), limit: 10_000, ..StreamQuery::default() };
    store.record_events(tenant, &query).await.expect("events").len()
}

/// The scheduler fires once per (task, due date): not again after a restart, not twice from
/// two instances at once, again when the due date moves, never for a completed task.
async fn overdue_fires_once_per_due_date_across_restarts_and_instances(db: Db) {
    let fx = fixture(db).await;
    let crm = fx.service.builtin();
    let c = Crm { fx: &fx, crm, tenant: fx.tenant(&fx.acme), cause: Cause::Api { key_id: None } };
    let later = 1_900_000_000_000;
    crm.fire_overdue(later).await.expect("the demo's tasks fall due first");
    let demo = overdue_tasks(fx.store(), &c.tenant).await;
    let mut tasks = Vec::new();
    for n in 0..30 {
        tasks.push(c.create(Module::Tasks, json!({"title": format!("Task {n}"), "dueDate": "2026-01-05"})).await);
    }
    let done = c.create(Module::Tasks, json!({"title": "Done", "dueDate": "2026-01-05", "completed": true})).await;

    // Two instances on one database at once.
    let other = BuiltinCrm::new(Store::connect(&store_url(&fx)).await.expect("second instance"));
    let (a, b) = tokio::join!(crm.fire_overdue(later), other.fire_overdue(later));
    assert_eq!(a.expect("first") + b.expect("second"), 30);
    assert_eq!(overdue_tasks(fx.store(), &c.tenant).await - demo, 30, "each task once");

    // A restarted instance finds them fired.
    let restarted = BuiltinCrm::new(Store::connect(&store_url(&fx)).await.expect("restart"));
    assert_eq!(restarted.fire_overdue(later).await.expect("again"), 0);
    assert_eq!(overdue_tasks(fx.store(), &c.tenant).await - demo, 30);
    assert!(c.stored(Module::Tasks, &done).await.iter().all(|e| e.event_type != EventType::TaskOverdue));

    // A new due date falls due again, once.
    crm.update_record(&c.tenant, &c.cause, Module::Tasks, &tasks[0], &values(json!({"dueDate": "2026-02-01"})))
        .await
        .expect("moved");
    assert_eq!(restarted.fire_overdue(later).await.expect("moved task"), 1);
    assert_eq!(crm.fire_overdue(later).await.expect("once"), 0);
    let history: Vec<&str> = c.stored(Module::Tasks, &tasks[0]).await.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(history, ["task_created", "task_overdue", "task_updated", "task_overdue"]);
}

/// Tasks stored before the scheduler existed get their moment once; one already overdue then
/// is not announced late.
async fn tasks_from_before_the_scheduler_are_scheduled_once(db: Db) {
    let fx = fixture(db).await;
    let crm = fx.service.builtin();
    let c = Crm { fx: &fx, crm, tenant: fx.tenant(&fx.acme), cause: Cause::Api { key_id: None } };
    let later = 1_900_000_000_000;
    crm.fire_overdue(later).await.expect("the demo's tasks fall due first");
    let demo = overdue_tasks(fx.store(), &c.tenant).await;
    for (id, due) in [("legacy-soon", "2029-06-01T09:00:00Z"), ("legacy-past", "2020-01-01")] {
        sqlx::query(
            "INSERT INTO crm_tasks (id, sub_account_id, title, body, due_date, completed, created_at, updated_at) \
             VALUES ($1, $2, 'Old task', '', $3, 0, 0, 0)",
        )
        .bind(id)
        .bind(fx.acme.as_str())
        .bind(due)
        .execute(fx.store().pool())
        .await
        .expect("a task as the upgrade left it");
    }
    let now = 1_800_000_000_000; // 2027-01-15
    assert_eq!(crm.backfill_due(now).await.expect("backfill"), 2);
    assert_eq!(crm.backfill_due(now).await.expect("again"), 0, "once");
    assert_eq!(crm.fire_overdue(now).await.expect("nothing due yet"), 0, "the past one is not announced late");
    assert_eq!(crm.fire_overdue(later).await.expect("due"), 1);
    assert_eq!(overdue_tasks(fx.store(), &c.tenant).await - demo, 1);
    let fired = c.stored(Module::Tasks, "legacy-soon").await;
    assert_eq!(fired.iter().map(|e| e.event_type.as_str()).collect::<Vec<_>>(), ["task_overdue"]);
}

/// Writes of one record from two instances at once take turns: every write's events are
/// stored, numbered in order, and each carries what the write before it left.
async fn concurrent_writes_of_one_record_take_turns(db: Db) {
    let fx = fixture(db).await;
    let crm = fx.service.builtin();
    let c = Crm { fx: &fx, crm, tenant: fx.tenant(&fx.acme), cause: Cause::Api { key_id: None } };
    let lead = c.create(Module::Leads, json!({"firstName": "Race", "score": 0})).await;
    let other = BuiltinCrm::new(Store::connect(&store_url(&fx)).await.expect("second instance"));
    let writes = (1..=20).map(|score| {
        let (crm, tenant, lead) =
            (if score % 2 == 0 { crm.clone() } else { other.clone() }, c.tenant.clone(), lead.clone());
        tokio::spawn(async move {
            crm.update_record(
                &tenant,
                &Cause::Api { key_id: None },
                Module::Leads,
                &lead,
                &values(json!({"score": score})),
            )
            .await
        })
    });
    for write in futures::future::join_all(writes).await {
        assert_eq!(write.expect("joined").expect("written").events.len(), 2, "lead_updated and lead_score_changed");
    }
    let history = c.stored(Module::Leads, &lead).await;
    assert_eq!(history.len(), 41);
    let scores: Vec<(Value, Value)> = history[1..]
        .iter()
        .filter(|e| e.event_type == EventType::LeadScoreChanged)
        .map(|e| (e.previous["score"].clone(), e.record["score"].clone()))
        .collect();
    for pair in scores.windows(2) {
        assert_eq!(pair[1].0, pair[0].1, "each write starts from what the one before left");
    }
    assert_eq!(scores[0].0, json!(0));
}

fn store_url(fx: &Fixture) -> String {
    fx.db.url.clone()
}

on_both_backends!(
    each_of_the_27_events_fires_exactly_once,
    a_write_that_changes_nothing_fires_nothing,
    records_refuse_bad_values_and_other_tenants_ids,
    overdue_fires_once_per_due_date_across_restarts_and_instances,
    tasks_from_before_the_scheduler_are_scheduled_once,
    concurrent_writes_of_one_record_take_turns,
);

/// The record pages' server side: a person's saves are theirs in the history, with each change
/// before → after; another sub-account's records are not found; bad values come back with
/// every problem; only admins filter the Activity.
async fn record_pages_are_scoped_and_show_their_history(db: Db) {
    use app::api::AppError;
    use app::api::ports::RecordsPort;
    let fx = fixture(db).await;
    let service = &fx.service;
    let lead = service
        .save_record(&fx.sam, &fx.acme, Module::Leads, save(None, json!({"firstName": "Ivy", "stage": "new"})))
        .await
        .expect("Sam creates a lead");
    service
        .save_record(&fx.sam, &fx.acme, Module::Leads, save(Some(&lead), json!({"stage": "contacted", "score": 30})))
        .await
        .expect("and moves it on");
    let detail = service.record(&fx.admin, &fx.acme, Module::Leads, Some(&lead)).await.expect("the admin reads it");
    let types: Vec<Vec<&str>> =
        detail.activity.iter().map(|item| item.event_types.iter().map(|t| t.as_str()).collect()).collect();
    // One entry per save, newest first; the save's changes are listed once.
    assert_eq!(types, [vec!["lead_stage_changed", "lead_score_changed", "lead_updated"], vec!["lead_created"]]);
    let change = &detail.activity[0];
    assert_eq!(change.cause, "Sam Staff");
    assert_eq!(
        change.changes,
        [
            ("Score".to_owned(), "0".to_owned(), "30".to_owned()),
            ("Stage".to_owned(), "New".to_owned(), "Contacted".to_owned()),
        ]
    );

    // Riley is Brightside's: Acme's lead is not found, through either sub-account.
    let not_found = |result: Result<_, AppError>| assert!(matches!(result, Err(AppError::NotFound(_))), "{result:?}");
    not_found(service.record(&fx.riley, &fx.acme, Module::Leads, Some(&lead)).await.map(|_| ()));
    not_found(service.record(&fx.riley, &fx.brightside, Module::Leads, Some(&lead)).await.map(|_| ()));
    not_found(
        service
            .save_record(&fx.riley, &fx.brightside, Module::Leads, save(Some(&lead), json!({"score": 99})))
            .await
            .map(|_| ()),
    );
    not_found(service.convert_lead(&fx.riley, &fx.brightside, &lead).await.map(|_| ()));

    let refused = service
        .save_record(&fx.sam, &fx.acme, Module::Leads, save(Some(&lead), json!({"score": 101, "email": "ivy@"})))
        .await;
    assert_eq!(
        refused,
        Err(AppError::InvalidRecord(vec![
            "“Email” takes an email address like ana@example.com, at most 254 characters".to_owned(),
            "“Score” takes a whole number from 0 to 100".to_owned(),
        ]))
    );

    // Activity: everyone sees it; only admins filter it.
    let all = service.activity(&fx.sam, &fx.acme, None, None).await.expect("Sam reads the activity");
    assert!(!all.can_filter && all.items.iter().any(|item| item.record_id == lead));
    let filtered = service.activity(&fx.sam, &fx.acme, Some(Module::Leads), None).await;
    assert!(matches!(filtered, Err(AppError::Forbidden(_))), "{filtered:?}");
    let stage_changes = service
        .activity(&fx.admin, &fx.acme, Some(Module::Leads), Some(EventType::LeadStageChanged))
        .await
        .expect("admin");
    assert!(stage_changes.can_filter);
    assert_eq!(stage_changes.items.len(), 1);
    assert_eq!(stage_changes.items[0].record_label, "Ivy");
    let brightside = service.activity(&fx.admin, &fx.brightside, None, None).await.expect("Brightside's own");
    assert!(brightside.items.iter().all(|item| item.record_id != lead), "each sub-account sees its own stream");
}

fn save(id: Option<&str>, given: Value) -> app::api::records::RecordSave<'_> {
    app::api::records::RecordSave { id, values: values(given), seen: None }
}

/// A page saves only what it changed, with what it showed of it: a change someone made
/// meanwhile to another field is kept; one to the same field refuses the save, saying which.
async fn a_stale_page_does_not_undo_another_persons_change(db: Db) {
    use app::api::AppError;
    use app::api::ports::RecordsPort;
    use app::api::records::RecordSave;
    let fx = fixture(db).await;
    let service = &fx.service;
    let lead = service
        .save_record(&fx.sam, &fx.acme, Module::Leads, save(None, json!({"firstName": "Ivy", "score": 10})))
        .await
        .expect("created");
    // Sam's page shows score 10 and stage new; the admin sets the score meanwhile.
    service
        .save_record(&fx.admin, &fx.acme, Module::Leads, save(Some(&lead), json!({"score": 50})))
        .await
        .expect("admin");
    let stale =
        RecordSave { id: Some(&lead), values: values(json!({"score": 30})), seen: Some(values(json!({"score": 10}))) };
    let refused = service.save_record(&fx.sam, &fx.acme, Module::Leads, stale).await;
    assert_eq!(
        refused,
        Err(AppError::Conflict(
            "Someone changed “Score” since this page was opened: reload it to see their change.".to_owned()
        ))
    );
    let other_field = RecordSave {
        id: Some(&lead),
        values: values(json!({"stage": "qualified"})),
        seen: Some(values(json!({"stage": "new"}))),
    };
    service.save_record(&fx.sam, &fx.acme, Module::Leads, other_field).await.expect("another field is fine");
    let now =
        service.record(&fx.admin, &fx.acme, Module::Leads, Some(&lead)).await.expect("read").record.expect("lead");
    assert_eq!((&now["score"], &now["stage"]), (&json!(50), &json!("qualified")), "both changes are kept");
}

/// Form triggers listen on the stream: a stage changed on a record's page makes the trigger's
/// form, in the same transaction as the change; a form's own writeback moving the deal does not
/// make another.
async fn a_stage_change_anywhere_makes_the_triggers_forms(db: Db) {
    use app::api::ports::{InboxPort, RecordsPort, SubAccountsPort};
    use app::api::types::InboxQuery;
    use app::model::Writebacks;
    let fx = fixture(db).await;
    fx.service.open_sub_account(&fx.admin, &fx.acme).await.expect("its starter templates");
    fx.stage_trigger("Job Complete", "Service Jobs", "Job Complete", Writebacks::default()).await;
    let jobs = fx.pipeline(&fx.acme, "Service Jobs").await;
    let done = fx.stage_id(&fx.acme, "Service Jobs", "Job Complete").await;
    let deals = fx.service.records(&fx.sam, &fx.acme, Module::Opportunities).await.expect("deals").records;
    let deal = deals.iter().find(|d| d["pipelineId"] == jobs.id.as_str()).expect("a job")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    fx.service
        .save_record(&fx.sam, &fx.acme, Module::Opportunities, save(Some(&deal), json!({"stageId": done})))
        .await
        .expect("moved on the record's page");
    let pending = fx.service.pending_forms(&fx.sam, &fx.acme, &InboxQuery::default()).await.expect("inbox").rows;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].context, "Service Jobs › Job Complete");

    // The same move as a form's writeback (back and forth): the stream has it, no form comes.
    let crm = fx.service.builtin();
    let cause = Cause::Form { form_id: pending[0].id.clone(), user_id: Some(fx.sam.id.clone()) };
    let other = jobs.stages[0].id.clone();
    for stage in [&other, &done] {
        crm.update_record(
            &fx.tenant(&fx.acme),
            &cause,
            Module::Opportunities,
            &deal,
            &values(json!({"stageId": stage})),
        )
        .await
        .expect("moved by a writeback");
    }
    assert_eq!(fx.service.pending_forms(&fx.sam, &fx.acme, &InboxQuery::default()).await.expect("inbox").rows.len(), 1);
    let activity =
        fx.service.record(&fx.admin, &fx.acme, Module::Opportunities, Some(&deal)).await.expect("deal").activity;
    assert_eq!(activity[0].cause, "Sam Staff, by a form's writeback");
}

on_both_backends!(
    record_pages_are_scoped_and_show_their_history,
    a_stale_page_does_not_undo_another_persons_change,
    a_stage_change_anywhere_makes_the_triggers_forms,
);

/// A writeback's custom field values are the contact's change too: the Activity names each
/// field and its values before → after.
async fn custom_field_writes_show_in_the_contacts_history(db: Db) {
    use app::api::ports::RecordsPort;
    use app::model::CrmFieldValue;
    use server::crm::{Crm as _, CustomFieldUpdate};
    let fx = fixture(db).await;
    let crm = fx.service.builtin();
    let contact = fx.service.records(&fx.admin, &fx.acme, Module::Contacts).await.expect("contacts").records[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let outcome = crm.custom_fields(&fx.acme).await.expect("fields").into_iter().find(|f| f.key == "call_outcome");
    let outcome = outcome.expect("the demo's Call Outcome");
    let update = CustomFieldUpdate {
        id: outcome.id.clone(),
        key: outcome.key.clone(),
        field_value: CrmFieldValue::Text("Interested".to_owned()),
    };
    let cause = Cause::Person { user_id: fx.sam.id.clone() };
    crm.update_contact_custom_fields(&fx.acme, &contact.as_str().into(), &[update], &cause).await.expect("written");
    let detail = fx.service.record(&fx.admin, &fx.acme, Module::Contacts, Some(&contact)).await.expect("contact");
    assert_eq!(detail.activity[0].event_types, [EventType::ContactUpdated]);
    assert_eq!(detail.activity[0].changes, [("Call Outcome".to_owned(), "—".to_owned(), "Interested".to_owned())]);
    assert_eq!(detail.record.expect("record")["customFields"]["call_outcome"], json!("Interested"));
    let budget = crm.custom_fields(&fx.acme).await.expect("fields").into_iter().find(|f| f.key == "budget");
    let budget = budget.expect("the demo's Budget");
    let update = CustomFieldUpdate { id: budget.id, key: budget.key, field_value: CrmFieldValue::Number(450.0) };
    crm.update_contact_custom_fields(&fx.acme, &contact.as_str().into(), &[update], &cause).await.expect("written");
    let detail = fx.service.record(&fx.admin, &fx.acme, Module::Contacts, Some(&contact)).await.expect("contact");
    assert_eq!(detail.activity[0].changes, [("Budget".to_owned(), "—".to_owned(), "450".to_owned())], "not 450.0");

    // A task's due time reads in the sub-account's zone (New York), as every other time does.
    let due = "2026-12-03T14:00:00Z";
    let task = save(None, json!({"title": "Call back", "dueDate": due, "contactId": contact}));
    fx.service.save_record(&fx.sam, &fx.acme, Module::Tasks, task).await.expect("task");
    let tasks = fx.service.records(&fx.sam, &fx.acme, Module::Tasks).await.expect("tasks");
    assert_eq!(tasks.labels.get(due).map(String::as_str), Some("2026-12-03 09:00 EST"));
}

on_both_backends!(custom_field_writes_show_in_the_contacts_history);
