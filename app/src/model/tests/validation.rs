#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::{answers, plan};
use crate::model::*;

fn error_for(field: Field, answer: &str) -> Option<FieldError> {
    let key = field.key.clone();
    let plan = plan(vec![field]);
    plan.evaluate(&answers(&[(key.as_str(), answer.into())])).errors.remove(&key)
}

#[test]
fn required_fields_need_an_answer() {
    let field = || Field::new("a", "A", FieldKind::ShortText).required();
    assert_eq!(error_for(field(), ""), Some(FieldError::Required));
    assert_eq!(error_for(field(), "   "), Some(FieldError::Required));
    assert_eq!(error_for(field(), "x"), None);
    let consent = || Field::new("ok", "I confirm", FieldKind::Checkbox).required();
    assert_eq!(error_for(consent(), ""), Some(FieldError::Required), "a required checkbox must be ticked");
    assert_eq!(error_for(consent(), "yes"), None);
    let multi = Field::new("m", "M", FieldKind::MultiSelect).options(["a"]).required();
    let plan = plan(vec![multi]);
    assert_eq!(plan.evaluate(&answers(&[("m", Answer::Many(vec![]))])).errors.get("m"), Some(&FieldError::Required));
}

#[test]
fn values_must_have_the_shape_of_their_kind() {
    assert_eq!(error_for(Field::new("n", "N", FieldKind::Number), "12a"), Some(FieldError::NotANumber));
    assert_eq!(error_for(Field::new("n", "N", FieldKind::Number), "1e400"), Some(FieldError::NotANumber));
    assert_eq!(error_for(Field::new("n", "N", FieldKind::Number), "-3.25"), None);
    // "2,5" is two and a half to half the world: not 25 (which "Enter 24 or less" implied).
    let hours = || Field::new("hours", "Hours on site", FieldKind::Number).range(None, Some(24.0));
    assert_eq!(error_for(hours(), "2,5"), Some(FieldError::NotANumber));
    assert_eq!(error_for(hours(), "1,5"), Some(FieldError::NotANumber));
    assert_eq!(error_for(Field::new("c", "C", FieldKind::Currency), "9.999"), Some(FieldError::NotAnAmount));
    assert_eq!(error_for(Field::new("c", "C", FieldKind::Currency), "$1,000.5"), None);
    assert_eq!(error_for(Field::new("d", "D", FieldKind::Date), "2026-02-29"), Some(FieldError::NotADate));
    assert_eq!(error_for(Field::new("d", "D", FieldKind::Date), "2028-02-29"), None);
    assert_eq!(error_for(Field::new("d", "D", FieldKind::Date), "15/03/2026"), Some(FieldError::NotADate));
    assert_eq!(error_for(Field::new("e", "E", FieldKind::Email), "ann@example"), Some(FieldError::NotAnEmail));
    assert_eq!(error_for(Field::new("e", "E", FieldKind::Email), "ann example.com"), Some(FieldError::NotAnEmail));
    assert_eq!(error_for(Field::new("e", "E", FieldKind::Email), "ann.lee@mail.example.com"), None);
    assert_eq!(error_for(Field::new("p", "P", FieldKind::Phone), "555-01"), Some(FieldError::NotAPhone));
    assert_eq!(error_for(Field::new("p", "P", FieldKind::Phone), "12+345678"), Some(FieldError::NotAPhone));
    assert_eq!(error_for(Field::new("p", "P", FieldKind::Phone), "+1 (555) 010-0199"), None);
    assert_eq!(error_for(Field::new("b", "B", FieldKind::Checkbox), "maybe"), Some(FieldError::NotYesOrNo));
}

#[test]
fn choices_must_be_options() {
    let dropdown = || Field::new("d", "D", FieldKind::Dropdown).options(["Red", "Green"]);
    assert_eq!(error_for(dropdown(), "Purple"), Some(FieldError::NotAnOption { value: "Purple".into() }));
    assert_eq!(error_for(dropdown(), "Green"), None);
    let plan = plan(vec![Field::new("m", "M", FieldKind::MultiSelect).options(["Red", "Green"])]);
    let eval = plan.evaluate(&answers(&[("m", vec!["Green", "Pink"].into())]));
    assert_eq!(eval.errors.get("m"), Some(&FieldError::NotAnOption { value: "Pink".into() }));
    let plan2 = plan_radio();
    let eval = plan2.evaluate(&answers(&[("r", vec!["A", "B"].into())]));
    assert_eq!(eval.errors.get("r"), Some(&FieldError::OneValueExpected));
}

fn plan_radio() -> FormPlan {
    plan(vec![Field::new("r", "R", FieldKind::Radio).options(["A", "B"])])
}

#[test]
fn ranges_lengths_and_patterns() {
    let number = || Field::new("n", "N", FieldKind::Number).range(Some(1.0), Some(10.0));
    assert_eq!(error_for(number(), "0"), Some(FieldError::TooSmall { min: 1.0 }));
    assert_eq!(error_for(number(), "10.5"), Some(FieldError::TooLarge { max: 10.0 }));
    assert_eq!(error_for(number(), "10"), None);
    let money = || Field::new("c", "C", FieldKind::Currency).range(Some(0.0), None);
    assert_eq!(error_for(money(), "-0.01"), Some(FieldError::TooSmall { min: 0.0 }));
    let text = || Field::new("t", "T", FieldKind::ShortText).length(Some(2), Some(4));
    assert_eq!(error_for(text(), "a"), Some(FieldError::TooShort { min: 2 }));
    assert_eq!(error_for(text(), "abcde"), Some(FieldError::TooLong { max: 4 }));
    assert_eq!(error_for(text(), "äöü"), None, "length counts characters, not bytes");
    let code = || Field::new("t", "T", FieldKind::ShortText).pattern("[A-Z]{3}-[0-9]+");
    assert_eq!(error_for(code(), "ABC-12"), None);
    assert_eq!(error_for(code(), "xABC-12"), Some(FieldError::PatternMismatch), "patterns match the whole answer");
    assert_eq!(error_for(code(), "abc-12"), Some(FieldError::PatternMismatch));
}

/// A pattern can carry the admin's own message; every other error keeps the model's words.
#[test]
fn a_pattern_speaks_in_the_admins_words() {
    let mut job = Field::new("job", "Job number", FieldKind::ShortText).pattern("JOB-[0-9]{4}");
    assert_eq!(
        job.error_text(&FieldError::PatternMismatch, &NumberFormat::default()),
        FieldError::PatternMismatch.describe(&NumberFormat::default()),
        "no message: the generic sentence"
    );
    job.pattern_message = Some("Enter the job number, like JOB-1234.".into());
    assert_eq!(
        job.error_text(&FieldError::PatternMismatch, &NumberFormat::default()),
        "Enter the job number, like JOB-1234."
    );
    assert_eq!(job.error_text(&FieldError::Required, &NumberFormat::default()), "This field is required.");
    job.pattern_message = Some("m".repeat(201));
    let template = Template { name: "T".into(), fields: vec![job] };
    assert_eq!(
        template.problems(),
        vec![TemplateProblem::TextTooLong {
            field: "job".into(),
            part: crate::model::template::TextPart::PatternMessage
        }]
    );
}

#[test]
fn hidden_fields_are_never_validated_nor_kept() {
    let plan = plan(vec![
        Field::new("outcome", "Outcome", FieldKind::Radio).options(["Done", "Callback"]).required(),
        Field::new("date", "Callback date", FieldKind::Date).required().show_if(RuleGroup::when(
            "outcome",
            Operator::Equals,
            "Callback",
        )),
    ]);
    let done = plan.evaluate(&answers(&[("outcome", "Done".into()), ("date", "not a date".into())]));
    assert!(done.is_valid(), "{:?}", done.errors);
    assert_eq!(done.answers.iter().map(|a| a.key.as_str()).collect::<Vec<_>>(), ["outcome"]);
    let callback = plan.evaluate(&answers(&[("outcome", "Callback".into())]));
    assert_eq!(callback.errors.get("date"), Some(&FieldError::Required));
}

#[test]
fn cleaning_keeps_visible_answered_fields_in_template_order() {
    let plan = plan(vec![
        Field::new("intro", "Intro", FieldKind::Section),
        Field::new("b", "B", FieldKind::ShortText),
        Field::new("a", "A", FieldKind::MultiSelect).options(["x", "y", "z"]),
        Field::new("c", "C", FieldKind::Number),
        Field::new("ok", "OK", FieldKind::Checkbox),
        Field::new("money", "Money", FieldKind::Currency),
    ]);
    let eval = plan.evaluate(&answers(&[
        ("a", vec!["z", "x", "z"].into()),
        ("b", "  hi  ".into()),
        ("money", "1,000.5".into()),
        ("unknown", "ignored".into()),
    ]));
    assert!(eval.is_valid());
    let clean: Vec<(&str, Value)> = eval.answers.iter().map(|a| (a.key.as_str(), a.value.clone())).collect();
    assert_eq!(
        clean,
        vec![
            ("b", Value::Text("hi".into())),
            ("a", Value::List(vec!["x".into(), "z".into()])),
            ("ok", Value::Bool(false)),
            ("money", Value::Money(100_050)),
        ]
    );
}

#[test]
fn error_messages_say_what_to_do() {
    assert_eq!(FieldError::Required.describe(&NumberFormat::default()), "This field is required.");
    assert_eq!(FieldError::TooLarge { max: 10.0 }.describe(&NumberFormat::default()), "Enter 10 or less.");
    assert_eq!(
        FieldError::NotAnOption { value: "Pink".into() }.describe(&NumberFormat::default()),
        "“Pink” is not one of the choices."
    );
}
