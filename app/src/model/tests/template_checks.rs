#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use crate::model::*;

fn template(fields: Vec<Field>) -> Template {
    Template { name: "T".into(), fields }
}

fn text(key: &str) -> Field {
    Field::new(key, key.to_uppercase(), FieldKind::ShortText)
}

fn shown_by(key: &str, controlling: &str) -> Field {
    text(key).show_if(RuleGroup::when(controlling, Operator::IsNotEmpty, ()))
}

#[test]
fn the_starter_templates_are_sound() {
    let starters = starter::starter_templates();
    let names: Vec<&str> = starters.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["Call Disposition", "Job Complete", "Appointment Follow-Up"]);
    for template in &starters {
        assert_eq!(template.problems(), vec![], "{}", template.name);
        assert!(template.fields.iter().any(|f| f.show_if.is_some()), "{} uses conditional fields", template.name);
    }
}

#[test]
fn call_disposition_asks_for_a_callback_date_only_for_callbacks() {
    let plan = FormPlan::new(&starter::starter_templates()[0], NumberFormat::default()).expect("sound");
    let callback = plan.evaluate(&super::answers(&[("outcome", "Callback requested".into())]));
    assert_eq!(callback.errors.get("callback_date"), Some(&FieldError::Required));
    let interested =
        plan.evaluate(&super::answers(&[("outcome", "Interested".into()), ("interest_level", "Warm".into())]));
    assert!(interested.is_valid());
}

/// Labels, help, placeholders and options are printed into notes and CRM fields: each has a
/// limit, checked by the model in the builder and again on save.
#[test]
fn texts_have_length_limits() {
    use crate::model::template::TextPart;
    let at_limit = Field::new("a", "L".repeat(200), FieldKind::Dropdown)
        .help("h".repeat(500))
        .placeholder("p".repeat(200))
        .options(["o".repeat(200)]);
    assert_eq!(template(vec![at_limit]).problems(), vec![]);
    let over = Field::new("a", "L".repeat(5000), FieldKind::Dropdown).help("h".repeat(501)).options([
        "fine".to_owned(),
        "o".repeat(201),
        "p".repeat(300),
    ]);
    let problem = |part| TemplateProblem::TextTooLong { field: "a".into(), part };
    assert_eq!(
        template(vec![over]).problems(),
        vec![problem(TextPart::Label), problem(TextPart::Help), problem(TextPart::Option)]
    );
    assert_eq!(problem(TextPart::Help).to_string(), "Field “a”: the help text is longer than 500 characters.");
    // Limits apply when a template is saved: a version stored before them still shows and submits.
    let stored = template(vec![Field::new("a", "A", FieldKind::ShortText).help("h".repeat(600))]);
    assert!(FormPlan::new(&stored, NumberFormat::default()).is_ok());
    assert_eq!(stored.problems().len(), 1);
}

#[test]
fn cycles_are_found_whatever_their_length() {
    let self_loop = template(vec![shown_by("a", "a")]);
    assert_eq!(self_loop.problems(), vec![TemplateProblem::RuleCycle { fields: vec!["a".into()] }]);
    let pair = template(vec![shown_by("a", "b"), shown_by("b", "a"), text("c")]);
    assert_eq!(pair.problems(), vec![TemplateProblem::RuleCycle { fields: vec!["a".into(), "b".into()] }]);
    let triangle = template(vec![text("x"), shown_by("a", "c"), shown_by("b", "a"), shown_by("c", "b")]);
    assert_eq!(
        triangle.problems(),
        vec![TemplateProblem::RuleCycle { fields: vec!["a".into(), "b".into(), "c".into()] }]
    );
    let chain = template(vec![text("a"), shown_by("b", "a"), shown_by("c", "b"), shown_by("d", "a")]);
    assert_eq!(chain.problems(), vec![], "a diamond is not a cycle");
}

#[test]
fn a_long_chain_of_rules_does_not_overflow() {
    let mut fields = vec![text("f0")];
    fields.extend((1..5000).map(|i| shown_by(&format!("f{i}"), &format!("f{}", i - 1))));
    assert_eq!(template(fields).problems(), vec![]);
}

#[test]
fn rules_on_missing_fields_and_bad_values_are_reported() {
    let t = template(vec![
        Field::new("n", "N", FieldKind::Number),
        Field::new("d", "D", FieldKind::Dropdown).options(["A"]),
        text("x").show_if(RuleGroup::when("gone", Operator::Equals, "1")),
        text("y").show_if(RuleGroup::when("n", Operator::GreaterThan, "many")),
        text("z").show_if(RuleGroup::when("d", Operator::Equals, "B")),
        text("w").show_if(RuleGroup::when("n", Operator::Equals, ())),
        text("v").show_if(RuleGroup::all(vec![])),
    ]);
    let problems = t.problems();
    assert_eq!(
        problems,
        vec![
            TemplateProblem::RuleOnMissingField { field: "x".into(), missing: "gone".into() },
            TemplateProblem::BadRuleValue {
                field: "y".into(),
                controlling: "n".into(),
                reason: "compares with “many”, which is not a number.".into()
            },
            TemplateProblem::BadRuleValue {
                field: "z".into(),
                controlling: "d".into(),
                reason: "compares with “B”, which is not one of its options.".into()
            },
            TemplateProblem::BadRuleValue {
                field: "w".into(),
                controlling: "n".into(),
                reason: "needs one value to compare with.".into()
            },
            TemplateProblem::EmptyRuleGroup { field: "v".into() },
        ]
    );
    assert_eq!(problems[0].to_string(), "Field “x” is shown by a rule on “gone”, which is not in the template.");
    assert_eq!(problems[0].field(), Some("x"));
}

#[test]
fn field_definitions_are_checked() {
    let t = Template {
        name: "  ".into(),
        fields: vec![
            Field::new("Bad Key", "Bad", FieldKind::ShortText),
            Field::new("dup", "One", FieldKind::ShortText),
            Field::new("dup", "Two", FieldKind::ShortText),
            Field::new("empty", " ", FieldKind::ShortText),
            Field::new("choice", "Choice", FieldKind::Radio),
            Field::new("twice", "Twice", FieldKind::Dropdown).options(["a", "a"]),
            Field::new("range", "Range", FieldKind::Number).range(Some(5.0), Some(1.0)),
            Field::new("len", "Len", FieldKind::ShortText).length(Some(5), Some(1)),
            Field::new("re", "Re", FieldKind::ShortText).pattern("(unclosed"),
            Field::new("head", "Head", FieldKind::Section).required(),
        ],
    };
    let problems = t.problems();
    let kinds: Vec<String> = problems
        .iter()
        .map(|p| {
            serde_json::to_value(p).ok().and_then(|v| v["problem"].as_str().map(str::to_owned)).unwrap_or_default()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "empty_name",
            "invalid_key",
            "duplicate_key",
            "empty_label",
            "no_options",
            "duplicate_option",
            "min_above_max",
            "length_range",
            "section_required",
            "bad_pattern"
        ]
    );
    assert!(Template { name: "x".into(), fields: vec![] }.problems().contains(&TemplateProblem::NoFields));
    assert!(
        Template { name: "x".repeat(121), fields: vec![text("a")] }.problems().contains(&TemplateProblem::NameTooLong)
    );
}

#[test]
fn templates_round_trip_through_the_documented_json_shape() {
    let json = serde_json::json!({
        "name": "Call Disposition",
        "fields": [
            { "key": "outcome", "label": "Outcome", "kind": "dropdown", "required": true, "options": ["Yes", "Callback requested"] },
            { "key": "when", "label": "When", "kind": "date",
              "show_if": { "logic": "OR", "rules": [
                  { "field": "outcome", "operator": "equals", "value": "Callback requested" },
                  { "logic": "AND", "rules": [ { "field": "outcome", "operator": "in", "value": ["Yes"] } ] }
              ] } }
        ]
    });
    let template: Template = serde_json::from_value(json.clone()).expect("parses");
    assert_eq!(template.problems(), vec![]);
    let rule = template.fields[1].show_if.as_ref().expect("has a rule");
    assert_eq!(rule.logic, Logic::Any);
    assert!(matches!(&rule.rules[1], Rule::Group(g) if g.logic == Logic::All));
    let again: Template = serde_json::from_value(serde_json::to_value(&template).expect("serialises")).expect("parses");
    assert_eq!(again, template);
}

#[test]
fn a_taken_name_gets_the_next_free_number() {
    let taken = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    assert_eq!(Template::unused_name("Visit", &taken(&["Other"])), "Visit");
    assert_eq!(Template::unused_name("Visit ", &taken(&["Visit"])), "Visit (2)");
    assert_eq!(Template::unused_name("Visit", &taken(&["Visit", "Visit (2)", "Visit (3)"])), "Visit (4)");
    let long = "x".repeat(Template::MAX_NAME_LEN);
    let renamed = Template::unused_name(&long, &taken(&[&long]));
    assert_eq!(renamed.chars().count(), Template::MAX_NAME_LEN);
    assert!(renamed.ends_with("x (2)"), "{renamed}");
}

/// The builder names fields as the admin sees them; an API answer names them by key.
#[test]
fn problems_name_fields_by_label_in_the_builder() {
    let outcome = Field::new("outcome", "Call outcome", FieldKind::Dropdown).options(["Yes", "Yes"]);
    let shown = text("notes").show_if(RuleGroup::when("outcome", Operator::GreaterThan, 3.0));
    let unlabelled = Field::new("field_3", " ", FieldKind::ShortText);
    let template = template(vec![outcome, shown, unlabelled]);
    let problems = template.problems();
    let explained: Vec<String> = problems.iter().map(|p| template.explain(p)).collect();
    assert_eq!(
        explained,
        [
            "Field “Call outcome” lists the option “Yes” twice.",
            "Field “field_3” needs a label.",
            "Field “NOTES”: “is greater than” cannot test “Call outcome”, a dropdown field.",
        ]
    );
    assert_eq!(problems[0].to_string(), "Field “outcome” lists the option “Yes” twice.");
}
