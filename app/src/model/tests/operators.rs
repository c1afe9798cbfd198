#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::{answers, plan};
use crate::model::*;

const OPTIONS: [&str; 3] = ["Red", "Green", "Blue"];

fn controlling(kind: FieldKind) -> Field {
    let field = Field::new("x", "X", kind);
    if kind.has_options() { field.options(OPTIONS) } else { field }
}

/// Whether "show y when x <op> <value>" shows y for the answer.
fn holds(kind: FieldKind, answer: Option<Answer>, op: Operator, value: ConditionValue) -> bool {
    let plan = plan(vec![
        controlling(kind),
        Field::new("y", "Y", FieldKind::ShortText).show_if(RuleGroup::all(vec![Rule::Condition(Condition {
            field: "x".to_owned(),
            operator: op,
            value,
        })])),
    ]);
    let given = answer.map(|a| answers(&[("x", a)])).unwrap_or_default();
    plan.visibility(&given)[1]
}

fn t(s: &str) -> ConditionValue {
    ConditionValue::Text(s.to_owned())
}
fn n(x: f64) -> ConditionValue {
    ConditionValue::Number(x)
}
fn l(items: &[&str]) -> ConditionValue {
    ConditionValue::List(items.iter().map(|s| (*s).to_owned()).collect())
}
fn none() -> ConditionValue {
    ConditionValue::None
}

#[test]
fn each_kind_offers_exactly_its_operators() {
    use Operator as O;
    let text_ops = vec![
        O::Equals,
        O::NotEquals,
        O::Contains,
        O::NotContains,
        O::StartsWith,
        O::IsEmpty,
        O::IsNotEmpty,
        O::In,
        O::NotIn,
    ];
    let number_ops = vec![
        O::Equals,
        O::NotEquals,
        O::IsEmpty,
        O::IsNotEmpty,
        O::GreaterThan,
        O::LessThan,
        O::GreaterOrEqual,
        O::LessOrEqual,
        O::In,
        O::NotIn,
    ];
    let expected: Vec<(FieldKind, Vec<Operator>)> = vec![
        (FieldKind::ShortText, text_ops.clone()),
        (FieldKind::LongText, text_ops.clone()),
        (FieldKind::Phone, text_ops.clone()),
        (FieldKind::Email, text_ops.clone()),
        (FieldKind::Dropdown, text_ops.clone()),
        (FieldKind::Radio, text_ops),
        (FieldKind::Number, number_ops.clone()),
        (FieldKind::Currency, number_ops),
        (
            FieldKind::Date,
            vec![
                O::Equals,
                O::NotEquals,
                O::IsEmpty,
                O::IsNotEmpty,
                O::GreaterThan,
                O::LessThan,
                O::GreaterOrEqual,
                O::LessOrEqual,
            ],
        ),
        (
            FieldKind::MultiSelect,
            vec![O::Equals, O::NotEquals, O::Contains, O::NotContains, O::IsEmpty, O::IsNotEmpty, O::In, O::NotIn],
        ),
        (FieldKind::Checkbox, vec![O::Equals, O::NotEquals, O::IsEmpty, O::IsNotEmpty]),
        (FieldKind::Section, vec![]),
    ];
    assert_eq!(expected.len(), FieldKind::ALL.len());
    for (kind, ops) in expected {
        assert_eq!(Operator::for_kind(kind).collect::<Vec<_>>(), ops, "{kind:?}");
    }
}

#[test]
fn an_operator_that_does_not_apply_is_a_template_problem() {
    for kind in FieldKind::ALL {
        for op in Operator::ALL.into_iter().filter(|op| !op.applies_to(kind)) {
            let template = Template {
                name: "T".into(),
                fields: vec![
                    controlling(kind),
                    Field::new("y", "Y", FieldKind::ShortText).show_if(RuleGroup::when("x", op, "1")),
                ],
            };
            let problems = template.problems();
            let expected = if kind == FieldKind::Section {
                TemplateProblem::RuleOnSection { field: "y".into(), controlling: "x".into() }
            } else {
                TemplateProblem::OperatorNotForKind { field: "y".into(), controlling: "x".into(), operator: op, kind }
            };
            assert_eq!(problems, vec![expected], "{kind:?} {op:?}");
        }
    }
}

/// (kind, answer, operator, value, expected) — every operator on every kind it applies to.
#[test]
fn every_operator_on_every_kind() {
    use FieldKind as K;
    use Operator as O;
    let one = |s: &str| Some(Answer::One(s.to_owned()));
    let many = |items: &[&str]| Some(Answer::Many(items.iter().map(|s| (*s).to_owned()).collect()));
    let cases: Vec<(K, Option<Answer>, O, ConditionValue, bool)> = vec![
        // Free text: comparisons ignore case and surrounding spaces.
        (K::ShortText, one(" Hello World "), O::Equals, t("hello world"), true),
        (K::ShortText, one("Hello World"), O::Equals, t("hello"), false),
        (K::ShortText, one("Hello World"), O::NotEquals, t("hello"), true),
        (K::ShortText, one("Hello World"), O::Contains, t("WORLD"), true),
        (K::ShortText, one("Hello World"), O::NotContains, t("world"), false),
        (K::ShortText, one("Hello World"), O::StartsWith, t("hel"), true),
        (K::ShortText, one("Hello World"), O::StartsWith, t("world"), false),
        (K::ShortText, one("Hello World"), O::IsEmpty, none(), false),
        (K::ShortText, one("   "), O::IsEmpty, none(), true),
        (K::ShortText, one("Hello World"), O::IsNotEmpty, none(), true),
        (K::ShortText, one("b"), O::In, l(&["a", "B"]), true),
        (K::ShortText, one("c"), O::NotIn, l(&["a", "b"]), true),
        (K::LongText, one("line one\nline two"), O::Contains, t("two"), true),
        (K::LongText, one("line one"), O::Equals, t("line one"), true),
        (K::LongText, None, O::IsEmpty, none(), true),
        (K::Phone, one("+1 555 010 0199"), O::StartsWith, t("+1"), true),
        (K::Phone, one("+1 555 010 0199"), O::Equals, t("+1 555 010 0199"), true),
        (K::Phone, one("not a phone"), O::IsNotEmpty, none(), false),
        (K::Email, one("Ann@Example.com"), O::Equals, t("ann@example.com"), true),
        (K::Email, one("ann@example.com"), O::Contains, t("@example"), true),
        (K::Email, one("ann@example.com"), O::NotIn, l(&["bob@example.com"]), true),
        // Single choice: values must be options, but may differ in case.
        (K::Dropdown, one("Green"), O::Equals, t("green"), true),
        (K::Dropdown, one("Green"), O::NotEquals, t("Red"), true),
        (K::Dropdown, one("Green"), O::Contains, t("ree"), true),
        (K::Dropdown, one("Green"), O::NotContains, t("ed"), true),
        (K::Dropdown, one("Green"), O::StartsWith, t("gr"), true),
        (K::Dropdown, one("Green"), O::In, l(&["Red", "Green"]), true),
        (K::Dropdown, one("Green"), O::NotIn, l(&["Red"]), true),
        (K::Dropdown, None, O::IsEmpty, none(), true),
        (K::Dropdown, one("Green"), O::IsNotEmpty, none(), true),
        (K::Radio, one("Blue"), O::Equals, t("Blue"), true),
        (K::Radio, one("Blue"), O::In, l(&["Red"]), false),
        (K::Radio, None, O::NotEquals, t("Blue"), true),
        // Numbers compare numerically.
        (K::Number, one("7.5"), O::Equals, n(7.5), true),
        (K::Number, one("7.5"), O::NotEquals, n(7.0), true),
        (K::Number, one("7.5"), O::GreaterThan, n(7.0), true),
        (K::Number, one("10"), O::GreaterThan, n(9.0), true),
        (K::Number, one("7.5"), O::LessThan, n(8.0), true),
        (K::Number, one("7.5"), O::GreaterOrEqual, n(7.5), true),
        (K::Number, one("7.5"), O::LessOrEqual, n(7.4), false),
        (K::Number, one("7.5"), O::In, l(&["1", "7.5"]), true),
        (K::Number, one("7.5"), O::NotIn, l(&["1"]), true),
        (K::Number, one("0"), O::IsEmpty, none(), false),
        (K::Number, None, O::GreaterThan, n(-1.0), false),
        (K::Number, None, O::LessThan, n(1.0), false),
        (K::Currency, one("1,250.50"), O::Equals, t("1250.5"), true),
        (K::Currency, one("1250.50"), O::GreaterThan, n(1000.0), true),
        (K::Currency, one("1250.50"), O::LessThan, n(1250.5), false),
        (K::Currency, one("$99"), O::LessOrEqual, n(99.0), true),
        (K::Currency, one("99"), O::GreaterOrEqual, n(99.01), false),
        (K::Currency, one("99"), O::In, l(&["99.00"]), true),
        (K::Currency, None, O::IsNotEmpty, none(), false),
        // Dates compare on the calendar.
        (K::Date, one("2026-03-15"), O::Equals, t("2026-03-15"), true),
        (K::Date, one("2026-03-15"), O::NotEquals, t("2026-01-01"), true),
        (K::Date, one("2026-03-15"), O::GreaterThan, t("2026-03-14"), true),
        (K::Date, one("2026-03-15"), O::LessThan, t("2026-03-14"), false),
        (K::Date, one("2026-03-15"), O::GreaterOrEqual, t("2026-03-15"), true),
        (K::Date, one("2026-03-15"), O::LessOrEqual, t("2026-12-31"), true),
        (K::Date, one("2026-02-30"), O::IsEmpty, none(), true),
        (K::Date, one("2026-03-15"), O::IsNotEmpty, none(), true),
        // Multi-select: contains = has this option; in = has any of; equals = exactly these.
        (K::MultiSelect, many(&["Blue", "Red"]), O::Equals, l(&["red", "blue"]), true),
        (K::MultiSelect, many(&["Blue", "Red"]), O::Equals, l(&["Red"]), false),
        (K::MultiSelect, many(&["Blue", "Red"]), O::NotEquals, l(&["Red"]), true),
        (K::MultiSelect, many(&["Blue", "Red"]), O::Contains, t("Green"), false),
        (K::MultiSelect, many(&["Blue", "Red"]), O::Contains, t("blue"), true),
        (K::MultiSelect, many(&["Blue", "Red"]), O::NotContains, t("Green"), true),
        (K::MultiSelect, many(&["Blue"]), O::In, l(&["Green", "Blue"]), true),
        (K::MultiSelect, many(&["Blue"]), O::NotIn, l(&["Green"]), true),
        (K::MultiSelect, many(&[]), O::IsEmpty, none(), true),
        (K::MultiSelect, one("Red"), O::IsNotEmpty, none(), true),
        (K::LongText, one("line one"), O::NotEquals, t("line two"), true),
        (K::LongText, one("line one"), O::NotContains, t("ONE"), false),
        (K::LongText, one("line one"), O::StartsWith, t("line"), true),
        (K::LongText, one("x"), O::IsNotEmpty, none(), true),
        (K::LongText, one("yes"), O::In, l(&["no", "yes"]), true),
        (K::LongText, one("yes"), O::NotIn, l(&["yes"]), false),
        (K::Number, one("-2"), O::IsNotEmpty, none(), true),
        (K::Currency, one("10"), O::NotEquals, n(10.0), false),
        (K::Currency, None, O::IsEmpty, none(), true),
        (K::Currency, one("10.5"), O::NotIn, l(&["10", "11"]), true),
        (K::Radio, one("Blue"), O::Contains, t("LU"), true),
        (K::Radio, one("Blue"), O::NotContains, t("lu"), false),
        (K::Radio, one("Blue"), O::StartsWith, t("b"), true),
        (K::Radio, one("Blue"), O::IsEmpty, none(), false),
        (K::Radio, one("Blue"), O::IsNotEmpty, none(), true),
        (K::Radio, None, O::NotIn, l(&["Blue"]), true),
        (K::Phone, one("555 0100 199"), O::NotEquals, t("555 0100 199"), false),
        (K::Phone, one("555 0100 199"), O::Contains, t("0100"), true),
        (K::Phone, one("555 0100 199"), O::NotContains, t("0100"), false),
        (K::Phone, None, O::IsEmpty, none(), true),
        (K::Phone, one("5550100199"), O::In, l(&["5550100199"]), true),
        (K::Phone, one("5550100199"), O::NotIn, l(&["5550100199"]), false),
        (K::Email, one("a@b.co"), O::NotEquals, t("c@d.co"), true),
        (K::Email, one("a@b.co"), O::NotContains, t("@b."), false),
        (K::Email, one("a@b.co"), O::StartsWith, t("A@"), true),
        (K::Email, one("not-an-email"), O::IsEmpty, none(), true),
        (K::Email, one("a@b.co"), O::IsNotEmpty, none(), true),
        (K::Email, one("a@b.co"), O::In, l(&["x@y.z", "A@B.CO"]), true),
        // A checkbox is always answered: unticked means "no".
        (K::Checkbox, one("yes"), O::Equals, t("yes"), true),
        (K::Checkbox, one("on"), O::Equals, ConditionValue::Bool(true), true),
        (K::Checkbox, None, O::Equals, t("no"), true),
        (K::Checkbox, one("yes"), O::NotEquals, t("no"), true),
        (K::Checkbox, None, O::IsEmpty, none(), true),
        (K::Checkbox, one("yes"), O::IsNotEmpty, none(), true),
    ];
    let mut covered = std::collections::HashSet::new();
    for (kind, answer, op, value, expected) in cases {
        covered.insert((kind, op));
        assert_eq!(holds(kind, answer.clone(), op, value.clone()), expected, "{kind:?} {answer:?} {op:?} {value:?}");
    }
    for kind in FieldKind::ALL {
        for op in Operator::for_kind(kind) {
            assert!(covered.contains(&(kind, op)), "no case for {kind:?} {op:?}");
        }
    }
}

#[test]
fn negative_operators_are_exact_negations_even_when_unanswered() {
    use Operator as O;
    for (positive, negative, value) in
        [(O::Equals, O::NotEquals, t("a")), (O::Contains, O::NotContains, t("a")), (O::In, O::NotIn, l(&["a"]))]
    {
        for answer in [None, Some(Answer::One("a".into())), Some(Answer::One("b".into()))] {
            assert_ne!(
                holds(FieldKind::ShortText, answer.clone(), positive, value.clone()),
                holds(FieldKind::ShortText, answer, negative, value.clone())
            );
        }
    }
}
