//! The event vocabulary: seed 001's 27 event types in their six modules, spelled exactly, plus
//! the two that form triggers listen for.

use crate::model::{EventType, Module};

/// The seed's table, verbatim (workflows-spec §1.4).
const SEED: [(&str, &[&str]); 6] = [
    (
        "leads",
        &[
            "lead_created",
            "lead_updated",
            "lead_stage_changed",
            "lead_score_changed",
            "lead_converted",
            "lead_assigned",
        ],
    ),
    ("contacts", &["contact_created", "contact_updated", "contact_assigned"]),
    ("accounts", &["account_created", "account_updated", "account_assigned"]),
    (
        "opportunities",
        &[
            "opportunity_created",
            "opportunity_updated",
            "opportunity_stage_changed",
            "opportunity_won",
            "opportunity_lost",
            "opportunity_assigned",
        ],
    ),
    ("tasks", &["task_created", "task_updated", "task_overdue", "task_completed"]),
    (
        "projects",
        &["project_created", "project_updated", "project_status_changed", "project_task_overdue", "project_completed"],
    ),
];

#[test]
fn the_seeds_27_events_are_spelled_exactly_in_their_modules() {
    let mut count = 0;
    for (module_name, events) in SEED {
        let module: Module = module_name.parse().expect("a seed module");
        assert_eq!(module.as_str(), module_name);
        let ours: Vec<&str> = EventType::of_module(module).map(EventType::as_str).collect();
        assert_eq!(ours, events, "{module_name}");
        count += events.len();
    }
    assert_eq!(count, 27);
    assert_eq!(Module::ALL.map(Module::label), ["Leads", "Contacts", "Accounts", "Opportunities", "Tasks", "Projects"]);
    // The two form events belong to no module and are the first two names.
    assert_eq!(EventType::FORM_TRIGGERS.map(EventType::module), [None, None]);
    assert_eq!(&EventType::NAMES[..2], &["stage_changed", "call_completed"]);
    assert_eq!(EventType::ALL.len(), 30);
}

#[test]
fn every_name_reads_back_on_the_wire_and_unknown_ones_are_refused() {
    for event_type in EventType::ALL {
        assert_eq!(event_type.as_str().parse::<EventType>(), Ok(event_type));
        let wire = serde_json::to_value(event_type).expect("serialises");
        assert_eq!(serde_json::from_value::<EventType>(wire).ok(), Some(event_type));
        assert!(!event_type.label().is_empty());
    }
    for module in Module::ALL {
        let wire = serde_json::to_value(module).expect("serialises");
        assert_eq!(serde_json::from_value::<Module>(wire).ok(), Some(module));
    }
    assert_eq!(
        "Leads".parse::<Module>().map_err(|e| e.to_string()),
        Err("“Leads” is not a module; expected one of leads, contacts, accounts, opportunities, tasks, projects"
            .to_owned())
    );
    assert!("lead_deleted".parse::<EventType>().is_err());
}

/// Change operators need the record's previous values: events about a new record, and the
/// time-based ones, have none.
#[test]
fn only_changes_carry_previous_values() {
    let without: Vec<&str> = EventType::ALL.into_iter().filter(|t| !t.has_previous()).map(EventType::as_str).collect();
    assert_eq!(
        without,
        [
            "call_completed",
            "lead_created",
            "contact_created",
            "account_created",
            "opportunity_created",
            "task_created",
            "task_overdue",
            "project_created",
            "project_task_overdue",
            "form_submitted"
        ]
    );
}

fn record(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    match value {
        serde_json::Value::Object(fields) => fields,
        other => panic!("not a record: {other}"),
    }
}

/// An event carries the previous values of exactly the fields that changed; a write that
/// changed nothing has no changes (and fires no event).
#[test]
fn changes_are_the_fields_whose_values_differ() {
    use crate::model::change::Changes;
    use serde_json::json;
    let before = record(json!({"name": "Acme", "stage": "new", "score": 10, "tags": ["vip"], "owner": null}));
    let same = record(json!({"name": "Acme", "stage": "new", "score": 10.0, "tags": ["vip"]}));
    assert!(
        Changes::between(&before, &same).is_empty(),
        "10 and 10.0 are one number; a null and a missing field are one"
    );

    let after =
        record(json!({"name": "Acme", "stage": "qualified", "score": 10, "tags": ["vip", "hot"], "owner": "u1"}));
    let changes = Changes::between(&before, &after);
    let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["owner", "stage", "tags"]);
    assert!(changes.touches("stage") && !changes.touches("name"));
    assert_eq!(serde_json::Value::Object(changes.previous()), json!({"owner": null, "stage": "new", "tags": ["vip"]}));

    // A field that appears or goes away changes from or to null.
    let gone = record(json!({"name": "Acme"}));
    let dropped = Changes::between(&before, &gone);
    assert_eq!(dropped.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(), ["score", "stage", "tags"]);
    assert!(dropped.iter().all(|c| c.after.is_null()));
    // Nested values compare field by field.
    let nested = |city: &str| record(json!({"address": {"city": city, "zip": null}}));
    assert!(Changes::between(&nested("Berlin"), &nested("Berlin")).is_empty());
    assert!(Changes::between(&nested("Berlin"), &nested("Bonn")).touches("address"));
}
