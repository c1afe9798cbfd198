//! Records of the six modules: which values a field takes, and which events a write fires.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use serde_json::{Map, Value, json};

use crate::model::record::{check_edit, new_record};
use crate::model::record_event::{Cause, Chain, RecordEvent, RunTrace, fired};
use crate::model::{EventType, Module, RecordProblem};

fn record(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(fields) => fields,
        other => panic!("not a record: {other}"),
    }
}

fn types(before: Option<Value>, after: Value, module: Module) -> Vec<&'static str> {
    let before = before.map(record);
    fired(module, before.as_ref(), &record(after)).into_iter().map(|f| f.event_type.as_str()).collect()
}

#[test]
fn every_module_names_its_fields_once_in_camel_case() {
    for module in Module::ALL {
        let names: Vec<&str> = module.fields().iter().map(|f| f.name).collect();
        for (at, name) in names.iter().enumerate() {
            assert!(!names[..at].contains(name), "{name} twice in {module:?}");
            assert!(name.chars().all(|c| c.is_ascii_alphanumeric()) && name.starts_with(|c: char| c.is_lowercase()));
        }
        assert!(module.fields().iter().any(|f| f.required), "{module:?} needs something to name a record by");
    }
}

#[test]
fn a_new_record_gets_defaults_and_every_problem_is_listed() {
    let lead = new_record(Module::Leads, &record(json!({"firstName": "Ana"}))).expect("a name is enough");
    assert_eq!(lead["stage"], "new");
    assert_eq!(lead["score"], 0);
    assert_eq!(lead["converted"], false);
    assert_eq!(lead["ownerId"], Value::Null);

    let problems = new_record(
        Module::Leads,
        &record(json!({"score": 101, "email": "ana@", "stage": "won", "converted": true, "colour": "red"})),
    )
    .expect_err("five problems");
    let said: Vec<String> = problems.iter().map(ToString::to_string).collect();
    for expected in [
        "leads have no field “colour”",
        "“Converted” is set by the CRM, not edited",
        "“Email” takes an email address like ana@example.com, at most 254 characters",
        "“Score” takes a whole number from 0 to 100",
        "“Stage” takes one of new, contacted, qualified, unqualified",
        "“First name” is required",
    ] {
        assert!(said.iter().any(|s| s == expected), "{expected} not in {said:?}");
    }
    assert_eq!(problems.len(), 6);
}

#[test]
fn values_are_checked_by_kind() {
    let ok = |module: Module, values: Value| check_edit(module, &record(values)).is_empty();
    assert!(ok(Module::Tasks, json!({"dueDate": "2026-12-01"})));
    assert!(ok(Module::Tasks, json!({"dueDate": "2026-12-01T09:00:00Z"})));
    assert!(!ok(Module::Tasks, json!({"dueDate": "2026-12-01T25:00:00Z"})));
    assert!(!ok(Module::Tasks, json!({"dueDate": "2026-02-30"})));
    assert!(!ok(Module::Tasks, json!({"dueDate": null})), "a task is due some time");
    assert!(ok(Module::Contacts, json!({"tags": ["vip", "hot"], "ownerId": null, "accountId": "a1"})));
    assert!(!ok(Module::Contacts, json!({"tags": ["vip", "vip"]})), "a tag once");
    assert!(!ok(Module::Contacts, json!({"tags": [""]})));
    assert!(!ok(Module::Opportunities, json!({"monetaryValue": "12"})), "an amount is a number, not text");
    assert!(ok(Module::Opportunities, json!({"monetaryValue": 12.5, "status": "won"})));
    assert!(ok(Module::Opportunities, json!({"monetaryValue": 4500.99})));
    assert!(!ok(Module::Opportunities, json!({"monetaryValue": 12.345})), "cents, not fractions of them");
    assert!(!ok(Module::Opportunities, json!({"monetaryValue": 1e300})));
    assert!(!ok(Module::Leads, json!({"email": "a@b.c@d.e"})));
    assert!(!ok(Module::Leads, json!({"score": 1.5})));
    assert_eq!(
        check_edit(Module::Accounts, &record(json!({"name": "  "}))),
        [RecordProblem::Missing { label: "Name" }]
    );
}

/// Texts have limits (issue 29), in characters, not bytes; the problem says the limit.
#[test]
fn texts_have_limits() {
    let ok = |module: Module, values: Value| check_edit(module, &record(values)).is_empty();
    let long = |n: usize| "ü".repeat(n);
    assert!(ok(Module::Leads, json!({"firstName": long(200)})), "200 characters, 400 bytes");
    assert!(!ok(Module::Leads, json!({"firstName": long(201)})));
    assert!(ok(Module::Tasks, json!({"body": long(5_000)})));
    assert!(!ok(Module::Tasks, json!({"body": long(5_001)})));
    assert!(!ok(Module::Contacts, json!({"phone": "1".repeat(33)})));
    assert!(ok(Module::Accounts, json!({"website": format!("https://example.com/{}", "a".repeat(2_000))})));
    assert!(!ok(Module::Accounts, json!({"website": "a".repeat(2_049)})));
    assert!(!ok(Module::Leads, json!({"email": format!("{}@example.com", "a".repeat(243))})), "255 bytes");
    assert_eq!(
        check_edit(Module::Projects, &record(json!({"name": "x".repeat(10_000)})))
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["“Name” takes text of at most 200 characters"]
    );
}

/// Which of the 27 events each kind of write fires (the built-in CRM's table-driven tests
/// check the same through the database).
#[test]
fn a_write_fires_its_modules_events() {
    let lead = json!({"firstName": "Ana", "stage": "new", "score": 0, "ownerId": null, "converted": false});
    assert_eq!(types(None, lead.clone(), Module::Leads), ["lead_created"]);
    assert!(types(Some(lead.clone()), lead.clone(), Module::Leads).is_empty(), "nothing changed, nothing fires");
    let mut moved = lead.clone();
    moved["stage"] = json!("qualified");
    moved["score"] = json!(40);
    assert_eq!(
        types(Some(lead.clone()), moved, Module::Leads),
        ["lead_updated", "lead_stage_changed", "lead_score_changed"]
    );
    let mut converted = lead.clone();
    converted["converted"] = json!(true);
    converted["ownerId"] = json!("u1");
    assert_eq!(types(Some(lead), converted, Module::Leads), ["lead_updated", "lead_converted", "lead_assigned"]);

    let deal = json!({"name": "Roof", "stageId": "s1", "status": "open", "ownerId": null});
    let with = |field: &str, value: Value| {
        let mut changed = deal.clone();
        changed[field] = value;
        types(Some(deal.clone()), changed, Module::Opportunities)
    };
    assert_eq!(with("stageId", json!("s2")), ["opportunity_updated", "opportunity_stage_changed"]);
    assert_eq!(with("status", json!("won")), ["opportunity_updated", "opportunity_won"]);
    assert_eq!(with("status", json!("lost")), ["opportunity_updated", "opportunity_lost"]);
    assert_eq!(with("status", json!("abandoned")), ["opportunity_updated"]);
    assert_eq!(with("ownerId", json!("u2")), ["opportunity_updated", "opportunity_assigned"]);

    let task = json!({"title": "Call", "completed": false});
    assert_eq!(
        types(Some(task.clone()), json!({"title": "Call", "completed": true}), Module::Tasks),
        ["task_updated", "task_completed"]
    );
    assert_eq!(
        types(Some(json!({"title": "Call", "completed": true})), task, Module::Tasks),
        ["task_updated"],
        "reopening a task is no completion"
    );
    let project = json!({"name": "Fit-out", "status": "active"});
    assert_eq!(
        types(Some(project.clone()), json!({"name": "Fit-out", "status": "completed"}), Module::Projects),
        ["project_updated", "project_status_changed", "project_completed"]
    );
    for (module, owner_event) in [(Module::Contacts, "contact_assigned"), (Module::Accounts, "account_assigned")] {
        assert_eq!(types(Some(json!({"ownerId": "u1"})), json!({"ownerId": "u2"}), module)[1], owner_event);
    }
}

#[test]
fn an_event_carries_the_previous_values_of_what_changed() {
    let before = record(json!({"id": "l1", "stage": "new", "score": 5, "firstName": "Ana"}));
    let after = record(json!({"id": "l1", "stage": "qualified", "score": 5, "firstName": "Ana"}));
    let events = fired(Module::Leads, Some(&before), &after);
    assert!(events.iter().all(|e| e.previous == record(json!({"stage": "new"}))));

    let event = RecordEvent {
        id: "e1".into(),
        sub_account_id: "sa".into(),
        module: Module::Leads,
        event_type: EventType::LeadStageChanged,
        record_id: "l1".to_owned(),
        occurred_at: 1,
        record: after,
        previous: events[0].previous.clone(),
        cause: Cause::Workflow(RunTrace { run_id: "r1".to_owned(), depth: 2, chain: "e0".to_owned() }),
    };
    let changes: Vec<_> =
        event.changes().iter().map(|c| (c.field.clone(), c.before.clone(), c.after.clone())).collect();
    assert_eq!(changes, [("stage".to_owned(), json!("new"), json!("qualified"))]);
    let wire = serde_json::to_value(&event).expect("serialises");
    assert_eq!(wire["type"], "lead_stage_changed");
    assert_eq!(wire["subAccountId"], "sa");
    assert_eq!(wire["cause"], json!({"kind": "workflow", "runId": "r1", "depth": 2, "chain": "e0"}));
    assert_eq!(serde_json::from_value::<RecordEvent>(wire).expect("reads back"), event);
}

/// An event's chain of causes: its own when nothing a workflow did led to it; the run's when a
/// step caused it, or when the task that fell due was last written by a step; a run stored
/// before chains were kept is its own chain.
#[test]
fn an_event_continues_the_chain_of_the_run_that_led_to_it() {
    let trace = RunTrace { run_id: "r2".to_owned(), depth: 2, chain: "e0".to_owned() };
    let chain = |cause: Cause| cause.chain("e9");
    assert_eq!(chain(Cause::Api { key_id: None }), Chain { id: "e9".to_owned(), depth: 0 });
    assert_eq!(chain(Cause::Schedule { after: None }), Chain { id: "e9".to_owned(), depth: 0 });
    assert_eq!(chain(Cause::Workflow(trace.clone())), Chain { id: "e0".to_owned(), depth: 2 });
    assert_eq!(chain(Cause::Schedule { after: Some(trace) }), Chain { id: "e0".to_owned(), depth: 2 });
    let old: Cause = serde_json::from_value(json!({"kind": "workflow", "runId": "r1", "depth": 1})).expect("reads");
    assert_eq!(old.chain("e9"), Chain { id: "r1".to_owned(), depth: 1 });
    assert_eq!(serde_json::to_value(Cause::Schedule { after: None }).expect("writes"), json!({"kind": "schedule"}));
    // API calls stored before their key was recorded read as keyless, and write the same way.
    let keyless: Cause = serde_json::from_value(json!({"kind": "api"})).expect("reads");
    assert_eq!(keyless, Cause::Api { key_id: None });
    assert_eq!(serde_json::to_value(&keyless).expect("writes"), json!({"kind": "api"}));
    let keyed = Cause::Api { key_id: Some("k1".to_owned()) };
    assert_eq!(serde_json::to_value(&keyed).expect("writes"), json!({"kind": "api", "keyId": "k1"}));
}

/// What the events API accepts from another CRM: module events whose record and previous
/// values fit the module and show the change they claim.
#[test]
fn a_reported_event_fits_its_module_and_shows_its_change() {
    use crate::model::record_event::check_reported;
    let ok = |t: EventType, r: Value, p: Value| check_reported(t, "o1", &record(r), &record(p));
    assert_eq!(
        ok(EventType::OpportunityWon, json!({"status": "won", "name": "Roof"}), json!({"status": "open"})),
        Ok(Module::Opportunities)
    );
    assert_eq!(
        ok(EventType::LeadCreated, json!({"id": "o1", "score": 5, "customFields": {"x": 1}}), json!({})),
        Ok(Module::Leads)
    );
    assert_eq!(
        ok(EventType::OpportunityWon, json!({"status": "lost"}), json!({"status": "open"})),
        Err(vec!["previous: the record and its previous values do not show a `opportunity_won`".to_owned()])
    );
    assert_eq!(
        ok(EventType::LeadUpdated, json!({"score": 500, "colour": "red", "id": "o2"}), json!({})),
        Err(vec![
            "record.colour: leads have no such field".to_owned(),
            "record.id: is not the event's record_id".to_owned(),
            "record.score: “Score” takes a whole number from 0 to 100".to_owned(),
            "previous: `lead_updated` is a change: name the fields it changed with their values before it".to_owned(),
        ])
    );
    assert_eq!(
        ok(EventType::TaskOverdue, json!({"title": "Call"}), json!({"completed": false})),
        Err(vec!["previous: `task_overdue` changes nothing, so it has no previous values".to_owned()])
    );
    assert!(ok(EventType::StageChanged, json!({}), json!({})).is_err(), "form-trigger events have their own shape");
    assert_eq!(
        ok(EventType::FormSubmitted, json!({}), json!({})),
        Err(vec!["`form_submitted` is OpsFlow's own: it fires when a form is submitted in the inbox".to_owned()])
    );
}
