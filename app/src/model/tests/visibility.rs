#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::{answers, plan, visible_keys};
use crate::model::*;

fn when(field: &str, op: Operator, value: impl Into<ConditionValue>) -> Rule {
    Rule::Condition(Condition::new(field, op, value))
}

#[test]
fn a_field_without_a_rule_is_always_shown() {
    let plan = plan(vec![Field::new("a", "A", FieldKind::ShortText)]);
    assert_eq!(visible_keys(&plan, &Answers::new()), ["a"]);
}

#[test]
fn a_conditional_field_appears_only_after_its_controlling_answer() {
    let plan = plan(vec![
        Field::new("outcome", "Outcome", FieldKind::Dropdown).options(["Yes", "Callback"]),
        Field::new("date", "Date", FieldKind::Date).show_if(RuleGroup::when("outcome", Operator::Equals, "Callback")),
    ]);
    assert_eq!(visible_keys(&plan, &Answers::new()), ["outcome"]);
    assert_eq!(visible_keys(&plan, &answers(&[("outcome", "Yes".into())])), ["outcome"]);
    assert_eq!(visible_keys(&plan, &answers(&[("outcome", "Callback".into())])), ["outcome", "date"]);
}

#[test]
fn nested_groups_combine_and_with_or() {
    // show when a = "x" OR (b > 5 AND c is not empty)
    let plan = plan(vec![
        Field::new("a", "A", FieldKind::ShortText),
        Field::new("b", "B", FieldKind::Number),
        Field::new("c", "C", FieldKind::ShortText),
        Field::new("d", "D", FieldKind::ShortText).show_if(RuleGroup::any(vec![
            when("a", Operator::Equals, "x"),
            Rule::Group(RuleGroup::all(vec![
                when("b", Operator::GreaterThan, 5.0),
                when("c", Operator::IsNotEmpty, ()),
            ])),
        ])),
    ]);
    let shows = |pairs: &[(&str, Answer)]| visible_keys(&plan, &answers(pairs)).contains(&"d".to_owned());
    assert!(!shows(&[]));
    assert!(shows(&[("a", "X".into())]), "text comparison ignores case");
    assert!(!shows(&[("b", "6".into())]), "the AND group needs c too");
    assert!(shows(&[("b", "6".into()), ("c", "hi".into())]));
    assert!(!shows(&[("b", "5".into()), ("c", "hi".into())]), "greater_than is strict");
    assert!(shows(&[("a", "x".into()), ("b", "1".into())]), "the OR holds on its first branch alone");
}

#[test]
fn hiding_a_field_hides_every_field_that_depends_on_it() {
    // a → b → c, and c's own rule would hold on b's stale answer.
    let plan = plan(vec![
        Field::new("a", "A", FieldKind::Checkbox),
        Field::new("b", "B", FieldKind::ShortText).show_if(RuleGroup::when("a", Operator::Equals, "yes")),
        Field::new("c", "C", FieldKind::ShortText).show_if(RuleGroup::when("b", Operator::Equals, "go")),
        Field::new("d", "D", FieldKind::ShortText).show_if(RuleGroup::when("b", Operator::IsEmpty, ())),
    ]);
    assert_eq!(visible_keys(&plan, &answers(&[("a", "yes".into()), ("b", "go".into())])), ["a", "b", "c"]);
    assert_eq!(
        visible_keys(&plan, &answers(&[("a", "no".into()), ("b", "go".into())])),
        ["a"],
        "b is hidden, so c and even `b is empty` (d) are hidden"
    );
}

#[test]
fn rules_may_point_at_later_fields() {
    let plan = plan(vec![
        Field::new("late", "Late", FieldKind::ShortText).show_if(RuleGroup::when("early", Operator::Equals, "1")),
        Field::new("early", "Early", FieldKind::Number),
    ]);
    assert_eq!(visible_keys(&plan, &answers(&[("early", "1".into())])), ["late", "early"]);
}

#[test]
fn an_invalid_controlling_answer_counts_as_unanswered() {
    let plan = plan(vec![
        Field::new("n", "N", FieldKind::Number),
        Field::new("big", "Big", FieldKind::ShortText).show_if(RuleGroup::when("n", Operator::GreaterThan, 10.0)),
        Field::new("none", "None", FieldKind::ShortText).show_if(RuleGroup::when("n", Operator::IsEmpty, ())),
    ]);
    assert_eq!(visible_keys(&plan, &answers(&[("n", "lots".into())])), ["n", "none"]);
}

#[test]
fn evaluate_and_visibility_agree() {
    let plan = plan(crate::model::starter::starter_templates().remove(2).fields);
    let cases = [
        answers(&[("attendance", "No-show".into())]),
        answers(&[("attendance", "Rescheduled".into()), ("reschedule_reason", "The PRICE was high".into())]),
        answers(&[("attendance", "Rescheduled".into()), ("reschedule_reason", "holiday".into())]),
        answers(&[("attendance", "Attended".into())]),
    ];
    let discount = plan.template().fields.iter().position(|f| f.key == "offer_discount").unwrap_or(usize::MAX);
    let shown: Vec<bool> = cases.iter().map(|a| plan.evaluate(a).is_visible(discount)).collect();
    assert_eq!(shown, [true, true, false, false]);
    for case in &cases {
        assert_eq!(plan.visibility(case), plan.evaluate(case).visible);
    }
}

/// Without JavaScript every conditional field is shown, with its rule in words.
#[test]
fn a_rule_reads_as_a_sentence() {
    let group = RuleGroup::all(vec![
        when("outcome", Operator::Equals, "No"),
        Rule::Group(RuleGroup::any(vec![
            when("hours", Operator::GreaterThan, 4.0),
            when("notes", Operator::IsEmpty, ConditionValue::None),
        ])),
        when("tags", Operator::In, ConditionValue::List(vec!["Gas".into(), "Water".into()])),
    ]);
    let fields = [
        Field::new("outcome", "Outcome", FieldKind::Dropdown).options(["Yes", "No"]),
        Field::new("hours", "Hours", FieldKind::Number),
        Field::new("notes", "Notes", FieldKind::LongText),
    ];
    assert_eq!(
        group.describe(&fields, &NumberFormat::default()),
        "“Outcome” equals “No” and (“Hours” is greater than “4” or “Notes” is empty) and “tags” is one of “Gas”, “Water”"
    );
    let budget =
        RuleGroup::all(vec![when("hours", Operator::GreaterThan, 8.5), when("budget", Operator::LessThan, "1000")]);
    let fields = [Field::new("hours", "Hours", FieldKind::Number), Field::new("budget", "Budget", FieldKind::Currency)];
    let german = NumberFormat { locale: Locale::DeDe, currency: Currency::Eur };
    assert_eq!(
        budget.describe(&fields, &german),
        "“Hours” is greater than “8,5” and “Budget” is less than “1.000,00\u{a0}€”",
        "numbers as the sub-account writes them"
    );
}
