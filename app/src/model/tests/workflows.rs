//! Workflows: filters with seed 001's 16 operators on records and their previous values, the
//! `{{trigger.…}}` variables, and the check of a whole workflow with each problem's path.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use serde_json::{Map, Value, json};

use crate::model::crm::{CrmField, CrmFieldType, Pipeline, Stage};
use crate::model::id::{ActionId, TemplateId, UserId};
use crate::model::workflow::interpolate::{Escape, render, variables};
use crate::model::workflow::{
    self, ActionConfig, ActionType, Assignment, Catalog, Problem, TriggerFields, TriggerFilters,
};
use crate::model::{EventType, Module, Operator, TriggerModule};

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(fields) => fields,
        other => panic!("not an object: {other}"),
    }
}

fn custom_fields() -> Vec<CrmField> {
    vec![CrmField {
        id: "cf1".into(),
        name: "Budget".into(),
        key: "budget".into(),
        data_type: CrmFieldType::Numerical,
        options: vec![],
    }]
}

fn filters(value: Value) -> TriggerFilters {
    serde_json::from_value(value).expect("filters decode")
}

/// Whether one condition holds for an event of `trigger` with `record` and `previous`.
fn holds(trigger: EventType, condition: Value, record: Value, previous: Value) -> bool {
    let custom = custom_fields();
    let module = trigger.module().expect("a module event");
    let fields = TriggerFields::new(module, &custom, &[]);
    let compiled = filters(json!({"logic": "AND", "conditions": [condition]}))
        .compile(&fields, trigger, "triggerFilters")
        .unwrap_or_else(|problems| panic!("{condition:?}: {problems:?}"));
    compiled.matches(&object(record), &object(previous))
}

#[test]
fn every_operator_on_record_fields_table() {
    let lead = json!({"id": "l1", "firstName": "Ana", "source": "Website", "stage": "qualified", "score": 40,
                      "ownerId": "u2", "email": "", "converted": false, "customFields": {"budget": 1200}});
    let changed = json!({"stage": "contacted", "score": 15, "ownerId": null, "customFields": {"budget": 900}});
    let update = EventType::LeadUpdated;
    // (condition, holds)
    let table: Vec<(Value, bool)> = vec![
        (json!({"field": "source", "operator": "equals", "value": "website"}), true),
        (json!({"field": "source", "operator": "equals", "value": "web"}), false),
        (json!({"field": "source", "operator": "not_equals", "value": "web"}), true),
        (json!({"field": "source", "operator": "contains", "value": "SITE"}), true),
        (json!({"field": "source", "operator": "not_contains", "value": "site"}), false),
        (json!({"field": "source", "operator": "starts_with", "value": "web"}), true),
        (json!({"field": "email", "operator": "is_empty"}), true),
        (json!({"field": "email", "operator": "is_not_empty"}), false),
        (json!({"field": "score", "operator": "greater_than", "value": 39}), true),
        (json!({"field": "score", "operator": "greater_than", "value": 40}), false),
        (json!({"field": "score", "operator": "less_than", "value": "40.5"}), true),
        (json!({"field": "score", "operator": "greater_or_equal", "value": 40}), true),
        (json!({"field": "score", "operator": "less_or_equal", "value": 39}), false),
        (json!({"field": "stage", "operator": "in", "value": ["new", "qualified"]}), true),
        (json!({"field": "stage", "operator": "not_in", "value": ["new", "qualified"]}), false),
        (json!({"field": "stage", "operator": "changed_to", "value": "qualified"}), true),
        (json!({"field": "stage", "operator": "changed_to", "value": "new"}), false),
        (json!({"field": "stage", "operator": "changed_from", "value": "contacted"}), true),
        (json!({"field": "stage", "operator": "changed_from", "value": "new"}), false),
        (json!({"field": "stage", "operator": "any_change"}), true),
        (json!({"field": "source", "operator": "any_change"}), false),
        // A field that was already the value and did not change is no change to it.
        (json!({"field": "source", "operator": "changed_to", "value": "website"}), false),
        (json!({"field": "owner_id", "operator": "changed_from", "value": "u1"}), false),
        (json!({"field": "owner_id", "operator": "any_change"}), true),
        (json!({"field": "owner_id", "operator": "equals", "value": "u2"}), true),
        (json!({"field": "converted", "operator": "equals", "value": "no"}), true),
        (json!({"field": "customFields.budget", "operator": "greater_than", "value": 1000}), true),
        (json!({"field": "custom_fields.budget", "operator": "changed_from", "value": 900}), true),
        (json!({"field": "customFields.budget", "operator": "any_change"}), true),
    ];
    for (condition, expected) in table {
        assert_eq!(holds(update, condition.clone(), lead.clone(), changed.clone()), expected, "{condition}");
    }
}

#[test]
fn lists_dates_and_money_compare_by_kind() {
    let contact = json!({"id": "c1", "firstName": "Bo", "tags": ["vip", "Hot"]});
    let on_contact =
        |condition: Value| holds(EventType::ContactUpdated, condition, contact.clone(), json!({"tags": ["vip"]}));
    assert!(on_contact(json!({"field": "tags", "operator": "contains", "value": "hot"})));
    assert!(!on_contact(json!({"field": "tags", "operator": "not_contains", "value": "vip"})));
    assert!(on_contact(json!({"field": "tags", "operator": "in", "value": ["cold", "vip"]})));
    assert!(on_contact(json!({"field": "tags", "operator": "any_change"})));
    assert!(on_contact(json!({"field": "tags", "operator": "changed_from", "value": ["vip"]})));

    let task = json!({"id": "t1", "title": "Call", "dueDate": "2026-12-01T09:00:00Z", "completed": true});
    let on_task =
        |condition: Value| holds(EventType::TaskUpdated, condition, task.clone(), json!({"completed": false}));
    assert!(on_task(json!({"field": "due_date", "operator": "greater_than", "value": "2026-11-30"})));
    assert!(on_task(json!({"field": "dueDate", "operator": "equals", "value": "2026-12-01"})));
    assert!(on_task(json!({"field": "completed", "operator": "changed_to", "value": "yes"})));

    let deal = json!({"id": "o1", "name": "Roof", "monetaryValue": 1250.5, "status": "won"});
    let on_deal =
        |condition: Value| holds(EventType::OpportunityWon, condition, deal.clone(), json!({"status": "open"}));
    assert!(on_deal(json!({"field": "monetary_value", "operator": "greater_or_equal", "value": 1250.5})));
    assert!(on_deal(json!({"field": "status", "operator": "changed_from", "value": "open"})));
}

#[test]
fn groups_nest_with_and_and_or() {
    let lead = json!({"id": "l1", "firstName": "Ana", "source": "ads", "score": 80});
    let custom = custom_fields();
    let fields = TriggerFields::new(Module::Leads, &custom, &[]);
    let nested = filters(json!({"logic": "AND", "conditions": [
        {"field": "score", "operator": "greater_than", "value": 50},
        {"logic": "OR", "conditions": [
            {"field": "source", "operator": "equals", "value": "website"},
            {"field": "source", "operator": "equals", "value": "ads"}
        ]}
    ]}));
    let compiled = nested.compile(&fields, EventType::LeadCreated, "triggerFilters").expect("sound");
    assert!(compiled.matches(&object(lead.clone()), &Map::new()));
    let mut cold = object(lead);
    cold.insert("source".into(), json!("fair"));
    assert!(!compiled.matches(&cold, &Map::new()));
    // No conditions: every event matches.
    let none = filters(json!({"logic": "AND", "conditions": []}))
        .compile(&fields, EventType::LeadCreated, "f")
        .expect("sound");
    assert!(none.matches(&cold, &Map::new()));
    // Written back in the seed's spelling.
    assert_eq!(serde_json::to_value(&nested).expect("encodes")["conditions"][1]["conditions"][0]["field"], "source");
}

#[test]
fn projects_have_no_owner_to_tell_or_assign() {
    let sound = json!({"recipients": ["uuid1"], "title": "{{trigger.name}} started"});
    assert!(one_action("project_created", "projects", "send_notification", sound).is_ok());
    let to_owner = json!({"recipients": ["owner"], "title": "Started"});
    let problems = one_action("project_created", "projects", "send_notification", to_owner).expect_err("refused");
    assert_eq!(
        problems[0].to_string(),
        "actions[0].config.recipients[0]: Projects have no owner: choose the people instead."
    );
    let task = json!({"title": "Kick-off", "assignedTo": "owner"});
    assert!(one_action("project_created", "projects", "create_task", task).is_err());
}

#[test]
fn a_records_name_tag_names_only_fields_it_has() {
    for module in TriggerModule::ALL {
        let fields = TriggerFields::new(module, &[], &[]);
        let named = variables(module.name_tag(), &fields);
        assert!(named.is_ok_and(|named| !named.is_empty()), "{module:?}");
    }
}

#[test]
fn filters_moved_to_other_records_keep_what_still_applies() {
    let custom = custom_fields();
    let (leads, contacts) =
        (TriggerFields::new(Module::Leads, &custom, &[]), TriggerFields::new(Module::Contacts, &custom, &[]));
    let mut moved = filters(json!({"logic": "AND", "conditions": [
        {"field": "source", "operator": "equals", "value": "website"},
        {"field": "score", "operator": "greater_than", "value": 50},
        {"logic": "OR", "conditions": [
            {"field": "stage", "operator": "equals", "value": "new"},
            {"field": "email", "operator": "is_empty"}
        ]},
        {"logic": "AND", "conditions": [{"field": "score", "operator": "less_than", "value": 10}]}
    ]}));
    assert_eq!(moved.keep_for(&leads, &contacts), ["Score", "Stage", "Score"], "named as the leads' form named them");
    let kept = filters(json!({"logic": "AND", "conditions": [
        {"field": "source", "operator": "equals", "value": "website"},
        {"logic": "OR", "conditions": [{"field": "email", "operator": "is_empty"}]}
    ]}));
    assert_eq!(moved, kept);
    assert!(moved.compile(&contacts, EventType::ContactCreated, "triggerFilters").is_ok(), "sound on contacts");
    // Back to leads: nothing more goes.
    assert!(moved.keep_for(&contacts, &leads).is_empty());
}

fn problems_of(trigger: EventType, condition: Value) -> Vec<Problem> {
    let custom = custom_fields();
    let fields = TriggerFields::new(trigger.module().expect("module"), &custom, &[]);
    filters(json!({"logic": "AND", "conditions": [condition]}))
        .compile(&fields, trigger, "triggerFilters")
        .err()
        .unwrap_or_default()
}

#[test]
fn filter_problems_say_where_and_what() {
    let at =
        |problems: Vec<Problem>| problems.into_iter().map(|p| format!("{}: {}", p.path, p.message)).collect::<Vec<_>>();
    assert_eq!(
        at(problems_of(EventType::LeadCreated, json!({"field": "stage", "operator": "changed_to", "value": "new"}))),
        ["triggerFilters.conditions[0].operator: `lead_created` has no previous values, so `changed_to` cannot hold."]
    );
    assert_eq!(
        at(problems_of(EventType::TaskOverdue, json!({"field": "title", "operator": "any_change"}))),
        ["triggerFilters.conditions[0].operator: `task_overdue` has no previous values, so `any_change` cannot hold."]
    );
    assert_eq!(
        at(problems_of(EventType::LeadUpdated, json!({"field": "shoe_size", "operator": "equals", "value": "9"}))),
        ["triggerFilters.conditions[0].field: Leads have no field “shoe_size”."]
    );
    assert_eq!(
        at(problems_of(EventType::LeadUpdated, json!({"field": "score", "operator": "contains", "value": "9"}))),
        ["triggerFilters.conditions[0].operator: “Score” cannot be compared with `contains`."]
    );
    assert_eq!(
        at(problems_of(EventType::LeadUpdated, json!({"field": "score", "operator": "greater_than", "value": "lots"}))),
        ["triggerFilters.conditions[0].value: The condition on “Score” compares with “lots”, which is not a number."]
    );
    assert_eq!(
        at(problems_of(EventType::LeadUpdated, json!({"field": "stage", "operator": "equals", "value": "won"}))),
        [
            "triggerFilters.conditions[0].value: The condition on “Stage” compares with “won”, which is not one of its options."
        ]
    );
    // Custom fields exist on contacts and leads only.
    assert_eq!(
        problems_of(EventType::ContactUpdated, json!({"field": "customFields.budget", "operator": "is_empty"})),
        vec![]
    );
    assert_eq!(
        at(problems_of(EventType::AccountUpdated, json!({"field": "customFields.budget", "operator": "is_empty"}))),
        ["triggerFilters.conditions[0].field: Accounts have no field “customFields.budget”."]
    );
    let nested = filters(json!({"conditions": [{"logic": "OR", "conditions": []}]}));
    let custom = custom_fields();
    let problems = nested
        .compile(&TriggerFields::new(Module::Leads, &custom, &[]), EventType::LeadUpdated, "triggerFilters")
        .err();
    assert_eq!(
        at(problems.unwrap_or_default()),
        ["triggerFilters.conditions[0].conditions: A group needs at least one condition."]
    );
}

#[test]
fn the_sixteen_operators_have_seed_spellings() {
    let names: Vec<String> = Operator::ALL.iter().map(|op| workflow::filter::operator_name(*op)).collect();
    assert_eq!(
        names,
        [
            "equals",
            "not_equals",
            "contains",
            "not_contains",
            "starts_with",
            "is_empty",
            "is_not_empty",
            "greater_than",
            "less_than",
            "greater_or_equal",
            "less_or_equal",
            "in",
            "not_in",
            "changed_to",
            "changed_from",
            "any_change"
        ]
    );
    // Forms have no previous answers: no form field kind offers a change operator.
    for kind in crate::model::FieldKind::ALL {
        assert!(Operator::for_kind(kind).all(|op| !op.is_change()), "{kind:?}");
    }
}

#[test]
fn variables_read_both_spellings_and_escape_for_their_destination() {
    let custom = custom_fields();
    let fields = TriggerFields::new(Module::Contacts, &custom, &[]);
    let contact = object(json!({"id": "c1", "firstName": "Ana & \"Bo\"", "lastName": "<b>Ng</b>", "email": "a+b@x.io",
                                "tags": ["vip", "hot"], "customFields": {"budget": 1200.5}}));
    let fill = |text: &str, escape| render(text, &fields, &contact, escape);
    assert_eq!(
        fill("Hi {{trigger.firstName}} / {{ trigger.first_name }}", Escape::Plain),
        "Hi Ana & \"Bo\" / Ana & \"Bo\""
    );
    assert_eq!(fill("{\"name\": \"{{trigger.first_name}}\"}", Escape::Json), "{\"name\": \"Ana & \\\"Bo\\\"\"}");
    assert_eq!(
        fill("https://x.io/?e={{trigger.email}}&n={{trigger.lastName}}", Escape::Url),
        "https://x.io/?e=a%2Bb%40x.io&n=%3Cb%3ENg%3C%2Fb%3E"
    );
    assert_eq!(fill("<p>{{trigger.lastName}}</p>", Escape::Html), "<p>&lt;b&gt;Ng&lt;/b&gt;</p>");
    // A record's `.` or `..` never becomes a path segment of the URL.
    for (dots, spelled) in [(".", "%2E"), ("..", "%2E%2E"), ("...", "..."), ("a.b", "a.b")] {
        let record = object(json!({"id": "c3", "firstName": dots}));
        let url = render("https://x.io/in/{{trigger.firstName}}/ok", &fields, &record, Escape::Url);
        assert_eq!(url, format!("https://x.io/in/{spelled}/ok"));
    }
    assert_eq!(
        fill("{{trigger.tags}} {{trigger.customFields.budget}} {{trigger.phone}}.", Escape::Plain),
        "vip, hot 1200.5 ."
    );
    assert_eq!(fill("{{trigger.id}} {{ unclosed", Escape::Plain), "c1 {{ unclosed");
    let multiline = object(json!({"id": "c2", "firstName": "Ana\r\nX-Admin: yes"}));
    assert_eq!(render("Bearer {{trigger.firstName}}", &fields, &multiline, Escape::Header), "Bearer Ana  X-Admin: yes");
    assert!(variables("{{trigger.first_name}} {{trigger.lastName}}", &fields).is_ok());
    assert_eq!(
        variables("Hi {{trigger.nickname}}", &fields).err().as_deref(),
        Some("“{{trigger.nickname}}” names no field: Contacts have no field “nickname”.")
    );
    assert_eq!(
        variables("{{user.name}}", &fields).err().as_deref(),
        Some("“{{user.name}}” is not a variable: write {{trigger.<field>}}.")
    );
}

fn catalog_parts() -> (Vec<CrmField>, Vec<UserId>, Vec<Pipeline>, Vec<TemplateId>) {
    let pipeline = Pipeline {
        id: "p1".into(),
        name: "Sales".into(),
        stages: vec![Stage { id: "s1".into(), name: "New".into() }, Stage { id: "s2".into(), name: "Won".into() }],
    };
    (custom_fields(), vec![UserId::from("uuid1"), UserId::from("uuid2")], vec![pipeline], vec![TemplateId::from("t1")])
}

fn check(body: Value) -> Result<workflow::WorkflowSpec, Vec<String>> {
    let (custom, users, pipelines, templates) = catalog_parts();
    let catalog = Catalog {
        custom_fields: &custom,
        answer_fields: &[],
        users: &users,
        pipelines: &pipelines,
        templates: &templates,
        private_hosts: false,
        stored: false,
    };
    let mut next = 0;
    let mut new_id = || {
        next += 1;
        ActionId::from(format!("new{next}"))
    };
    workflow::check(&body, &catalog, &mut new_id)
        .map_err(|problems| problems.into_iter().map(|p| format!("{}: {}", p.path, p.message)).collect())
}

fn seed_example() -> Value {
    json!({
        "id": "uuid",
        "name": "Auto-assign new leads",
        "description": "Round-robin assignment for inbound leads",
        "triggerModule": "leads",
        "triggerType": "lead_created",
        "triggerFilters": {"logic": "AND", "conditions": [{"field": "source", "operator": "equals", "value": "website"}]},
        "isActive": true,
        "version": 1,
        "actions": [{"id": "uuid", "actionType": "assign_owner",
                     "config": {"algorithm": "round_robin", "userIds": ["uuid1", "uuid2"]}, "sortOrder": 1}]
    })
}

#[test]
fn the_seed_example_is_a_sound_workflow() {
    let spec = check(seed_example()).expect("the seed's own example");
    assert_eq!(spec.name, "Auto-assign new leads");
    assert_eq!((spec.trigger_module, spec.trigger_type), (Module::Leads.into(), EventType::LeadCreated));
    assert!(spec.is_active);
    assert_eq!(spec.actions[0].id, "uuid");
    let custom = custom_fields();
    let typed = ActionConfig::check(
        ActionType::AssignOwner,
        &spec.actions[0].config,
        EventType::LeadCreated,
        &TriggerFields::new(Module::Leads, &custom, &[]),
        &Catalog { users: &[UserId::from("uuid1"), UserId::from("uuid2")], ..Catalog::default() },
        "config",
        &mut Vec::new(),
    );
    assert_eq!(typed, Some(ActionConfig::AssignOwner(Assignment::RoundRobin(vec!["uuid1".into(), "uuid2".into()]))));
    // The object round-trips in camelCase with every field of the seed.
    let workflow =
        workflow::Workflow::new("w1".into(), spec, 1, "2026-12-01T10:00:00Z".into(), "2026-12-01T10:00:00Z".into());
    let wire = serde_json::to_value(&workflow).expect("encodes");
    for key in [
        "id",
        "name",
        "description",
        "triggerModule",
        "triggerType",
        "triggerFilters",
        "isActive",
        "version",
        "actions",
        "createdAt",
        "updatedAt",
    ] {
        assert!(wire.get(key).is_some(), "{key}");
    }
    assert_eq!(wire["triggerFilters"], seed_example()["triggerFilters"]);
    assert_eq!(wire["actions"], seed_example()["actions"]);
    assert_eq!(serde_json::from_value::<workflow::Workflow>(wire).expect("decodes"), workflow);
}

#[test]
fn every_problem_of_a_workflow_is_listed_with_its_path() {
    let problems = check(json!({
        "name": " ", "triggerModule": "leads", "triggerType": "opportunity_won", "colour": "red",
        "isActive": "yes"
    }))
    .expect_err("broken");
    assert_eq!(
        problems,
        [
            "colour: A workflow has no “colour”; it has id, name, description, triggerModule, triggerType, triggerFilters, isActive, version, actions, createdAt, updatedAt.",
            "name: Required.",
            "isActive: Takes true or false.",
            "triggerType: `opportunity_won` is not an event of leads; they have lead_created, lead_updated, lead_stage_changed, lead_score_changed, lead_converted, lead_assigned.",
        ]
    );
    let problems =
        check(json!({"name": "x", "triggerModule": "deals", "triggerType": "stage_changed"})).expect_err("broken");
    assert_eq!(
        problems,
        [
            "triggerModule: “deals” is not a module; expected one of leads, contacts, accounts, opportunities, tasks, projects, forms.",
            "triggerType: `stage_changed` starts forms, not workflows: pick one of the modules' events.",
        ]
    );
    let mut body = seed_example();
    body["actions"] = json!([
        {"actionType": "assign_owner", "config": {"algorithm": "round_robin", "userIds": ["uuid1", "nobody", "uuid1"]}, "sortOrder": 1},
        {"actionType": "send_fax", "config": {}, "sortOrder": 2},
        {"actionType": "wait", "config": {"amount": 0, "unit": "weeks"}, "sortOrder": 2},
        {"actionType": "create_project", "config": {}, "sortOrder": 4},
    ]);
    assert_eq!(
        check(body).expect_err("broken"),
        [
            "actions[0].config.userIds[2]: “uuid1” is listed twice.",
            "actions[0].config.userIds[1]: “nobody” is not a user of this sub-account.",
            "actions[1].actionType: “send_fax” is not an action type; expected one of assign_owner, create_task, update_field, add_tag, send_notification, send_email, send_whatsapp, send_sms, webhook, wait, branch, create_opportunity, create_project, create_form.",
            "actions[2].config.amount: Takes a whole number from 1 to 100000.",
            "actions[2].config.unit: Takes one of minutes, hours, days.",
            "actions[3].actionType: `create_project` runs on opportunities, not on leads.",
        ]
    );
}

/// A workflow on `trigger` whose one action is `action_type` with `config`.
fn one_action(
    trigger: &str,
    module: &str,
    action_type: &str,
    config: Value,
) -> Result<workflow::WorkflowSpec, Vec<String>> {
    check(json!({"name": "One", "triggerModule": module, "triggerType": trigger,
                 "actions": [{"actionType": action_type, "config": config, "sortOrder": 1}]}))
}

#[test]
fn each_action_type_takes_its_settings_and_refuses_bad_ones() {
    // (module, trigger, action, a sound config, a broken config, the first problem of the broken one)
    let table: Vec<(&str, &str, &str, Value, Value, &str)> = vec![
        (
            "leads",
            "lead_created",
            "assign_owner",
            json!({"algorithm": "fixed", "userId": "uuid2"}),
            json!({"algorithm": "fixed"}),
            "actions[0].config.userId: Required: the user who becomes the owner.",
        ),
        (
            "contacts",
            "contact_created",
            "create_task",
            json!({"title": "Call {{trigger.first_name}}", "dueIn": {"amount": 2, "unit": "hours"}, "assignedTo": "owner"}),
            json!({"title": "Call {{trigger.nick}}"}),
            "actions[0].config.title: “{{trigger.nick}}” names no field: Contacts have no field “nick”.",
        ),
        (
            "leads",
            "lead_updated",
            "update_field",
            json!({"field": "score", "value": 90}),
            json!({"field": "score", "value": 900}),
            "actions[0].config.value: “Score” takes a whole number from 0 to 100.",
        ),
        (
            "contacts",
            "contact_updated",
            "add_tag",
            json!({"tags": ["vip"]}),
            json!({"tags": []}),
            "actions[0].config.tags: Required: a list with at least one item.",
        ),
        (
            "tasks",
            "task_overdue",
            "send_notification",
            json!({"recipients": ["owner", "uuid1"], "title": "{{trigger.title}} is late"}),
            json!({"recipients": [], "title": "Late"}),
            "actions[0].config.recipients: Required: a list of \"owner\" and users' ids.",
        ),
        (
            "contacts",
            "contact_created",
            "send_email",
            json!({"to": "{{trigger.email}}", "subject": "Hi", "body": "<p>Hi</p>", "format": "html"}),
            json!({"to": "not-an-address", "subject": "Hi", "body": "x"}),
            "actions[0].config.to: “not-an-address” is not an email address (or a {{trigger.email}} variable).",
        ),
        (
            "contacts",
            "contact_created",
            "send_sms",
            json!({"to": "{{trigger.phone}}", "message": "Hi"}),
            json!({"to": "555-0100", "message": "Hi"}),
            "actions[0].config.to: “555-0100” is not a phone number in international form, like +14155550100.",
        ),
        (
            "contacts",
            "contact_created",
            "send_whatsapp",
            json!({"to": "+14155550100", "message": "Hi"}),
            json!({"to": "+14155550100"}),
            "actions[0].config.message: Required.",
        ),
        (
            "leads",
            "lead_created",
            "webhook",
            json!({"url": "https://hooks.example.com/lead?id={{trigger.id}}", "headers": {"X-Token": "abc"}, "body": {"name": "{{trigger.firstName}}"}}),
            json!({"url": "https://{{trigger.source}}/x"}),
            "actions[0].config.url: The address's host is written out, not filled in from the record.",
        ),
        (
            "leads",
            "lead_created",
            "wait",
            json!({"amount": 3, "unit": "days"}),
            json!({"amount": 400, "unit": "days"}),
            "actions[0].config.amount: Waits at most 366 days.",
        ),
        (
            "leads",
            "lead_updated",
            "branch",
            json!({"conditions": {"logic": "OR", "conditions": [{"field": "score", "operator": "changed_to", "value": 100}]}}),
            json!({"conditions": {"conditions": []}}),
            "actions[0].config.conditions: A branch needs at least one condition.",
        ),
        (
            "leads",
            "lead_converted",
            "create_opportunity",
            json!({"pipelineId": "p1", "stageId": "s1", "monetaryValue": 100}),
            json!({"pipelineId": "p1", "stageId": "s9"}),
            "actions[0].config.stageId: “s9” is not a stage of “Sales”.",
        ),
        (
            "opportunities",
            "opportunity_won",
            "create_project",
            json!({"name": "Deliver {{trigger.name}}", "status": "active"}),
            json!({"status": "done"}),
            "actions[0].config.status: Takes one of planned, active, on_hold, completed, cancelled.",
        ),
        (
            "opportunities",
            "opportunity_won",
            "create_form",
            json!({"templateId": "t1"}),
            json!({"templateId": "t9"}),
            "actions[0].config.templateId: “t9” is not a template of this sub-account.",
        ),
    ];
    assert_eq!(table.len(), ActionType::ALL.len(), "one row per action type");
    for (module, trigger, action, sound, broken, problem) in table {
        if let Err(problems) = one_action(trigger, module, action, sound) {
            panic!("{action}: {problems:?}");
        }
        let problems = one_action(trigger, module, action, broken).expect_err(action);
        assert_eq!(problems.first().map(String::as_str), Some(problem), "{action}: {problems:?}");
    }
    assert_eq!(
        one_action("leads_created", "leads", "webhook", json!({"url": "https://x.io", "headers": {"Host": "evil"}, "timeoutMs": 60000, "body": "{\"a\": {{trigger.score}}"})).expect_err("broken"),
        ["triggerType: “leads_created” is not an event type; expected one of stage_changed, call_completed, lead_created, lead_updated, lead_stage_changed, lead_score_changed, lead_converted, lead_assigned, contact_created, contact_updated, contact_assigned, account_created, account_updated, account_assigned, opportunity_created, opportunity_updated, opportunity_stage_changed, opportunity_won, opportunity_lost, opportunity_assigned, task_created, task_updated, task_overdue, task_completed, project_created, project_updated, project_status_changed, project_task_overdue, project_completed, form_submitted."]
    );
    assert_eq!(
        one_action("lead_created", "leads", "webhook", json!({"url": "https://x.io", "headers": {"Host": "evil"}, "timeoutMs": 60000, "body": "{\"a\": {{trigger.score}}"})).expect_err("broken"),
        [
            "actions[0].config.headers.Host: OpsFlow sets “Host” itself.",
            "actions[0].config.body: A body written as text must be JSON, with each {{…}} inside a string.",
            "actions[0].config.timeoutMs: Takes a whole number from 100 to 30000.",
        ]
    );
    assert_eq!(
        one_action("projects", "projects", "assign_owner", json!({"userIds": ["uuid1"]})).expect_err("broken")[0],
        "triggerType: “projects” is not an event type; expected one of stage_changed, call_completed, lead_created, lead_updated, lead_stage_changed, lead_score_changed, lead_converted, lead_assigned, contact_created, contact_updated, contact_assigned, account_created, account_updated, account_assigned, opportunity_created, opportunity_updated, opportunity_stage_changed, opportunity_won, opportunity_lost, opportunity_assigned, task_created, task_updated, task_overdue, task_completed, project_created, project_updated, project_status_changed, project_task_overdue, project_completed, form_submitted."
    );
    assert_eq!(
        one_action("project_created", "projects", "assign_owner", json!({"userIds": ["uuid1"]})).expect_err("broken"),
        ["actions[0].actionType: Projects have no owner to assign."]
    );
    assert_eq!(
        one_action("lead_updated", "leads", "update_field", json!({"field": "converted", "value": true, "extra": 1}))
            .expect_err("broken"),
        [
            "actions[0].config.extra: This action has no setting “extra”; it has field, value.",
            "actions[0].config.field: “Converted” is set by the CRM, not by a workflow.",
        ]
    );
    assert_eq!(
        one_action(
            "opportunity_updated",
            "opportunities",
            "update_field",
            json!({"field": "owner_id", "value": "uuid9"})
        )
        .expect_err("broken"),
        ["actions[0].config.value: “Owner” names uuid9, which this sub-account does not have."]
    );
}

#[test]
fn branch_children_name_their_parent_and_path() {
    let body = |actions: Value| {
        check(json!({"name": "B", "triggerModule": "leads", "triggerType": "lead_created", "actions": actions}))
    };
    let sound = body(json!([
        {"id": "b", "actionType": "branch", "config": {"conditions": {"conditions": [{"field": "score", "operator": "greater_than", "value": 50}]}}, "sortOrder": 1},
        {"id": "hot", "actionType": "add_tag", "config": {"tags": ["x"]}, "sortOrder": 1, "parentId": "b", "branch": "then"},
        {"id": "w", "actionType": "wait", "config": {"amount": 1, "unit": "hours"}, "sortOrder": 1, "parentId": "b", "branch": "else"},
        {"id": "n", "actionType": "send_notification", "config": {"recipients": ["owner"], "title": "Cold"}, "sortOrder": 2, "parentId": "b", "branch": "else"},
        {"actionType": "wait", "config": {"amount": 5, "unit": "minutes"}, "sortOrder": 2}
    ]));
    // add_tag is for contacts: the branch child is checked like any action.
    assert_eq!(
        sound.expect_err("add_tag on leads"),
        ["actions[1].actionType: `add_tag` runs on contacts, not on leads."]
    );
    let spec = body(json!([
        {"id": "b", "actionType": "branch", "config": {"conditions": {"conditions": [{"field": "score", "operator": "greater_than", "value": 50}]}}, "sortOrder": 1},
        {"id": "w", "actionType": "wait", "config": {"amount": 1, "unit": "hours"}, "sortOrder": 2, "parentId": "b", "branch": "else"},
        {"id": "n", "actionType": "send_notification", "config": {"recipients": ["owner"], "title": "Cold"}, "sortOrder": 1, "parentId": "b", "branch": "else"},
        {"actionType": "wait", "config": {"amount": 5, "unit": "minutes"}, "sortOrder": 2}
    ]))
    .expect("sound");
    let workflow = workflow::Workflow::new("w".into(), spec, 1, String::new(), String::new());
    let top: Vec<&str> = workflow.sequence(None).iter().map(|a| a.id.as_str()).collect();
    assert_eq!(top, ["b", "new1"]);
    let otherwise: Vec<&str> = workflow
        .sequence(Some((&ActionId::from("b"), workflow::BranchPath::Else)))
        .iter()
        .map(|a| a.id.as_str())
        .collect();
    assert_eq!(otherwise, ["n", "w"]);
    assert!(workflow.sequence(Some((&ActionId::from("b"), workflow::BranchPath::Then))).is_empty());

    let broken = body(json!([
        {"id": "w", "actionType": "wait", "config": {"amount": 1, "unit": "hours"}, "sortOrder": 1},
        {"id": "x", "actionType": "wait", "config": {"amount": 1, "unit": "hours"}, "sortOrder": 1, "parentId": "w", "branch": "then"},
        {"id": "a", "actionType": "branch", "config": {"conditions": {"conditions": [{"field": "score", "operator": "is_empty"}]}}, "sortOrder": 3, "parentId": "c", "branch": "then"},
        {"id": "c", "actionType": "branch", "config": {"conditions": {"conditions": [{"field": "score", "operator": "is_empty"}]}}, "sortOrder": 4, "parentId": "a", "branch": "else"},
        {"id": "w", "actionType": "wait", "config": {"amount": 1, "unit": "hours"}, "sortOrder": 1, "branch": "then"},
        {"id": "bad id!", "actionType": "wait", "config": {"amount": 1, "unit": "hours"}, "sortOrder": 9}
    ]))
    .expect_err("broken");
    assert_eq!(
        broken,
        [
            "actions[4].branch: An action inside a branch names both its parentId and its branch (\"then\" or \"else\"); one outside names neither.",
            "actions[5].id: An action's id is 1 to 64 letters, digits, - or _.",
        ]
    );
    let broken = body(json!([
        {"id": "w", "actionType": "wait", "config": {"amount": 1, "unit": "hours"}, "sortOrder": 1},
        {"id": "x", "actionType": "wait", "config": {"amount": 1, "unit": "hours"}, "sortOrder": 1, "parentId": "w", "branch": "then"},
        {"id": "a", "actionType": "branch", "config": {"conditions": {"conditions": [{"field": "score", "operator": "is_empty"}]}}, "sortOrder": 3, "parentId": "c", "branch": "then"},
        {"id": "c", "actionType": "branch", "config": {"conditions": {"conditions": [{"field": "score", "operator": "is_empty"}]}}, "sortOrder": 4, "parentId": "a", "branch": "else"},
        {"id": "w", "actionType": "wait", "config": {"amount": 1, "unit": "hours"}, "sortOrder": 1}
    ]))
    .expect_err("broken");
    assert_eq!(
        broken,
        [
            "actions[4].id: “w” is the id of another action too.",
            "actions[1].parentId: “w” is a wait action; only a branch has actions inside.",
            "actions[2].parentId: An action cannot be inside itself.",
            "actions[3].parentId: An action cannot be inside itself.",
            "actions[4].sortOrder: Another action at the same place has sortOrder 1.",
        ]
    );
}

#[test]
fn a_run_goes_down_the_chosen_path_and_on_after_the_branch() {
    use crate::model::workflow::BranchPath::{Else, Then};
    use crate::model::workflow::run::Position::{After, Chose, Start};
    let wait = |id: &str, order: i64, parent: Option<(&str, &str)>| {
        let mut action =
            json!({"id": id, "actionType": "wait", "config": {"amount": 1, "unit": "hours"}, "sortOrder": order});
        if let Some((parent, path)) = parent {
            action["parentId"] = json!(parent);
            action["branch"] = json!(path);
        }
        action
    };
    let branch = |id: &str, order: i64, parent: Option<(&str, &str)>| {
        let mut action = wait(id, order, parent);
        action["actionType"] = json!("branch");
        action["config"] = json!({"conditions": {"conditions": [{"field": "score", "operator": "is_empty"}]}});
        action
    };
    // a; b (then: c, inner (then: d; else: —); else: e); f
    let spec = check(json!({"name": "Paths", "triggerModule": "leads", "triggerType": "lead_created", "actions": [
        wait("f", 3, None), wait("a", 1, None), branch("b", 2, None),
        wait("c", 1, Some(("b", "then"))), branch("inner", 2, Some(("b", "then"))),
        wait("d", 1, Some(("inner", "then"))), wait("e", 1, Some(("b", "else"))),
    ]}))
    .expect("sound");
    let workflow = workflow::Workflow::new("w".into(), spec, 1, String::new(), String::new());
    let id = |text: &str| ActionId::from(text);
    let next = |position: crate::model::workflow::run::Position<'_>| -> Option<String> {
        workflow.next_action(position).map(|a| a.id.to_string())
    };
    assert_eq!(next(Start).as_deref(), Some("a"));
    assert_eq!(next(After(&id("a"))).as_deref(), Some("b"));
    assert_eq!(next(Chose(&id("b"), Then)).as_deref(), Some("c"));
    assert_eq!(next(After(&id("c"))).as_deref(), Some("inner"));
    assert_eq!(next(Chose(&id("inner"), Then)).as_deref(), Some("d"));
    // The end of a path goes on after its branch, through every level.
    assert_eq!(next(After(&id("d"))).as_deref(), Some("f"));
    assert_eq!(next(Chose(&id("inner"), Else)).as_deref(), Some("f"), "an empty path");
    assert_eq!(next(Chose(&id("b"), Else)).as_deref(), Some("e"));
    assert_eq!(next(After(&id("e"))).as_deref(), Some("f"));
    assert_eq!(next(After(&id("f"))), None);
    assert_eq!(next(After(&id("missing"))), None);
    let outline: Vec<(usize, &str)> = workflow.outline().into_iter().map(|(depth, a)| (depth, a.id.as_str())).collect();
    assert_eq!(outline, [(0, "a"), (0, "b"), (1, "c"), (1, "inner"), (2, "d"), (1, "e"), (0, "f")]);
}

#[test]
fn webhooks_call_only_public_addresses_written_out() {
    let url =
        |url: &str| one_action("lead_created", "leads", "webhook", json!({"url": url})).err().map(|p| p[0].clone());
    assert_eq!(url("https://hooks.example.com/in?lead={{trigger.id}}"), None);
    assert_eq!(url("http://203.0.113.9:8080/x"), None);
    assert_eq!(url("http://[64:ff9b::cb00:7109]/"), None, "NAT64 of a public address");
    assert_eq!(url("http://[2002:cb00:7109::]/"), None, "6to4 of a public address");
    for (address, host) in [
        ("http://127.0.0.1:5432/", "127.0.0.1"),
        ("http://localhost/x", "localhost"),
        ("http://api.localhost./x", "api.localhost."),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254"),
        ("http://10.1.2.3", "10.1.2.3"),
        ("https://192.168.0.1:8443/", "192.168.0.1"),
        ("http://100.64.0.1/", "100.64.0.1"),
        ("http://0.0.0.0/", "0.0.0.0"),
        ("http://[::1]:80/", "::1"),
        ("http://[fe80::1]/", "fe80::1"),
        ("http://[fd00::2]/", "fd00::2"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1"),
        ("http://[::10.0.0.1]/", "::10.0.0.1"),
        ("http://[64:ff9b::a9fe:a9fe]/", "64:ff9b::a9fe:a9fe"),
        ("http://[2002:7f00:1::]/", "2002:7f00:1::"),
        ("http://[ff02::1]/", "ff02::1"),
        ("http://224.0.0.1/", "224.0.0.1"),
        ("http://240.0.0.1/", "240.0.0.1"),
        ("http://198.18.0.1/", "198.18.0.1"),
    ] {
        assert_eq!(
            url(address),
            Some(format!(
                "actions[0].config.url: “{host}” is a local or private address, which webhooks may not call."
            )),
            "{address}"
        );
    }
    for address in ["http://127.0.0.1\\@example.com/", "https://user:pw@example.com/"] {
        assert_eq!(
            url(address),
            Some("actions[0].config.url: The address has no user name and no backslash.".to_owned())
        );
    }
    assert_eq!(
        url("ftp://example.com"),
        Some("actions[0].config.url: Takes an http:// or https:// address.".to_owned())
    );
    // A server that allows private addresses (a test bench, an on-premises install) may call them.
    let custom = custom_fields();
    let allowed = Catalog { private_hosts: true, ..Catalog::default() };
    let mut problems = Vec::new();
    let config = ActionConfig::check(
        ActionType::Webhook,
        &json!({"url": "http://127.0.0.1:9000/hook"}),
        EventType::LeadCreated,
        &TriggerFields::new(Module::Leads, &custom, &[]),
        &allowed,
        "config",
        &mut problems,
    );
    assert!(config.is_some(), "{problems:?}");
}

#[test]
fn previous_custom_fields_name_only_those_that_changed() {
    use crate::model::change::Changes;
    let before = object(json!({"customFields": {"budget": 900, "tier": "gold"}, "firstName": "Ana"}));
    let after =
        object(json!({"customFields": {"budget": 1200, "tier": "gold", "region": "north"}, "firstName": "Ana"}));
    let previous = Changes::between(&before, &after).previous();
    assert_eq!(Value::Object(previous.clone()), json!({"customFields": {"budget": 900, "region": null}}));
    let on = |condition: Value| {
        holds(EventType::ContactUpdated, condition, Value::Object(after.clone()), Value::Object(previous.clone()))
    };
    assert!(on(json!({"field": "customFields.budget", "operator": "changed_from", "value": 900})));
    // A reported event's `previous.customFields` names what changed; the others did not.
    let reported = json!({"customFields": {"budget": 900}});
    assert!(!holds(
        EventType::ContactUpdated,
        json!({"field": "customFields.budget", "operator": "any_change"}),
        json!({"id": "c", "customFields": {"budget": 900}}),
        reported
    ));
}

#[test]
fn a_workflow_is_stored_with_each_action_written_out_as_it_runs() {
    let spec =
        check(json!({"name": "Defaults", "triggerModule": "leads", "triggerType": "lead_converted", "actions": [
            {"actionType": "webhook", "config": {"url": "https://hooks.example.com/x"}, "sortOrder": 1},
            {"actionType": "create_opportunity", "config": {"pipelineId": "p1", "stageId": "s1"}, "sortOrder": 2},
            {"actionType": "update_field", "config": {"field": "owner_id", "value": "uuid1"}, "sortOrder": 3},
            {"actionType": "assign_owner", "config": {"userIds": [" uuid2 "]}, "sortOrder": 4},
        ]}))
        .expect("sound");
    let configs: Vec<&Value> = spec.actions.iter().map(|a| &a.config).collect();
    assert_eq!(
        configs,
        [
            &json!({"method": "POST", "url": "https://hooks.example.com/x", "headers": {}, "timeoutMs": 10000}),
            &json!({"pipelineId": "p1", "stageId": "s1", "name": "{{trigger.firstName}} {{trigger.lastName}}"}),
            &json!({"field": "ownerId", "value": "uuid1"}),
            &json!({"algorithm": "round_robin", "userIds": ["uuid2"]}),
        ]
    );
    // Written out, each reads back to the same settings.
    let again = check(json!({"name": "Defaults", "triggerModule": "leads", "triggerType": "lead_converted",
                             "actions": serde_json::to_value(&spec.actions).expect("encodes")}))
    .expect("sound");
    assert_eq!(again.actions, spec.actions);
}

/// The editor offers, for each field and event, exactly the operators a saved filter may use:
/// every offered one compiles, every other one is a problem at `operator`.
#[test]
fn the_editor_offers_exactly_the_operators_the_check_accepts() {
    let custom = custom_fields();
    for trigger in EventType::ALL.into_iter().filter(|t| t.module().is_some()) {
        let fields = TriggerFields::new(trigger.module().expect("a module event"), &custom, &[]);
        for field in fields.all() {
            let offered = field.operators(trigger);
            for operator in Operator::ALL {
                let problems = problems_of(
                    trigger,
                    json!({"field": field.key(), "operator": operator, "value": if operator.takes_list() { json!([]) } else { json!(null) }}),
                );
                let refused = problems.iter().any(|p| p.path.ends_with(".operator"));
                assert_eq!(
                    offered.contains(&operator),
                    !refused,
                    "{} on {} for {}: {problems:?}",
                    workflow::filter::operator_name(operator),
                    field.key(),
                    trigger.as_str()
                );
            }
        }
    }
}
