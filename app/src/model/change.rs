//! What a write changed in a record: the fields whose values differ between the record's
//! previous snapshot and the record now. An event carries the record and the previous values of
//! the fields that changed (what `changed_to`, `changed_from` and `any_change` compare with); a
//! write that changed nothing has no changes, and fires no event.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One field a write changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    /// `null` when the field was not there.
    pub before: Value,
    /// `null` when the field is gone.
    pub after: Value,
}

/// The fields a write changed, by field name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Changes(Vec<FieldChange>);

impl Changes {
    /// Compares two snapshots of a record. A field missing on one side is `null` there, so a
    /// field set to `null` and a field left out are the same; numbers compare by value (`1`
    /// and `1.0` are one number).
    pub fn between(previous: &Map<String, Value>, record: &Map<String, Value>) -> Self {
        let mut fields: Vec<&String> = previous.keys().chain(record.keys()).collect();
        fields.sort();
        fields.dedup();
        let changes = fields
            .into_iter()
            .filter_map(|field| {
                let before = previous.get(field).unwrap_or(&Value::Null);
                let after = record.get(field).unwrap_or(&Value::Null);
                (!same(before, after)).then(|| FieldChange {
                    field: field.clone(),
                    before: before.clone(),
                    after: after.clone(),
                })
            })
            .collect();
        Changes(changes)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldChange> {
        self.0.iter()
    }

    /// Whether this write changed `field`.
    pub fn touches(&self, field: &str) -> bool {
        self.0.iter().any(|change| change.field == field)
    }

    /// The changed fields' values before the write: an event's `previous`. Of a field holding
    /// an object (a contact's `customFields`), only the keys that changed, `null` for a key that
    /// was not there: a key left out did not change.
    pub fn previous(&self) -> Map<String, Value> {
        self.0
            .iter()
            .map(|change| {
                let before = match (&change.before, &change.after) {
                    (Value::Object(before), Value::Object(after)) => Value::Object(
                        Changes::between(before, after)
                            .iter()
                            .map(|key| (key.field.clone(), key.before.clone()))
                            .collect(),
                    ),
                    (before, _) => before.clone(),
                };
                (change.field.clone(), before)
            })
            .collect()
    }
}

/// Equal values, with numbers compared by value and objects and lists field by field.
pub(crate) fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(xs), Value::Array(ys)) => xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same(x, y)),
        (Value::Object(xs), Value::Object(ys)) => Changes::between(xs, ys).is_empty(),
        _ => a == b,
    }
}
