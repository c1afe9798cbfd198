//! A workflow on each of seed 001's 27 events, each event caused the way a person causes it: a
//! record created, edited, assigned, converted, won, lost or completed on the record pages (the
//! built-in CRM's one write path, as the signed-in admin), and the two overdue events by the
//! scheduler's sweep driven with a clock. Each workflow runs exactly once, for the record its
//! event was about, and its step does what it says.
#![expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]

use std::collections::BTreeMap;

use app::api::ports::RecordsPort;
use app::api::records::RecordSave;
use app::model::workflow::history::{RunStatus, StepStatus};
use app::model::{EventType, Module, WorkflowId};
use serde_json::{Map, Value, json};

use crate::common::{Db, Fixture, fixture};
use crate::workflow_runs::{editor, engine};

/// A filter of one condition.
fn when(field: &str, operator: &str, value: Value) -> Value {
    json!({"logic": "AND", "conditions": [{"field": field, "operator": operator, "value": value}]})
}

/// Each event's workflow filters (`None`: every event of the type). The writes below fire most
/// events more than once — every change of a lead is a `lead_updated` — so a filter picks the
/// one write its workflow is for; a few writes are made to fail a filter (a lead from a fair, a
/// small deal, a task that is not a call).
fn filters() -> Vec<(EventType, Option<Value>)> {
    use EventType as E;
    vec![
        (E::LeadCreated, Some(when("source", "equals", json!("website")))),
        (E::LeadUpdated, Some(when("phone", "any_change", Value::Null))),
        (E::LeadStageChanged, Some(when("stage", "changed_to", json!("contacted")))),
        (E::LeadScoreChanged, Some(when("score", "greater_than", json!(50)))),
        (E::LeadConverted, None),
        (E::LeadAssigned, None),
        (E::ContactCreated, Some(when("source", "equals", json!("website")))),
        (E::ContactUpdated, Some(when("tags", "any_change", Value::Null))),
        (E::ContactAssigned, Some(when("owner_id", "any_change", Value::Null))),
        (E::AccountCreated, None),
        (E::AccountUpdated, Some(when("industry", "any_change", Value::Null))),
        (E::AccountAssigned, None),
        (E::OpportunityCreated, Some(when("monetaryValue", "greater_or_equal", json!(1000)))),
        (E::OpportunityUpdated, Some(when("monetaryValue", "any_change", Value::Null))),
        (E::OpportunityStageChanged, Some(when("stageId", "any_change", Value::Null))),
        (E::OpportunityWon, None),
        (E::OpportunityLost, None),
        (E::OpportunityAssigned, None),
        (E::TaskCreated, Some(when("title", "starts_with", json!("Call")))),
        (E::TaskUpdated, Some(when("assignedTo", "any_change", Value::Null))),
        (E::TaskOverdue, Some(when("title", "starts_with", json!("Call")))),
        (E::TaskCompleted, None),
        (E::ProjectCreated, None),
        (E::ProjectUpdated, Some(when("members", "any_change", Value::Null))),
        (E::ProjectStatusChanged, Some(when("status", "changed_to", json!("active")))),
        (E::ProjectTaskOverdue, Some(when("name", "starts_with", json!("Park")))),
        (E::ProjectCompleted, None),
    ]
}

/// The admin at work on Acme's record pages.
struct Pages<'a> {
    f: &'a Fixture,
}

impl Pages<'_> {
    async fn create(&self, module: Module, values: Value) -> String {
        self.save(module, None, values).await
    }

    async fn update(&self, module: Module, id: &str, values: Value) {
        self.save(module, Some(id), values).await;
    }

    async fn save(&self, module: Module, id: Option<&str>, values: Value) -> String {
        let values: Map<String, Value> = values.as_object().unwrap().clone();
        let save = RecordSave { id, values, seen: None };
        self.f.service.save_record(&self.f.admin, &self.f.acme, module, save).await.unwrap()
    }
}

async fn a_workflow_on_each_of_the_27_events_runs_once_for_its_record(db: Db) {
    let f = fixture(db).await;
    let (admin, sam) = (f.admin.id.to_string(), f.sam.id.to_string());
    let editor = editor(&f, &f.acme).await;
    let mut workflows: BTreeMap<&str, WorkflowId> = BTreeMap::new();
    for (event, filters) in filters() {
        let module = event.module().unwrap();
        let body = json!({
            "name": format!("On {}", event.as_str()), "isActive": true,
            "triggerModule": module.as_str(), "triggerType": event.as_str(), "triggerFilters": filters,
            "actions": [{"actionType": "send_notification", "sortOrder": 1,
                         "config": {"recipients": [sam], "title": format!("{} {{{{trigger.id}}}}", event.as_str())}}]
        });
        let workflow = f.service.create_workflow(&editor, &body).await.unwrap();
        workflows.insert(event.as_str(), workflow.id);
    }
    let mut seed: Vec<&str> = EventType::ALL.iter().filter(|t| t.module().is_some()).map(|t| t.as_str()).collect();
    seed.sort_unstable();
    assert_eq!(seed.len(), 27);
    assert_eq!(workflows.keys().copied().collect::<Vec<_>>(), seed, "one workflow per seed event");

    // The record each event is about, as the writes below make them.
    let mut expected: BTreeMap<&str, String> = BTreeMap::new();
    let pages = Pages { f: &f };
    let pipeline = f.pipeline(&f.acme, "Sales Pipeline").await;

    // Leads: a website lead is worked on and converted; a lead from a fair is only created.
    let lead = pages.create(Module::Leads, json!({"firstName": "Lee", "lastName": "Park", "source": "website"})).await;
    pages.create(Module::Leads, json!({"firstName": "Fay", "source": "fair"})).await;
    pages.update(Module::Leads, &lead, json!({"phone": "555-0100"})).await;
    pages.update(Module::Leads, &lead, json!({"stage": "contacted"})).await;
    pages.update(Module::Leads, &lead, json!({"score": 30})).await;
    pages.update(Module::Leads, &lead, json!({"score": 80})).await;
    pages.update(Module::Leads, &lead, json!({"ownerId": sam})).await;
    let contact = f.service.convert_lead(&f.admin, &f.acme, &lead).await.unwrap();
    for event in ["lead_created", "lead_updated", "lead_stage_changed", "lead_score_changed", "lead_assigned"] {
        expected.insert(event, lead.clone());
    }
    expected.insert("lead_converted", lead.clone());

    // Contacts: the converted lead's (from the website, owned by Sam).
    expected.insert("contact_created", contact.clone());
    pages.update(Module::Contacts, &contact, json!({"tags": ["vip"]})).await;
    pages.update(Module::Contacts, &contact, json!({"ownerId": admin})).await;
    expected.insert("contact_updated", contact.clone());
    expected.insert("contact_assigned", contact.clone());

    // Accounts.
    let account = pages.create(Module::Accounts, json!({"name": "Park Holdings"})).await;
    pages.update(Module::Accounts, &account, json!({"industry": "Retail"})).await;
    pages.update(Module::Accounts, &account, json!({"ownerId": sam})).await;
    for event in ["account_created", "account_updated", "account_assigned"] {
        expected.insert(event, account.clone());
    }

    // Opportunities: a big deal moved, assigned and won; a small one lost.
    let deal_of = |name: &str, value: i64| {
        json!({"name": name, "contactId": contact, "pipelineId": pipeline.id, "stageId": pipeline.stages[0].id,
               "monetaryValue": value})
    };
    let deal = pages.create(Module::Opportunities, deal_of("Park roof", 1200)).await;
    pages.update(Module::Opportunities, &deal, json!({"monetaryValue": 1500})).await;
    pages.update(Module::Opportunities, &deal, json!({"stageId": pipeline.stages[1].id})).await;
    pages.update(Module::Opportunities, &deal, json!({"ownerId": sam})).await;
    pages.update(Module::Opportunities, &deal, json!({"status": "won"})).await;
    let small = pages.create(Module::Opportunities, deal_of("Park gutter", 300)).await;
    pages.update(Module::Opportunities, &small, json!({"status": "lost"})).await;
    for event in [
        "opportunity_created",
        "opportunity_updated",
        "opportunity_stage_changed",
        "opportunity_assigned",
        "opportunity_won",
    ] {
        expected.insert(event, deal.clone());
    }
    expected.insert("opportunity_lost", small.clone());

    // Projects: made from the won deal, staffed, started and finished.
    let project = pages.create(Module::Projects, json!({"name": "Park fit-out", "opportunityId": deal})).await;
    pages.update(Module::Projects, &project, json!({"members": [sam]})).await;
    pages.update(Module::Projects, &project, json!({"status": "active"})).await;
    pages.update(Module::Projects, &project, json!({"status": "completed"})).await;
    for event in ["project_created", "project_updated", "project_status_changed", "project_completed"] {
        expected.insert(event, project.clone());
    }

    // Tasks: a call, due on 15 January 2020, and one of the project's, due that day too. The
    // scheduler's sweep at noon the next day (the demo's own tasks are due after today) finds
    // both overdue: `task_overdue` for each, `project_task_overdue` for the project's.
    let call =
        pages.create(Module::Tasks, json!({"title": "Call Lee", "dueDate": "2020-01-15", "contactId": contact})).await;
    pages.update(Module::Tasks, &call, json!({"assignedTo": sam})).await;
    let chore = json!({"title": "Order tiles", "dueDate": "2020-01-15", "projectId": project});
    pages.create(Module::Tasks, chore).await;
    let noon_next_day = chrono::DateTime::parse_from_rfc3339("2020-01-16T12:00:00Z").unwrap().timestamp_millis();
    assert_eq!(f.service.builtin().fire_overdue(noon_next_day).await.unwrap(), 2, "the two tasks fell due");
    pages.update(Module::Tasks, &call, json!({"completed": true})).await;
    for event in ["task_created", "task_updated", "task_overdue", "task_completed"] {
        expected.insert(event, call.clone());
    }
    expected.insert("project_task_overdue", project.clone());
    assert_eq!(expected.len(), 27, "each event is caused");

    // Each workflow started one run, for its event's record, in the write's transaction.
    let tenant = f.tenant(&f.acme);
    let mut runs = BTreeMap::new();
    for (event, workflow) in &workflows {
        let page = f.service.workflow_runs(&tenant, workflow, 1, 100).await.unwrap();
        let started: Vec<(&str, &str)> =
            page.data.iter().map(|run| (run.trigger_type.as_str(), run.record_id.as_str())).collect();
        assert_eq!(started, [(*event, expected[event].as_str())], "{event}");
        runs.insert(*event, page.data[0].id.clone());
    }
    let all: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM workflow_runs WHERE sub_account_id = $1")
        .bind(f.acme.as_str())
        .fetch_one(f.store().pool())
        .await
        .unwrap();
    assert_eq!(all, 27, "no other run started");

    // Each run's one step told Sam about the record, once.
    assert_eq!(engine(f.store(), false).run_until_idle().await.unwrap(), 27);
    for (event, run) in &runs {
        let run = f.service.workflow_run(&tenant, run).await.unwrap();
        assert_eq!(run.status, RunStatus::Completed, "{event}: {run:?}");
        let steps = run.steps.unwrap();
        assert_eq!(steps.len(), 1, "{event}");
        assert_eq!(steps[0].status, StepStatus::Completed, "{event}");
        assert_eq!(steps[0].output, Some(json!({"notified": [sam], "notMembers": []})), "{event}");
    }
    let sam_at_acme = f.store().member(&f.sam.id, &f.acme).await.unwrap().unwrap();
    let (notes, unread) = f.store().notifications(&sam_at_acme, 100).await.unwrap();
    let mut titles: Vec<String> = notes.into_iter().map(|note| note.title).collect();
    titles.sort();
    let mut told: Vec<String> = expected.iter().map(|(event, id)| format!("{event} {id}")).collect();
    told.sort();
    assert_eq!((titles, unread), (told, 27));
}

on_both_backends!(a_workflow_on_each_of_the_27_events_runs_once_for_its_record);
