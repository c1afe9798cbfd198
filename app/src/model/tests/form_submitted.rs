//! `form_submitted`: the `forms` trigger module beside the CRM's six, a submitted form's record
//! (the answers the rule engine kept, by key), the answers a workflow can name and how they
//! compare, and what a workflow on forms may do.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use serde_json::{Map, Value as Json, json};

use crate::model::form_event::{AnswerField, Submitted, answer_fields};
use crate::model::starter::starter_templates;
use crate::model::workflow::interpolate::{Escape, render, variables};
use crate::model::workflow::{self, Catalog, TriggerField, TriggerFields, TriggerFilters};
use crate::model::{
    ActionId, Answer, Answers, EventType, Field, FieldKind, FormPlan, Module, NumberFormat, Template, TemplateId,
    TriggerModule, UserId,
};

fn starters() -> Vec<AnswerField> {
    answer_fields(&starter_templates())
}

fn job_complete() -> Template {
    starter_templates().into_iter().find(|t| t.name == "Job Complete").expect("a starter")
}

/// The record of a Job Complete form submitted with `given`, as the engine reads it.
fn submitted(given: &[(&str, Answer)]) -> Map<String, Json> {
    let answers: Answers = given.iter().map(|(key, answer)| ((*key).to_owned(), answer.clone())).collect();
    let plan = FormPlan::new(&job_complete(), NumberFormat::TEMPLATE).expect("a sound template");
    let evaluation = plan.evaluate(&answers);
    assert!(evaluation.is_valid(), "{:?}", evaluation.errors);
    Submitted {
        form_id: "f1",
        template_id: "t1",
        template_name: "Job Complete",
        contact_id: "c1",
        contact_name: "Ana Lima",
        submitted_by: "u1",
        submitted_at: "2026-12-01T09:30:00Z",
        answers: &evaluation.answers,
    }
    .record()
}

fn completed() -> Map<String, Json> {
    submitted(&[
        ("completed", "Yes".into()),
        ("work_done", vec!["Repair", "Cleaning"].into()),
        ("hours", "2.5".into()),
        ("invoice_amount", "1250.50".into()),
        ("satisfaction", "9".into()),
    ])
}

fn filters(conditions: Json) -> TriggerFilters {
    serde_json::from_value(json!({"logic": "AND", "conditions": conditions})).expect("filters decode")
}

#[test]
fn forms_are_a_trigger_module_and_not_a_crm_module() {
    assert_eq!(TriggerModule::ALL.map(TriggerModule::as_str), TriggerModule::NAMES);
    assert_eq!(&TriggerModule::NAMES[..6], Module::NAMES, "the CRM's modules, then forms");
    assert_eq!("forms".parse::<TriggerModule>(), Ok(TriggerModule::Forms));
    assert_eq!("leads".parse::<TriggerModule>(), Ok(TriggerModule::Records(Module::Leads)));
    // Record pages, the Activity and the events API read `Module`, which has no forms.
    assert!("forms".parse::<Module>().is_err());
    assert_eq!(Module::ALL.len(), 6);

    let event = EventType::FormSubmitted;
    assert_eq!(
        (event.as_str(), event.module(), event.trigger_module()),
        ("form_submitted", None, Some(TriggerModule::Forms))
    );
    assert!(!event.has_previous(), "a submitted form changed nothing");
    assert_eq!(EventType::of_trigger_module(TriggerModule::Forms).collect::<Vec<_>>(), [event]);
    assert_eq!(EventType::of_trigger_module(Module::Tasks.into()).count(), 4);
    assert_eq!(EventType::ALL.iter().filter(|t| t.module().is_some()).count(), 27, "seed 001's stay 27");
    assert_eq!(EventType::FORM_TRIGGERS.map(EventType::trigger_module), [None, None]);
    // Whatever a workflow on forms writes, it writes the form's contact.
    assert_eq!(TriggerModule::Forms.record_module(), Module::Contacts);
}

#[test]
fn a_submitted_forms_record_holds_only_the_answers_the_rule_engine_kept() {
    let record = completed();
    assert_eq!(
        Json::Object(record),
        json!({
            "id": "f1", "templateId": "t1", "templateName": "Job Complete", "contactId": "c1",
            "contactName": "Ana Lima", "submittedBy": "u1", "submittedAt": "2026-12-01T09:30:00Z",
            "answers": {"completed": "Yes", "work_done": ["Repair", "Cleaning"], "hours": 2.5,
                        "invoice_amount": 1250.5, "satisfaction": 9.0, "follow_up_needed": false}
        })
    );
    // The job was not done: the invoice and the satisfaction are hidden, so they are not kept,
    // whatever was typed into them; nor is an unanswered field (an unticked box is a “no”).
    let record = submitted(&[
        ("completed", "No".into()),
        ("incomplete_reason", "Parts on order".into()),
        ("invoice_amount", "900".into()),
        ("satisfaction", "3".into()),
    ]);
    assert_eq!(
        record["answers"],
        json!({"completed": "No", "incomplete_reason": "Parts on order", "follow_up_needed": false})
    );
}

#[test]
fn the_answers_are_the_templates_fields_by_key_each_compared_as_its_kind() {
    let answers = starters();
    let kind = |key: &str| answers.iter().find(|a| a.key == key).map(|a| a.kind);
    assert_eq!(kind("hours"), Some(Some(FieldKind::Number)));
    assert_eq!(kind("invoice_amount"), Some(Some(FieldKind::Currency)));
    assert_eq!(kind("work_done"), Some(Some(FieldKind::MultiSelect)));
    assert_eq!(kind("callback_date"), Some(Some(FieldKind::Date)));
    assert_eq!(kind("follow_up_needed"), Some(Some(FieldKind::Checkbox)));
    let keys: Vec<&str> = answers.iter().map(|a| a.key.as_str()).collect();
    assert!(keys.windows(2).all(|pair| pair[0] < pair[1]), "each key once, in order: {keys:?}");

    // One key in several templates: kinds that compare alike share it, others cannot be compared.
    let template = |fields: Vec<Field>| Template { name: "T".into(), fields };
    let merged = answer_fields(&[
        template(vec![
            Field::new("amount", "Amount", FieldKind::Number),
            Field::new("size", "Size", FieldKind::Dropdown).options(["S", "M"]),
            Field::new("note", "Note", FieldKind::ShortText),
            Field::new("when", "When", FieldKind::Date),
            Field::new("part", "Part two", FieldKind::Section),
        ]),
        template(vec![
            Field::new("amount", "Total", FieldKind::Currency),
            Field::new("size", "Size", FieldKind::Radio).options(["M", "L"]),
            Field::new("note", "Note", FieldKind::Dropdown).options(["a"]),
            Field::new("when", "When", FieldKind::Number),
        ]),
    ]);
    let found = |key: &str| merged.iter().find(|a| a.key == key).map(|a| (a.label.as_str(), a.kind, a.options.clone()));
    assert_eq!(found("amount"), Some(("Amount", Some(FieldKind::Number), vec![])));
    assert_eq!(found("size"), Some(("Size", Some(FieldKind::Dropdown), vec!["S".into(), "M".into(), "L".into()])));
    assert_eq!(found("note"), Some(("Note", Some(FieldKind::ShortText), vec![])));
    assert_eq!(found("when"), Some(("When", None, vec![])));
    assert_eq!(found("part"), None, "a section heading has no answer");
}

#[test]
fn a_forms_fields_resolve_by_name_and_answers_by_key() {
    let answers = starters();
    let fields = TriggerFields::new(TriggerModule::Forms, &[], &answers);
    let key = |name: &str| fields.resolve(name).map(|field| field.key());
    assert_eq!(key("id").as_deref(), Some("id"));
    assert_eq!(key("template_id").as_deref(), Some("templateId"));
    assert_eq!(key("submittedAt").as_deref(), Some("submittedAt"));
    assert_eq!(key("answers.invoice_amount").as_deref(), Some("answers.invoice_amount"));
    assert!(matches!(fields.resolve("answers.hours"), Some(TriggerField::Answer(a)) if a.label == "Hours on site"));
    assert_eq!(key("answers.invoiceAmount"), None, "an answer goes by its key as it is");
    assert_eq!(key("firstName"), None, "a form is not a contact");
    assert_eq!(key("customFields.budget"), None);
    assert_eq!(
        fields.no_field("answers.mileage"),
        "No template of this sub-account has a field with the key “mileage”"
    );
    assert_eq!(fields.no_field("stage"), "Forms have no field “stage”");
    // Other modules have no answers.
    assert_eq!(TriggerFields::new(Module::Contacts, &[], &answers).resolve("answers.hours"), None);
    let all = fields.all();
    assert_eq!(all.len(), 1 + 6 + answers.len(), "the id, six fields, the answers");
}

#[test]
fn filters_compare_answers_as_their_kinds() {
    let answers = starters();
    let fields = TriggerFields::new(TriggerModule::Forms, &[], &answers);
    let record = completed();
    let no_previous = Map::new();
    let table: Vec<(Json, bool)> = vec![
        (json!({"field": "answers.completed", "operator": "equals", "value": "yes"}), true),
        (json!({"field": "answers.completed", "operator": "in", "value": ["Partially", "No"]}), false),
        (json!({"field": "answers.invoice_amount", "operator": "greater_than", "value": 1000}), true),
        (json!({"field": "answers.invoice_amount", "operator": "less_or_equal", "value": "1250.49"}), false),
        (json!({"field": "answers.hours", "operator": "equals", "value": 2.5}), true),
        (json!({"field": "answers.work_done", "operator": "contains", "value": "Repair"}), true),
        (json!({"field": "answers.work_done", "operator": "equals", "value": ["Cleaning", "Repair"]}), true),
        (json!({"field": "answers.follow_up_needed", "operator": "is_empty"}), true),
        (json!({"field": "answers.follow_up_needed", "operator": "equals", "value": "no"}), true),
        (json!({"field": "answers.incomplete_reason", "operator": "is_not_empty"}), false),
        // An answer the form's template does not ask for is not answered.
        (json!({"field": "answers.outcome", "operator": "equals", "value": "Interested"}), false),
        (json!({"field": "templateName", "operator": "equals", "value": "Job Complete"}), true),
        (json!({"field": "submitted_at", "operator": "greater_or_equal", "value": "2026-12-01"}), true),
        (json!({"field": "contactId", "operator": "equals", "value": "c2"}), false),
    ];
    for (condition, expected) in table {
        let compiled = filters(json!([condition.clone()]))
            .compile(&fields, EventType::FormSubmitted, "triggerFilters")
            .unwrap_or_else(|problems| panic!("{condition}: {problems:?}"));
        assert_eq!(compiled.matches(&record, &no_previous), expected, "{condition}");
    }
}

#[test]
fn filters_on_forms_say_what_cannot_be_compared() {
    let mut answers = starters();
    answers.push(AnswerField { key: "when".into(), label: "When".into(), kind: None, options: vec![] });
    let fields = TriggerFields::new(TriggerModule::Forms, &[], &answers);
    let problems = |condition: Json| -> Vec<String> {
        match filters(json!([condition])).compile(&fields, EventType::FormSubmitted, "triggerFilters") {
            Ok(_) => Vec::new(),
            Err(problems) => problems.into_iter().map(|p| format!("{}: {}", p.path, p.message)).collect(),
        }
    };
    let at = "triggerFilters.conditions[0]";
    assert_eq!(
        problems(json!({"field": "answers.mileage", "operator": "is_empty"})),
        [format!("{at}.field: No template of this sub-account has a field with the key “mileage”.")]
    );
    assert_eq!(
        problems(json!({"field": "answers.when", "operator": "is_empty"})),
        [format!(
            "{at}.field: The templates ask for “answers.when” as kinds of answer that compare differently (a number \
             in one, a date in another), so no condition can compare it: give those fields one kind, or other keys."
        )]
    );
    assert_eq!(
        problems(json!({"field": "answers.completed", "operator": "changed_to", "value": "Yes"})),
        [format!("{at}.operator: `form_submitted` has no previous values, so `changed_to` cannot hold.")]
    );
    assert_eq!(
        problems(json!({"field": "answers.hours", "operator": "contains", "value": "2"})),
        [format!("{at}.operator: “Hours on site” cannot be compared with `contains`.")]
    );
    assert_eq!(
        problems(json!({"field": "answers.completed", "operator": "equals", "value": "Maybe"})),
        [format!(
            "{at}.value: The condition on “Was the job completed?” compares with “Maybe”, which is not one of \
             its options."
        )]
    );
}

#[test]
fn messages_write_answers_by_key() {
    let answers = starters();
    let fields = TriggerFields::new(TriggerModule::Forms, &[], &answers);
    let record = completed();
    assert_eq!(
        render(
            "{{trigger.contactName}}: {{trigger.answers.hours}} h, {{trigger.answers.work_done}}, \
             {{ trigger.answers.invoice_amount }} ({{trigger.answers.notes}})",
            &fields,
            &record,
            Escape::Plain
        ),
        "Ana Lima: 2.5 h, Repair, Cleaning, 1250.5 ()"
    );
    assert_eq!(
        render("/jobs?done={{trigger.answers.completed}}&by={{trigger.submitted_by}}", &fields, &record, Escape::Url),
        "/jobs?done=Yes&by=u1"
    );
    assert_eq!(
        variables("{{trigger.answers.mileage}}", &fields).err().as_deref(),
        Some(
            "“{{trigger.answers.mileage}}” names no field: No template of this sub-account has a field with the \
             key “mileage”."
        )
    );
}

fn check(actions: Json) -> Result<workflow::WorkflowSpec, Vec<String>> {
    let answers = starters();
    let users = [UserId::from("u1")];
    let templates = [TemplateId::from("t1")];
    let catalog = Catalog { answer_fields: &answers, users: &users, templates: &templates, ..Catalog::default() };
    let body = json!({
        "name": "After a job", "triggerModule": "forms", "triggerType": "form_submitted",
        "triggerFilters": {"logic": "AND", "conditions": [
            {"field": "answers.completed", "operator": "equals", "value": "Yes"},
            {"field": "templateId", "operator": "equals", "value": "t1"}
        ]},
        "actions": actions
    });
    let mut next = 0;
    let mut new_id = || {
        next += 1;
        ActionId::from(format!("a{next}"))
    };
    workflow::check(&body, &catalog, &mut new_id)
        .map_err(|problems| problems.into_iter().map(|p| format!("{}: {}", p.path, p.message)).collect())
}

#[test]
fn a_workflow_on_forms_acts_on_the_forms_contact() {
    let allowed = check(json!([
        {"actionType": "create_task", "sortOrder": 1,
         "config": {"title": "Invoice {{trigger.answers.invoice_amount}}", "assignedTo": "owner"}},
        {"actionType": "send_notification", "sortOrder": 2,
         "config": {"recipients": ["owner", "u1"], "title": "{{trigger.templateName}} for {{trigger.contactName}}"}},
        {"actionType": "send_email", "sortOrder": 3,
         "config": {"to": "{{trigger.answers.best_email}}", "subject": "Thanks",
                    "body": "{{trigger.answers.summary}}"}},
        {"actionType": "webhook", "sortOrder": 4,
         "config": {"url": "https://erp.example.com/jobs/{{trigger.id}}",
                    "body": {"hours": "{{trigger.answers.hours}}"}}},
        {"actionType": "wait", "sortOrder": 5, "config": {"amount": 1, "unit": "days"}},
        {"id": "happy", "actionType": "branch", "sortOrder": 6, "config": {"conditions": {"logic": "AND",
            "conditions": [{"field": "answers.satisfaction", "operator": "greater_or_equal", "value": 8}]}}},
        {"actionType": "add_tag", "parentId": "happy", "branch": "then", "sortOrder": 1,
         "config": {"tags": ["promoter", "{{trigger.answers.completed}}"]}},
        {"actionType": "update_field", "parentId": "happy", "branch": "else", "sortOrder": 1,
         "config": {"field": "source", "value": "job {{trigger.id}}"}},
        {"actionType": "assign_owner", "sortOrder": 7, "config": {"algorithm": "fixed", "userId": "u1"}},
        {"actionType": "create_form", "sortOrder": 8, "config": {"templateId": "t1"}}
    ]));
    let spec = allowed.expect("what a form's workflow may do");
    assert_eq!(spec.trigger_module, TriggerModule::Forms);
    assert_eq!(spec.actions.len(), 10);

    let refused = check(json!([
        {"actionType": "create_opportunity", "sortOrder": 1, "config": {"pipelineId": "p1", "stageId": "s1"}},
        {"actionType": "create_project", "sortOrder": 2, "config": {}},
        {"actionType": "update_field", "sortOrder": 3, "config": {"field": "answers.hours", "value": 3}},
        {"actionType": "update_field", "sortOrder": 4, "config": {"field": "templateId", "value": "t2"}},
        {"actionType": "send_notification", "sortOrder": 5,
         "config": {"recipients": ["u1"], "title": "{{trigger.answers.mileage}}"}}
    ]))
    .expect_err("what it may not");
    let not_on_forms = "A submitted form does not change: `update_field` sets a field of its contact.";
    let no_mileage = "No template of this sub-account has a field with the key “mileage”.";
    for expected in [
        "actions[0].actionType: `create_opportunity` runs on leads, not on forms.".to_owned(),
        "actions[1].actionType: `create_project` runs on opportunities, not on forms.".to_owned(),
        format!("actions[2].config.field: {not_on_forms} Contacts have no field “answers.hours”."),
        format!("actions[3].config.field: {not_on_forms} Contacts have no field “templateId”."),
        format!("actions[4].config.title: “{{{{trigger.answers.mileage}}}}” names no field: {no_mileage}"),
    ] {
        assert!(refused.contains(&expected), "{expected} in {refused:#?}");
    }
}

#[test]
fn a_trigger_names_the_event_of_its_module() {
    let body = |module: &str, event: &str| json!({"name": "W", "triggerModule": module, "triggerType": event});
    let problems = |body: Json| {
        workflow::check(&body, &Catalog::default(), &mut || ActionId::from("a"))
            .err()
            .map(|problems| problems.into_iter().map(|p| p.message).collect::<Vec<_>>())
    };
    assert_eq!(problems(body("forms", "form_submitted")), None);
    assert_eq!(
        problems(body("forms", "contact_created")),
        Some(vec!["`contact_created` is not an event of forms; it has form_submitted.".to_owned()])
    );
    assert_eq!(
        problems(body("contacts", "form_submitted")),
        Some(vec![
            "`form_submitted` is not an event of contacts; they have contact_created, contact_updated, \
             contact_assigned."
                .to_owned()
        ])
    );
    assert_eq!(
        problems(body("stage_changed", "form_submitted")),
        Some(vec![
            "“stage_changed” is not a module; expected one of leads, contacts, accounts, opportunities, tasks, \
             projects, forms."
                .to_owned()
        ])
    );
}
