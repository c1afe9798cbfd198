//! The hand-written decoders (see `model::tagged`) read exactly what the derived encoders write:
//! every variant survives a round trip, and bad input gets an error that names the problem.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use std::collections::BTreeSet;
use std::fmt::Debug;

use crate::model::*;

/// Encodes, decodes the bytes the way the browser does, and checks nothing changed.
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T) {
    let bytes = serde_json::to_vec(value).expect("serialises");
    let again: T = serde_json::from_slice(&bytes).expect("decodes what was encoded");
    assert_eq!(&again, value, "{}", String::from_utf8_lossy(&bytes));
}

/// Round-trips every example and checks, through `variant` (an exhaustive match, so a new
/// variant does not compile until it gets a number), that the examples cover all `count` variants.
fn round_trip_all<T: Serialize + DeserializeOwned + PartialEq + Debug>(
    examples: &[T],
    variant: fn(&T) -> usize,
    count: usize,
) {
    examples.iter().for_each(round_trip);
    let covered: BTreeSet<usize> = examples.iter().map(variant).collect();
    assert_eq!(covered, (0..count).collect(), "every variant has an example");
}

fn decode_error<T: DeserializeOwned + Debug>(json: serde_json::Value) -> String {
    match serde_json::from_slice::<T>(json.to_string().as_bytes()) {
        Ok(value) => panic!("{json} should not decode, got {value:?}"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn every_field_error_round_trips() {
    use FieldError as E;
    let examples = [
        E::Required,
        E::NotANumber,
        E::NotAnAmount,
        E::NotADate,
        E::NotAnOption { value: "Maybe".into() },
        E::NotAnEmail,
        E::NotAPhone,
        E::NotYesOrNo,
        E::TooSmall { min: 0.5 },
        E::TooLarge { max: 100.0 },
        E::TooShort { min: 3 },
        E::TooLong { max: 200 },
        E::PatternMismatch,
        E::OneValueExpected,
    ];
    round_trip_all(
        &examples,
        |e| match e {
            E::Required => 0,
            E::NotANumber => 1,
            E::NotAnAmount => 2,
            E::NotADate => 3,
            E::NotAnOption { .. } => 4,
            E::NotAnEmail => 5,
            E::NotAPhone => 6,
            E::NotYesOrNo => 7,
            E::TooSmall { .. } => 8,
            E::TooLarge { .. } => 9,
            E::TooShort { .. } => 10,
            E::TooLong { .. } => 11,
            E::PatternMismatch => 12,
            E::OneValueExpected => 13,
        },
        14,
    );
    assert_eq!(serde_json::to_value(E::TooShort { min: 3 }).ok(), Some(json!({"error": "too_short", "min": 3})));
}

#[test]
fn every_template_problem_round_trips() {
    use TemplateProblem as P;
    let field = || "phone".to_owned();
    let examples = [
        P::EmptyName,
        P::NameTooLong,
        P::NoFields,
        P::InvalidKey { field: field() },
        P::DuplicateKey { key: field() },
        P::EmptyLabel { field: field() },
        P::NoOptions { field: field() },
        P::DuplicateOption { field: field(), option: "Yes".into() },
        P::MinAboveMax { field: field() },
        P::LengthRange { field: field() },
        P::BadPattern { field: field(), reason: "unclosed group".into() },
        P::TextTooLong { field: field(), part: crate::model::template::TextPart::Help },
        P::SectionRequired { field: field() },
        P::EmptyRuleGroup { field: field() },
        P::RuleOnMissingField { field: field(), missing: "gone".into() },
        P::RuleOnSection { field: field(), controlling: "intro".into() },
        P::OperatorNotForKind {
            field: field(),
            controlling: "done".into(),
            operator: Operator::GreaterThan,
            kind: FieldKind::Checkbox,
        },
        P::BadRuleValue { field: field(), controlling: "amount".into(), reason: "needs a number".into() },
        P::RuleCycle { fields: vec!["a".into(), "b".into(), "a".into()] },
        P::TriggerMapping { field: field(), reason: "Form field “Phone” (Phone) cannot be written…".into() },
    ];
    round_trip_all(
        &examples,
        |p| match p {
            P::EmptyName => 0,
            P::NameTooLong => 1,
            P::NoFields => 2,
            P::InvalidKey { .. } => 3,
            P::DuplicateKey { .. } => 4,
            P::EmptyLabel { .. } => 5,
            P::NoOptions { .. } => 6,
            P::DuplicateOption { .. } => 7,
            P::MinAboveMax { .. } => 8,
            P::LengthRange { .. } => 9,
            P::BadPattern { .. } => 10,
            P::TextTooLong { .. } => 11,
            P::SectionRequired { .. } => 12,
            P::EmptyRuleGroup { .. } => 13,
            P::RuleOnMissingField { .. } => 14,
            P::RuleOnSection { .. } => 15,
            P::OperatorNotForKind { .. } => 16,
            P::BadRuleValue { .. } => 17,
            P::RuleCycle { .. } => 18,
            P::TriggerMapping { .. } => 19,
        },
        20,
    );
}

#[test]
fn every_trigger_problem_and_event_round_trips() {
    use TriggerProblem as P;
    let examples = [
        P::UnknownPipeline { pipeline_id: "p1".into() },
        P::UnknownStage { stage_id: "s1".into() },
        P::MoveNeedsStageTrigger,
        P::MoveToOtherPipeline { stage_id: "s9".into() },
        P::MoveToSameStage,
        P::UnknownFormField { field: "gone".into() },
        P::UnknownCrmField { crm_field_id: "cf1".into() },
        P::IncompatibleMapping {
            field: "amount".into(),
            crm_field: "Notes".into(),
            kind: "currency".into(),
            data_type: "CHECKBOX".into(),
        },
        P::CrmFieldMappedTwice { crm_field: "Notes".into() },
        P::MissingOption { field: "Outcome".into(), crm_field: "Result".into(), option: "Partially".into() },
        P::TaskTitleTooLong,
        P::AlreadyExists,
    ];
    round_trip_all(
        &examples,
        |p| match p {
            P::UnknownPipeline { .. } => 0,
            P::UnknownStage { .. } => 1,
            P::MoveNeedsStageTrigger => 2,
            P::MoveToOtherPipeline { .. } => 3,
            P::MoveToSameStage => 4,
            P::UnknownFormField { .. } => 5,
            P::UnknownCrmField { .. } => 6,
            P::IncompatibleMapping { .. } => 7,
            P::CrmFieldMappedTwice { .. } => 8,
            P::MissingOption { .. } => 9,
            P::TaskTitleTooLong => 10,
            P::AlreadyExists => 11,
        },
        12,
    );
    let stage = TriggerEvent::StageChanged { pipeline_id: "p1".into(), stage_id: "s2".into() };
    round_trip(&stage);
    round_trip(&TriggerEvent::CallCompleted);
    assert_eq!(
        serde_json::to_value(&stage).ok(),
        Some(json!({"type": "stage_changed", "pipeline_id": "p1", "stage_id": "s2"}))
    );
}

#[test]
fn every_value_round_trips() {
    let examples = [
        Value::Text("Called back".into()),
        Value::Number(-2.5),
        Value::Money(12_050),
        Value::Date(Date::parse("2026-11-21").expect("a date")),
        Value::Bool(true),
        Value::List(vec!["Red".into(), "Blue".into()]),
    ];
    round_trip_all(
        &examples,
        |v| match v {
            Value::Text(_) => 0,
            Value::Number(_) => 1,
            Value::Money(_) => 2,
            Value::Date(_) => 3,
            Value::Bool(_) => 4,
            Value::List(_) => 5,
        },
        6,
    );
    assert_eq!(serde_json::to_value(Value::Money(12_050)).ok(), Some(json!({"type": "money", "value": 12050})));
}

#[test]
fn rules_and_condition_values_round_trip() {
    let values = [
        ConditionValue::None,
        ConditionValue::Text("Yes".into()),
        ConditionValue::Number(3.0),
        ConditionValue::Bool(false),
        ConditionValue::List(vec!["A".into(), "B".into()]),
    ];
    for value in values {
        round_trip(&Rule::Condition(Condition::new("outcome", Operator::Equals, value)));
    }
    let nested = Rule::Group(RuleGroup {
        logic: Logic::Any,
        rules: vec![
            Rule::Group(RuleGroup::when("a", Operator::IsEmpty, ())),
            Rule::Condition(Condition::new("b", Operator::In, vec!["x"])),
        ],
    });
    round_trip(&nested);
}

#[test]
fn malformed_wire_data_gets_an_error_that_names_the_problem() {
    assert!(decode_error::<FieldError>(json!({"error": "too_loud"})).contains("unknown variant `too_loud`"));
    assert!(decode_error::<FieldError>(json!({"min": 3})).contains("missing field `error`"));
    assert!(decode_error::<FieldError>(json!({"error": "too_short"})).contains("missing field `min`"));
    assert!(decode_error::<FieldError>(json!({"error": "too_short", "min": 2.5})).contains("whole number"));
    assert!(decode_error::<FieldError>(json!({"error": "too_short", "min": "3"})).contains("`min` should be a number"));
    assert!(decode_error::<TemplateProblem>(json!({"problem": "operator_not_for_kind", "field": "a", "controlling": "b", "operator": "bigger", "kind": "number"})).contains("unknown variant `bigger`"));
    assert!(decode_error::<Value>(json!({"type": "date", "value": "21/11/2026"})).contains("not a date"));
    assert!(decode_error::<TriggerEvent>(json!({"type": "contact_changed"})).contains("unknown variant"));
    assert!(decode_error::<Rule>(json!({"field": "a"})).contains("a rule is either a group"));
    assert!(
        decode_error::<Rule>(json!({"rules": [], "field": "a", "operator": "equals"}))
            .contains("a rule is either a group")
    );
    assert!(decode_error::<ConditionValue>(json!({"a": 1})).contains("a string, a number"));
}

#[test]
fn answers_are_texts_or_lists_of_texts() {
    let answers: Answers = serde_json::from_str(r#"{"a": "x", "b": ["y", "z"]}"#).expect("answers");
    assert_eq!(answers["a"], Answer::One("x".into()));
    assert_eq!(answers["b"], Answer::Many(vec!["y".into(), "z".into()]));
    assert_eq!(serde_json::to_string(&answers).expect("serialises"), r#"{"a":"x","b":["y","z"]}"#);
    let refused = serde_json::from_str::<Answers>(r#"{"a": 4}"#).expect_err("a number is not an answer");
    assert!(refused.to_string().contains("an answer is a text or a list of texts"), "{refused}");
}

#[test]
fn a_form_status_has_one_name_on_the_wire_and_in_the_database() {
    for status in [FormStatus::Pending, FormStatus::Completed] {
        assert_eq!(FormStatus::parse(status.as_str()), Some(status));
        assert_eq!(serde_json::to_value(status).ok(), Some(json!(status.as_str())));
    }
    assert_eq!(FormStatus::parse("done"), None);
}

#[test]
fn a_group_left_without_logic_or_with_null_is_all_at_every_level() {
    let condition = json!({"field": "source", "operator": "equals", "value": "web"});
    for logic in [json!(null), json!("AND")] {
        let written = json!({"logic": logic, "conditions": [{"logic": logic, "conditions": [condition]}]});
        let read: RuleGroup = serde_json::from_value(written).expect("decodes");
        let inner = RuleGroup::all(vec![Rule::Condition(Condition::new("source", Operator::Equals, "web"))]);
        assert_eq!(read, RuleGroup::all(vec![Rule::Group(inner)]), "logic {logic}");
    }
    let without: RuleGroup = serde_json::from_value(json!({"conditions": []})).expect("decodes");
    assert_eq!(without.logic, Logic::All);
    assert!(decode_error::<RuleGroup>(json!({"logic": "XOR", "conditions": []})).contains("XOR"));
}
