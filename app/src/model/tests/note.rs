#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::{answers, plan};
use crate::model::*;

#[test]
fn the_note_has_exactly_the_documented_format() {
    let plan = plan(vec![
        Field::new("outcome", "Call outcome", FieldKind::Dropdown).options(["Interested", "Callback requested"]),
        Field::new("callback", "Callback date", FieldKind::Date).show_if(RuleGroup::when(
            "outcome",
            Operator::Equals,
            "Callback requested",
        )),
        Field::new("budget", "Budget", FieldKind::Currency),
        Field::new("topics", "Topics", FieldKind::MultiSelect).options(["Price", "Timing"]),
        Field::new("hot", "Hot lead", FieldKind::Checkbox),
        Field::new("notes", "Notes", FieldKind::LongText),
        Field::new("skipped", "Not answered", FieldKind::ShortText),
    ]);
    let eval = plan.evaluate(&answers(&[
        ("outcome", "Interested".into()),
        ("callback", "2026-12-01".into()),
        ("budget", "1500".into()),
        ("topics", vec!["Timing", "Price"].into()),
        ("hot", "yes".into()),
        ("notes", "Wants a quote.\nCall after 5pm.".into()),
    ]));
    let date = Date::new(2026, 11, 21).expect("valid date");
    let note = format_note("Call Disposition", "Jane  Cooper", date, &eval.answers, &NumberFormat::default());
    assert_eq!(
        note,
        "--- OpsFlow: Call Disposition ---\n\
         Contact: Jane Cooper\n\
         Date: 2026-11-21\n\
         Call outcome: Interested\n\
         Budget: $1,500.00\n\
         Topics: Price, Timing\n\
         Hot lead: Yes\n\
         Notes: Wants a quote. Call after 5pm."
    );
    // Amounts are written as the sub-account writes them.
    let german = NumberFormat { locale: Locale::DeDe, currency: Currency::Eur };
    let note = format_note("Call Disposition", "Jane Cooper", date, &eval.answers, &german);
    assert!(note.contains("\nBudget: 1.500,00\u{a0}€\n"), "{note}");
}

#[test]
fn a_note_without_answers_still_has_its_header() {
    let date = Date::new(2027, 1, 2).expect("valid date");
    assert_eq!(
        format_note("Job Complete", "Sam", date, &[], &NumberFormat::default()),
        "--- OpsFlow: Job Complete ---\nContact: Sam\nDate: 2027-01-02"
    );
}
