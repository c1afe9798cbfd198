#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use crate::model::value::{answers_from_form, format_number, parse_money, parse_number};
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
fn money_is_exact_cents() {
    assert_eq!(parse_money("0.1"), Some(10));
    assert_eq!(parse_money("1,234.56"), Some(123_456));
    assert_eq!(parse_money("-5"), Some(-500));
    assert_eq!(parse_money("$7.05"), Some(705));
    for bad in ["", ".5", "1.234", "1e3", "--1", "12 34", "99999999999999"] {
        assert_eq!(parse_money(bad), None, "{bad}");
    }
    assert_eq!(Value::Money(-705).to_string(), "-7.05");
}

/// A comma groups thousands and nothing else: `1,5` is someone's one and a half, and is refused
/// rather than read as 15.
#[test]
fn a_comma_is_read_only_where_it_groups_thousands() {
    let read =
        [("1,250", 1250.0), ("1,250.5", 1250.5), ("-12,345,678.25", -12_345_678.25), ("999", 999.0), ("2.5", 2.5)];
    for (text, number) in read {
        assert_eq!(parse_number(text), Some(number), "{text}");
    }
    for refused in ["1,5", "2,5", "1,25", "12,5000", ",250", "1,,250", "1,250,", "1.250,5", "1,2345", "1234,567", "-,5"]
    {
        assert_eq!(parse_number(refused), None, "{refused}");
    }
    assert_eq!(parse_money("1,250.50"), Some(125_050));
    for refused in ["1,5", "$2,50", "1,25.00"] {
        assert_eq!(parse_money(refused), None, "{refused}");
    }
    assert_eq!(
        FieldError::NotANumber.to_string(),
        "Enter a number, like 42 or 3.5 (decimals after a point; a comma only groups thousands)."
    );
}

#[test]
fn values_print_the_way_a_person_writes_them() {
    assert_eq!(format_number(5.0), "5");
    assert_eq!(format_number(2.5), "2.5");
    assert_eq!(Value::Bool(true).to_string(), "Yes");
    assert_eq!(Value::List(vec!["a".into(), "b".into()]).to_string(), "a, b");
    assert_eq!(Value::Text("two\n lines".into()).to_string(), "two lines");
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
