//! The `form_submitted` event: a form staff submitted in the inbox, as the workflows it starts
//! read it — the form's `id`, its template, its contact, who submitted it and when, and its
//! answers by field key (`answers.<key>`). Only the answers the rule engine kept are there: a
//! hidden field's answer never is, nor an unanswered field's.
//!
//! A workflow names an answer by its field's key, which any template of the sub-account may
//! have; the answer compares as that field's kind (a number as a number, a date as a date). Which
//! keys there are, and their kinds, come from the sub-account's templates when the workflow is
//! saved ([`answer_fields`]), and stay with the saved version as custom fields do: a template
//! changed later does not change what a saved filter means.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};
use std::collections::BTreeMap;

use super::field::FieldKind;
use super::module::Module;
use super::plan::CleanAnswer;
use super::record::{NAME, RecordField, RecordFieldKind, read_only};
use super::template::Template;
use super::value::Value;

/// Where a submitted form's record holds its answers.
pub const ANSWERS: &str = "answers";

/// A submitted form's fields beside its `id` and `answers`, as filters and `{{trigger.…}}` name
/// them. OpsFlow sets them all.
pub const FIELDS: &[RecordField] = &[
    read_only("templateId", "Template", NAME),
    read_only("templateName", "Template name", NAME),
    read_only("contactId", "Contact", RecordFieldKind::Link(Module::Contacts)),
    read_only("contactName", "Contact name", NAME),
    read_only("submittedBy", "Submitted by", RecordFieldKind::User),
    read_only("submittedAt", "Submitted at", RecordFieldKind::Due),
];

/// An answer a workflow can name: the key of a field of the sub-account's templates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerField {
    pub key: String,
    /// The field's label (the first template's, when several have the key).
    pub label: String,
    /// How a condition compares the answer; `None` when the templates ask for kinds of answer
    /// that compare differently under one key (a number in one, a date in another): no condition
    /// can compare it then, though a message can still show it.
    pub kind: Option<FieldKind>,
    /// A choice's options, every template's: what a condition may compare it with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

/// The answers the templates' forms can have, each key once, in key order.
pub fn answer_fields<'t>(templates: impl IntoIterator<Item = &'t Template>) -> Vec<AnswerField> {
    let mut by_key: BTreeMap<&str, AnswerField> = BTreeMap::new();
    for field in templates.into_iter().flat_map(|template| &template.fields).filter(|f| f.kind.takes_answer()) {
        let answer = by_key.entry(&field.key).or_insert_with(|| AnswerField {
            key: field.key.clone(),
            label: field.label.clone(),
            kind: Some(field.kind),
            options: Vec::new(),
        });
        answer.kind = answer.kind.and_then(|kind| compared_together(kind, field.kind));
        for option in &field.options {
            if !answer.options.contains(option) {
                answer.options.push(option.clone());
            }
        }
    }
    by_key
        .into_values()
        .map(|mut answer| {
            // Options bind a condition's value only when every template offers a choice.
            if !answer.kind.is_some_and(FieldKind::has_options) {
                answer.options.clear();
            }
            answer
        })
        .collect()
}

/// The kind two fields' answers compare as under one key, if they compare alike: kinds of text
/// as text, a number and an amount as numbers, a dropdown and radio buttons as a choice.
fn compared_together(a: FieldKind, b: FieldKind) -> Option<FieldKind> {
    use FieldKind as K;
    let text = |kind| matches!(kind, K::ShortText | K::LongText | K::Phone | K::Email | K::Dropdown | K::Radio);
    match (a, b) {
        _ if a == b => Some(a),
        (K::Number | K::Currency, K::Number | K::Currency) => Some(K::Number),
        (K::Dropdown | K::Radio, K::Dropdown | K::Radio) => Some(K::Dropdown),
        _ if text(a) && text(b) => Some(K::ShortText),
        _ => None,
    }
}

/// A form as it was submitted: the record of its `form_submitted` event.
#[derive(Clone, Debug)]
pub struct Submitted<'a> {
    pub form_id: &'a str,
    pub template_id: &'a str,
    pub template_name: &'a str,
    pub contact_id: &'a str,
    pub contact_name: &'a str,
    pub submitted_by: &'a str,
    /// RFC 3339 in UTC, to the second (`2026-12-01T09:00:00Z`).
    pub submitted_at: &'a str,
    /// The answers the rule engine kept.
    pub answers: &'a [CleanAnswer],
}

impl Submitted<'_> {
    /// The event's record: each answer as JSON by its key — numbers and amounts as numbers,
    /// dates as `YYYY-MM-DD`, yes/no as `true`/`false`, a multi-select as a list.
    pub fn record(&self) -> Map<String, Json> {
        let answers: Map<String, Json> =
            self.answers.iter().map(|answer| (answer.key.clone(), as_json(&answer.value))).collect();
        let fields = [
            ("id", self.form_id),
            ("templateId", self.template_id),
            ("templateName", self.template_name),
            ("contactId", self.contact_id),
            ("contactName", self.contact_name),
            ("submittedBy", self.submitted_by),
            ("submittedAt", self.submitted_at),
        ];
        let mut record: Map<String, Json> =
            fields.into_iter().map(|(name, value)| (name.to_owned(), json!(value))).collect();
        record.insert(ANSWERS.to_owned(), Json::Object(answers));
        record
    }
}

fn as_json(value: &Value) -> Json {
    match value {
        Value::Text(text) => json!(text),
        Value::Number(number) => json!(number),
        Value::Money(cents) => json!(*cents as f64 / 100.0),
        Value::Date(date) => json!(date.to_string()),
        Value::Bool(flag) => json!(flag),
        Value::List(items) => json!(items),
    }
}
