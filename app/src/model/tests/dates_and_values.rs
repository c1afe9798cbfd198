#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use crate::model::value::answers_from_form;
use crate::model::*;

#[test]
fn dates_parse_strictly_and_roll_over() {
    assert_eq!(Date::parse("2026-11-21").map(|d| d.to_string()), Some("2026-11-21".into()));
    for bad in ["2026-13-01", "2026-04-31", "2026-1-01", "20261121", "2026-11-21T00:00", "", "abcd-ef-gh", "+026-01-01"]
    {
        assert_eq!(Date::parse(bad), None, "{bad}");
    }
    let next = |s: &str| Date::parse(s).map(|d| d.next_day().to_string());
    assert_eq!(next("2026-11-21"), Some("2026-11-22".into()));
    assert_eq!(next("2026-11-30"), Some("2026-12-01".into()));
    assert_eq!(next("2026-12-31"), Some("2027-01-01".into()));
    assert_eq!(next("2028-02-28"), Some("2028-02-29".into()));
    assert_eq!(next("2100-02-28"), Some("2100-03-01".into()));
}

#[test]
fn values_print_the_way_a_person_writes_them() {
    let us = NumberFormat::default();
    assert_eq!(us.number(5.0), "5");
    assert_eq!(us.number(2.5), "2.5");
    assert_eq!(Value::Money(-705).show(&us), "-$7.05");
    assert_eq!(Value::Bool(true).show(&us), "Yes");
    assert_eq!(Value::List(vec!["a".into(), "b".into()]).show(&us), "a, b");
    assert_eq!(Value::Text("two\n lines".into()).show(&us), "two lines");
}

/// A form posted without JavaScript becomes the answers the browser would have recorded.
#[test]
fn a_posted_html_form_becomes_answers() {
    let fields = [
        Field::new("hours", "Hours", FieldKind::Number),
        Field::new("tags", "Tags", FieldKind::MultiSelect).options(["Gas", "Water"]),
        Field::new("done", "Done", FieldKind::Checkbox),
        Field::new("head", "Head", FieldKind::Section),
        Field::new("none", "None", FieldKind::MultiSelect).options(["A"]),
    ];
    let pairs = [("hours", "1.5"), ("tags", "Gas"), ("tags", "Water"), ("done", "yes"), ("head", "x"), ("evil", "1")];
    let answers = answers_from_form(&fields, pairs.map(|(k, v)| (k.to_owned(), v.to_owned())));
    let expected: Answers = [
        ("hours".to_owned(), Answer::from("1.5")),
        ("tags".to_owned(), Answer::from(vec!["Gas", "Water"])),
        ("done".to_owned(), Answer::from("yes")),
    ]
    .into();
    assert_eq!(answers, expected);
}
