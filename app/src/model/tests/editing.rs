#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use crate::model::editing::*;
use crate::model::field::is_valid_key;
use crate::model::*;

fn keys(fields: &[Field]) -> Vec<&str> {
    fields.iter().map(|f| f.key.as_str()).collect()
}

fn fields(keys: &[&str]) -> Vec<Field> {
    keys.iter().map(|k| Field::new(*k, k.to_uppercase(), FieldKind::ShortText)).collect()
}

#[test]
fn keys_come_from_labels_and_never_clash() {
    let none: Vec<Field> = Vec::new();
    assert_eq!(key_from_label("Call outcome?", &none), "call_outcome");
    assert_eq!(key_from_label("  Hours on site (total) ", &none), "hours_on_site_total");
    assert_eq!(key_from_label("1st visit", &none), "f_1st_visit");
    assert_eq!(key_from_label("¿¡!", &none), "field");
    assert_eq!(key_from_label("", &none), "field");
    assert_eq!(key_from_label("Café visit", &none), "caf_visit");
    let long = key_from_label(&"word ".repeat(40), &none);
    assert!(is_valid_key(&long) && long.len() <= 56 && !long.ends_with('_'), "{long}");

    let taken = fields(&["call_outcome", "call_outcome_2"]);
    assert_eq!(key_from_label("Call outcome", &taken), "call_outcome_3");
    for label in ["Call outcome", "1", "", "Ünïcode only", "a__b"] {
        let key = key_from_label(label, &taken);
        assert!(is_valid_key(&key), "{label:?} → {key:?}");
    }
}

#[test]
fn the_palette_inserts_at_any_position_with_fresh_keys() {
    let mut list = fields(&["a", "b"]);
    assert_eq!(insert_field(&mut list, 1, FieldKind::Dropdown), 1);
    assert_eq!(insert_field(&mut list, 99, FieldKind::Dropdown), 3);
    assert_eq!(insert_field(&mut list, 0, FieldKind::Date), 0);
    assert_eq!(keys(&list), ["date", "a", "dropdown", "b", "dropdown_2"]);
    assert_eq!(list[2].label, "Dropdown");
    assert_eq!(list[2].options, ["Option 1", "Option 2"], "a choice field starts usable");
    assert!(list[0].options.is_empty());
    let template = Template { name: "T".into(), fields: list };
    assert_eq!(template.problems(), vec![], "inserted fields make a sound template");
}

#[test]
fn fields_move_to_the_position_asked_for() {
    let mut list = fields(&["a", "b", "c", "d"]);
    assert!(move_field(&mut list, 0, 2));
    assert_eq!(keys(&list), ["b", "c", "a", "d"]);
    assert!(move_field(&mut list, 3, 0));
    assert_eq!(keys(&list), ["d", "b", "c", "a"]);
    assert!(move_field(&mut list, 1, 99), "past the end means last");
    assert_eq!(keys(&list), ["d", "c", "a", "b"]);
    assert!(!move_field(&mut list, 2, 2));
    assert!(!move_field(&mut list, 9, 0));
    assert_eq!(keys(&list), ["d", "c", "a", "b"]);
}

#[test]
fn removing_a_controlling_field_leaves_the_rule_for_the_check_to_report() {
    let mut list = fields(&["a", "b"]);
    list[1].show_if = Some(RuleGroup::when("a", Operator::IsNotEmpty, ()));
    assert_eq!(remove_field(&mut list, 0).map(|f| f.key), Some("a".to_owned()));
    assert_eq!(remove_field(&mut list, 5), None);
    let template = Template { name: "T".into(), fields: list };
    assert_eq!(
        template.problems(),
        vec![TemplateProblem::RuleOnMissingField { field: "b".into(), missing: "a".into() }]
    );
}

#[test]
fn a_duplicate_follows_its_original_with_a_new_key() {
    let mut list = fields(&["a", "b"]);
    list[0].required = true;
    assert_eq!(duplicate_field(&mut list, 0), Some(1));
    assert_eq!(duplicate_field(&mut list, 0), Some(1));
    assert_eq!(keys(&list), ["a", "a_copy_2", "a_copy", "b"]);
    assert_eq!(list[1].label, "A (copy)");
    assert!(list[1].required);
    assert_eq!(duplicate_field(&mut list, 9), None);
}

#[test]
fn renaming_a_key_updates_the_rules_that_use_it() {
    let mut list = fields(&["outcome", "callback", "notes"]);
    let nested = RuleGroup::any(vec![
        Rule::Condition(Condition::new("outcome", Operator::Equals, "Callback")),
        Rule::Group(RuleGroup::all(vec![Rule::Condition(Condition::new("outcome", Operator::IsNotEmpty, ()))])),
    ]);
    list[1].show_if = Some(nested);
    list[2].show_if = Some(RuleGroup::when("callback", Operator::IsNotEmpty, ()));

    assert_eq!(rename_key(&mut list, 0, "call_outcome"), Ok(()));
    assert_eq!(list[0].key, "call_outcome");
    let conditions: Vec<&str> =
        list[1].show_if.as_ref().map(|g| g.conditions().iter().map(|c| c.field.as_str()).collect()).unwrap_or_default();
    assert_eq!(conditions, ["call_outcome", "call_outcome"]);
    assert_eq!(list[2].show_if.as_ref().map(|g| g.conditions()[0].field.clone()), Some("callback".into()));

    assert_eq!(rename_key(&mut list, 0, "callback"), Err(KeyError::Taken));
    assert_eq!(rename_key(&mut list, 0, "Call Outcome"), Err(KeyError::Invalid));
    assert_eq!(rename_key(&mut list, 0, "call_outcome"), Ok(()), "keeping the key is fine");
    assert_eq!(list[0].key, "call_outcome", "a refused key changes nothing");
    let template = Template { name: "T".into(), fields: list };
    assert_eq!(template.problems(), vec![]);
}

#[test]
fn undo_and_redo_walk_the_edits_back_and_forth() {
    let mut history = History::new(2);
    let mut state = 1;
    assert!(!history.can_undo() && !history.undo(&mut state));
    for next in [2, 3, 4] {
        history.record(state);
        state = next;
    }
    assert!(history.undo(&mut state));
    assert_eq!(state, 3);
    assert!(history.undo(&mut state));
    assert_eq!(state, 2);
    assert!(!history.undo(&mut state), "only the last two edits are kept");
    assert!(history.redo(&mut state));
    assert_eq!(state, 3);
    history.record(state);
    state = 10;
    assert!(!history.can_redo(), "a new edit ends the redo trail");
    assert!(history.undo(&mut state));
    assert_eq!(state, 3);
}
