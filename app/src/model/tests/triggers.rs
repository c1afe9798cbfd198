#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use crate::model::trigger::{FieldMapping, TaskWriteback, broken_mappings, check_trigger, default_task_title};
use crate::model::*;

fn pipelines() -> Vec<Pipeline> {
    let stage = |id: &str| Stage { id: id.into(), name: id.to_uppercase() };
    vec![
        Pipeline { id: "sales".into(), name: "Sales".into(), stages: vec![stage("new"), stage("won")] },
        Pipeline { id: "jobs".into(), name: "Jobs".into(), stages: vec![stage("booked"), stage("done")] },
    ]
}

fn crm_fields() -> Vec<CrmField> {
    let field =
        |id: &str, data_type| CrmField { id: id.into(), name: id.into(), key: id.into(), data_type, options: vec![] };
    vec![
        field("cf_text", CrmFieldType::Text),
        field("cf_num", CrmFieldType::Numerical),
        field("cf_date", CrmFieldType::Date),
    ]
}

fn template() -> Template {
    Template {
        name: "Job Complete".into(),
        fields: vec![
            Field::new("hours", "Hours", FieldKind::Number),
            Field::new("notes", "Notes", FieldKind::LongText),
            Field::new("head", "Head", FieldKind::Section),
        ],
    }
}

fn stage_trigger(writebacks: Writebacks) -> TriggerConfig {
    TriggerConfig {
        event: TriggerEvent::StageChanged { pipeline_id: "jobs".into(), stage_id: "booked".into() },
        template_id: "t1".into(),
        writebacks,
    }
}

fn map(form_field: &str, crm_field_id: &str) -> FieldMapping {
    FieldMapping { form_field: form_field.into(), crm_field_id: crm_field_id.into() }
}

#[test]
fn a_full_stage_trigger_is_accepted() {
    let writebacks = Writebacks {
        note: true,
        custom_fields: vec![map("hours", "cf_num"), map("notes", "cf_text")],
        task: Some(TaskWriteback::default()),
        move_to_stage: Some("done".into()),
    };
    assert_eq!(check_trigger(&stage_trigger(writebacks), &template(), &pipelines(), &crm_fields()), vec![]);
}

#[test]
fn pipeline_moves_stay_in_the_same_pipeline_and_need_a_stage_trigger() {
    let moving = |stage: &str| Writebacks { move_to_stage: Some(stage.into()), ..Writebacks::default() };
    let check = |config: TriggerConfig| check_trigger(&config, &template(), &pipelines(), &crm_fields());
    assert_eq!(
        check(stage_trigger(moving("won"))),
        vec![TriggerProblem::MoveToOtherPipeline { stage_id: "won".into() }]
    );
    assert_eq!(check(stage_trigger(moving("booked"))), vec![TriggerProblem::MoveToSameStage]);
    let call =
        TriggerConfig { event: TriggerEvent::CallCompleted, template_id: "t1".into(), writebacks: moving("done") };
    assert_eq!(check(call), vec![TriggerProblem::MoveNeedsStageTrigger]);
    let unknown = TriggerConfig {
        event: TriggerEvent::StageChanged { pipeline_id: "jobs".into(), stage_id: "nope".into() },
        template_id: "t1".into(),
        writebacks: Writebacks::default(),
    };
    assert_eq!(check(unknown), vec![TriggerProblem::UnknownStage { stage_id: "nope".into() }]);
}

#[test]
fn custom_field_mappings_must_fit() {
    let writebacks = Writebacks {
        custom_fields: vec![
            map("notes", "cf_num"),
            map("head", "cf_text"),
            map("hours", "cf_gone"),
            map("hours", "cf_text"),
            map("notes", "cf_text"),
        ],
        ..Writebacks::default()
    };
    let problems = check_trigger(&stage_trigger(writebacks), &template(), &pipelines(), &crm_fields());
    assert_eq!(
        problems,
        vec![
            TriggerProblem::IncompatibleMapping {
                field: "Notes".into(),
                crm_field: "cf_num".into(),
                kind: "Long text".into(),
                data_type: "Number".into()
            },
            TriggerProblem::UnknownFormField { field: "head".into() },
            TriggerProblem::UnknownCrmField { crm_field_id: "cf_gone".into() },
            TriggerProblem::CrmFieldMappedTwice { crm_field: "cf_text".into() },
        ]
    );
}

/// A mapping is offered (and saved) only when the CRM field takes every value the form field can
/// give: a Yes/Partially/No dropdown needs all three options, a yes/no checkbox needs Yes and No.
#[test]
fn choice_mappings_need_every_option_in_the_crm_field() {
    let crm = |id: &str, data_type, options: &[&str]| CrmField {
        id: id.into(),
        name: id.into(),
        key: id.into(),
        data_type,
        options: options.iter().map(|o| o.to_string()).collect(),
    };
    let outcome = Field::new("outcome", "Outcome", FieldKind::Dropdown).options(["Yes", "Partially", "No"]);
    let done = Field::new("done", "Done", FieldKind::Checkbox);
    let yes_no = crm("cf_yes_no", CrmFieldType::SingleOptions, &["Yes", "No"]);
    let three = crm("cf_three", CrmFieldType::Radio, &["No", "Partially", "Yes", "Unknown"]);
    let free = crm("cf_free", CrmFieldType::Text, &[]);

    assert_eq!(yes_no.refused_value(&outcome), Some("Partially".into()));
    assert!(!yes_no.fits(&outcome));
    assert!(three.fits(&outcome));
    assert!(free.fits(&outcome));
    assert!(yes_no.fits(&done));
    assert_eq!(crm("cf_on", CrmFieldType::Radio, &["On", "Off"]).refused_value(&done), Some("Yes".into()));
    assert!(!crm("cf_list", CrmFieldType::MultipleOptions, &["Yes"]).fits(&done));

    let template = Template { name: "Visit".into(), fields: vec![outcome, done] };
    let fields = vec![yes_no, three, free];
    let writebacks = Writebacks { custom_fields: vec![map("outcome", "cf_yes_no")], ..Writebacks::default() };
    let problem = TriggerProblem::MissingOption {
        field: "Outcome".into(),
        crm_field: "cf_yes_no".into(),
        option: "Partially".into(),
    };
    assert_eq!(check_trigger(&stage_trigger(writebacks), &template, &pipelines(), &fields), vec![problem.clone()]);
    // An option added to the form field by an edit breaks the mapping: the builder says so...
    let mut before = template.clone();
    before.fields[0].options = vec!["Yes".into(), "No".into()];
    let mapping = [map("outcome", "cf_yes_no")];
    assert_eq!(
        broken_mappings(&mapping, &template, &before, &fields),
        vec![TemplateProblem::TriggerMapping { field: "outcome".into(), reason: problem.to_string() }]
    );
    // ...but a mismatch that was there before the edit does not block saving other changes.
    assert_eq!(broken_mappings(&mapping, &template, &template, &fields), vec![]);
}

#[test]
fn type_compatibility_between_form_fields_and_crm_fields() {
    assert!(CrmFieldType::Numerical.accepts(FieldKind::Currency));
    assert!(CrmFieldType::Monetory.accepts(FieldKind::Currency));
    assert!(!CrmFieldType::Monetory.accepts(FieldKind::Number));
    assert!(CrmFieldType::Date.accepts(FieldKind::Date));
    assert!(!CrmFieldType::Date.accepts(FieldKind::ShortText));
    assert!(CrmFieldType::MultipleOptions.accepts(FieldKind::MultiSelect));
    assert!(CrmFieldType::Text.accepts(FieldKind::Date));
    assert!(!CrmFieldType::Text.accepts(FieldKind::Section));
    assert!(!CrmFieldType::FileUpload.accepts(FieldKind::ShortText));
}

#[test]
fn custom_field_values_take_the_shape_highlevel_expects() {
    assert_eq!(
        CrmFieldValue::from_answer(&Value::Money(1050), CrmFieldType::Monetory, &NumberFormat::default()),
        CrmFieldValue::Number(10.5)
    );
    assert_eq!(
        CrmFieldValue::from_answer(&Value::Money(1050), CrmFieldType::Text, &NumberFormat::default()),
        CrmFieldValue::Text("$10.50".into())
    );
    assert_eq!(
        CrmFieldValue::from_answer(
            &Value::List(vec!["a".into()]),
            CrmFieldType::MultipleOptions,
            &NumberFormat::default()
        ),
        CrmFieldValue::List(vec!["a".into()])
    );
    assert_eq!(
        CrmFieldValue::from_answer(&Value::Bool(true), CrmFieldType::Checkbox, &NumberFormat::default()),
        CrmFieldValue::List(vec!["Yes".into()])
    );
    let json = serde_json::to_value(CrmFieldValue::from_answer(
        &Value::Number(3.0),
        CrmFieldType::Numerical,
        &NumberFormat::default(),
    ))
    .ok();
    assert_eq!(json, Some(serde_json::json!(3.0)));
}

#[test]
fn triggers_match_their_own_events_only() {
    let trigger = TriggerEvent::StageChanged { pipeline_id: "jobs".into(), stage_id: "done".into() };
    assert!(trigger.matches(&TriggerEvent::StageChanged { pipeline_id: "jobs".into(), stage_id: "done".into() }));
    assert!(!trigger.matches(&TriggerEvent::StageChanged { pipeline_id: "jobs".into(), stage_id: "booked".into() }));
    assert!(!trigger.matches(&TriggerEvent::CallCompleted));
    assert!(TriggerEvent::CallCompleted.matches(&TriggerEvent::CallCompleted));
    // One name per event type, the same on the wire, in the database and in the settings.
    for event_type in EventType::ALL {
        assert_eq!(event_type.as_str().parse::<EventType>(), Ok(event_type));
        assert_eq!(serde_json::to_value(event_type).ok(), Some(serde_json::json!(event_type.as_str())));
    }
    assert_eq!(TriggerEvent::CallCompleted.event_type(), EventType::CallCompleted);
    let refused = "stage_change".parse::<EventType>().map_err(|e| e.to_string()).expect_err("not an event type");
    assert!(
        refused.starts_with(
            "“stage_change” is not an event type; expected one of stage_changed, call_completed, lead_created"
        ),
        "{refused}"
    );
    // A form trigger listens only for the two form events; the engine's are refused by name.
    let lead = serde_json::from_value::<TriggerEvent>(serde_json::json!({"type": "lead_created"}));
    let refused = lead.map_err(|e| e.to_string()).expect_err("not a form event");
    assert_eq!(refused, "unknown variant `lead_created`, expected `stage_changed` or `call_completed`");
}

#[test]
fn task_titles_default_to_the_template_name() {
    assert_eq!(default_task_title("Job Complete"), "Follow up: Job Complete");
    assert_eq!(TaskWriteback { title: Some("  ".into()) }.title_for("X"), "Follow up: X");
    assert_eq!(TaskWriteback { title: Some("Call back".into()) }.title_for("X"), "Call back");
}

#[test]
fn an_edit_that_breaks_a_mapping_is_a_problem_on_that_field() {
    let mappings = [map("hours", "cf_num"), map("hours", "cf_num"), map("notes", "cf_text"), map("notes", "cf_gone")];
    assert_eq!(
        broken_mappings(&mappings, &template(), &template(), &crm_fields()),
        vec![],
        "a CRM field gone is not the edit's"
    );

    let mut edited = template();
    edited.fields[0].kind = FieldKind::Date;
    edited.fields.remove(1);
    let problems = broken_mappings(&mappings, &edited, &template(), &crm_fields());
    let on: Vec<_> = problems.iter().map(|p| p.field()).collect();
    // One problem per field and reason, however many triggers repeat the mapping.
    assert_eq!(on, [Some("hours"), Some("notes")]);
    assert!(problems[0].to_string().contains("cannot be written to"), "{}", problems[0]);
}

/// The writebacks a trigger turns on run in one order: the pipeline move last.
#[test]
fn enabled_writebacks_run_in_order_with_the_move_last() {
    assert_eq!(Writebacks::default().enabled(), []);
    let all = Writebacks {
        note: true,
        custom_fields: vec![FieldMapping { form_field: "a".into(), crm_field_id: "b".into() }],
        task: Some(TaskWriteback::default()),
        move_to_stage: Some("won".into()),
    };
    assert_eq!(all.enabled(), WritebackKind::ORDER);
    assert_eq!(WritebackKind::ORDER.last(), Some(&WritebackKind::PipelineMove));
    let some = Writebacks { note: false, move_to_stage: None, ..all };
    assert_eq!(some.enabled(), [WritebackKind::CustomFields, WritebackKind::Task]);
}
