//! What a workflow reads of its trigger record: the module's fields (by their camelCase name or
//! its snake_case spelling, as seed 001 asks), the record's `id`, on contacts and leads the
//! sub-account's custom fields (`customFields.<key>`), and on a submitted form its answers
//! (`answers.<key>`). Filters compare these fields and `{{trigger.…}}` writes them, through the
//! one lookup here.

use serde_json::{Map, Value};

use crate::model::change::same;
use crate::model::crm::{CrmField, CrmFieldType};
use crate::model::date::Date;
use crate::model::event::EventType;
use crate::model::field::{Field, FieldKind};
use crate::model::form_event::{self, ANSWERS, AnswerField};
use crate::model::locale::NumberFormat;
use crate::model::module::{Module, TriggerModule};
use crate::model::record::{RecordField, RecordFieldKind};
use crate::model::rule::Operator;
use crate::model::value::Parsed;

const CUSTOM_PREFIX: &str = "customFields.";

/// The fields of one trigger module's records that a workflow can name.
#[derive(Clone, Copy, Debug)]
pub struct TriggerFields<'a> {
    module: TriggerModule,
    /// The sub-account's custom fields (contacts and leads carry them).
    custom: &'a [CrmField],
    /// The answers its templates' forms can have (submitted forms carry them).
    answers: &'a [AnswerField],
}

/// One field a workflow names, resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum TriggerField {
    Id,
    Record(&'static RecordField),
    Custom(CrmField),
    Answer(AnswerField),
}

impl<'a> TriggerFields<'a> {
    /// `custom`: the sub-account's custom fields; `answers`: the answers its templates ask for.
    /// Each module reads what its records carry of them.
    pub fn new(module: impl Into<TriggerModule>, custom: &'a [CrmField], answers: &'a [AnswerField]) -> Self {
        Self { module: module.into(), custom, answers }
    }

    pub fn module(&self) -> TriggerModule {
        self.module
    }

    /// The fields of the record the workflow's actions act on ([`TriggerModule::record_module`]):
    /// these, or for a submitted form its contact's.
    pub fn acted_on(&self) -> TriggerFields<'a> {
        TriggerFields { module: self.module.record_module().into(), ..*self }
    }

    fn custom(&self) -> &'a [CrmField] {
        match self.module {
            TriggerModule::Records(Module::Contacts | Module::Leads) => self.custom,
            _ => &[],
        }
    }

    fn answers(&self) -> &'a [AnswerField] {
        if self.module == TriggerModule::Forms { self.answers } else { &[] }
    }

    fn record_fields(&self) -> &'static [RecordField] {
        match self.module {
            TriggerModule::Records(module) => module.fields(),
            TriggerModule::Forms => form_event::FIELDS,
        }
    }

    /// The field a name means: `ownerId` and `owner_id` are one field; custom fields go by
    /// `customFields.<key>` (or `custom_fields.<key>`), a form's answers by `answers.<key>`
    /// (the template field's key, as it is).
    pub fn resolve(&self, name: &str) -> Option<TriggerField> {
        let name = name.trim();
        if let Some(key) = name.strip_prefix(CUSTOM_PREFIX).or_else(|| name.strip_prefix("custom_fields.")) {
            return self.custom().iter().find(|field| field.key == key).cloned().map(TriggerField::Custom);
        }
        if let Some(key) = answer_key(name) {
            return self.answers().iter().find(|answer| answer.key == key).cloned().map(TriggerField::Answer);
        }
        let name = camel_case(name);
        if name == "id" {
            return Some(TriggerField::Id);
        }
        self.record_fields().iter().find(|field| field.name == name).map(TriggerField::Record)
    }

    /// Why `name` resolves to nothing, without the full stop: `Leads have no field “x”`.
    pub fn no_field(&self, name: &str) -> String {
        match answer_key(name.trim()) {
            Some(key) if self.module == TriggerModule::Forms => {
                format!("No template of this sub-account has a field with the key “{key}”")
            }
            _ => format!("{} have no field “{name}”", self.module.label()),
        }
    }

    /// Every field, as the editor offers them.
    pub fn all(&self) -> Vec<TriggerField> {
        std::iter::once(TriggerField::Id)
            .chain(self.record_fields().iter().map(TriggerField::Record))
            .chain(self.custom().iter().cloned().map(TriggerField::Custom))
            .chain(self.answers().iter().cloned().map(TriggerField::Answer))
            .collect()
    }
}

/// `answers.budget` → `budget`.
fn answer_key(name: &str) -> Option<&str> {
    name.strip_prefix(ANSWERS).and_then(|rest| rest.strip_prefix('.'))
}

impl TriggerField {
    /// The field's one name, as events carry it (`ownerId`, `customFields.budget`).
    pub fn key(&self) -> String {
        match self {
            TriggerField::Id => "id".to_owned(),
            TriggerField::Record(field) => field.name.to_owned(),
            TriggerField::Custom(field) => format!("{CUSTOM_PREFIX}{}", field.key),
            TriggerField::Answer(answer) => format!("{ANSWERS}.{}", answer.key),
        }
    }

    pub fn label(&self) -> String {
        match self {
            TriggerField::Id => "Record id".to_owned(),
            TriggerField::Record(field) => field.label.to_owned(),
            TriggerField::Custom(field) => field.name.clone(),
            TriggerField::Answer(answer) => answer.label.clone(),
        }
    }

    /// How a condition compares the field: as a form field of this kind, with these choices;
    /// `None` for an answer whose templates ask for kinds that compare differently.
    pub(crate) fn compared_as(&self) -> Option<(FieldKind, Option<Vec<String>>)> {
        let owned = |names: &[&str]| Some(names.iter().map(|name| (*name).to_owned()).collect());
        Some(match self {
            TriggerField::Id => (FieldKind::ShortText, None),
            TriggerField::Record(field) => match field.kind {
                RecordFieldKind::Text { .. }
                | RecordFieldKind::User
                | RecordFieldKind::Link(_)
                | RecordFieldKind::Pipeline
                | RecordFieldKind::Stage => (FieldKind::ShortText, None),
                RecordFieldKind::Email => (FieldKind::Email, None),
                RecordFieldKind::Whole { .. } => (FieldKind::Number, None),
                RecordFieldKind::Money => (FieldKind::Currency, None),
                RecordFieldKind::Flag => (FieldKind::Checkbox, None),
                RecordFieldKind::Due => (FieldKind::Date, None),
                RecordFieldKind::Choice(names) => (FieldKind::Dropdown, owned(names)),
                RecordFieldKind::Users | RecordFieldKind::Tags => (FieldKind::MultiSelect, None),
            },
            TriggerField::Custom(field) => {
                let options =
                    (field.data_type.has_options() && !field.options.is_empty()).then(|| field.options.clone());
                let kind = match field.data_type {
                    CrmFieldType::Numerical => FieldKind::Number,
                    CrmFieldType::Monetory => FieldKind::Currency,
                    CrmFieldType::Date => FieldKind::Date,
                    CrmFieldType::Email => FieldKind::Email,
                    CrmFieldType::SingleOptions | CrmFieldType::Radio => FieldKind::Dropdown,
                    CrmFieldType::Checkbox | CrmFieldType::MultipleOptions => FieldKind::MultiSelect,
                    CrmFieldType::Text
                    | CrmFieldType::LargeText
                    | CrmFieldType::Phone
                    | CrmFieldType::TextboxList
                    | CrmFieldType::FileUpload => FieldKind::ShortText,
                };
                (kind, options)
            }
            TriggerField::Answer(answer) => (answer.kind?, Some(answer.options.clone()).filter(|o| !o.is_empty())),
        })
    }

    /// The operators a filter on this field may use for events of `trigger`, as the editor
    /// offers them: the comparisons its kind allows, and the change operators when the event
    /// carries previous values (an id never changes). The check refuses the rest, saying why.
    pub fn operators(&self, trigger: EventType) -> Vec<Operator> {
        // An answer whose templates ask for kinds that compare differently takes no condition.
        let Some((kind, _)) = self.compared_as() else { return Vec::new() };
        let changes = trigger.has_previous() && *self != TriggerField::Id;
        Operator::ALL.into_iter().filter(|op| if op.is_change() { changes } else { op.applies_to(kind) }).collect()
    }

    /// The field as a rule builder shows a field its conditions name: its key, label, the kind
    /// it is compared as and its choices.
    pub fn as_rule_field(&self) -> Field {
        let (kind, options) = self.compared_as().unwrap_or((FieldKind::ShortText, None));
        Field {
            key: self.key(),
            label: self.label(),
            kind,
            required: false,
            help: None,
            placeholder: None,
            options: options.unwrap_or_default(),
            min: None,
            max: None,
            min_length: None,
            max_length: None,
            pattern: None,
            pattern_message: None,
            show_if: None,
        }
    }

    /// The field's value in a record (`null` when the record does not carry it).
    pub fn read<'r>(&self, record: &'r Map<String, Value>) -> &'r Value {
        let found = match self {
            TriggerField::Id => record.get("id"),
            TriggerField::Record(field) => record.get(field.name),
            TriggerField::Custom(field) => record.get("customFields").and_then(|custom| custom.get(&field.key)),
            TriggerField::Answer(answer) => record.get(ANSWERS).and_then(|answers| answers.get(&answer.key)),
        };
        found.unwrap_or(&Value::Null)
    }

    /// The field's value before the event, when the event changed it (an event's `previous`
    /// holds the changed fields, and the changed custom fields in one `customFields` object).
    pub fn before<'r>(&self, record: &Map<String, Value>, previous: &'r Map<String, Value>) -> Option<&'r Value> {
        let before = match self {
            TriggerField::Id | TriggerField::Answer(_) => None,
            TriggerField::Record(field) => previous.get(field.name),
            // `previous.customFields` holds the custom fields that changed: one left out did not.
            TriggerField::Custom(field) => previous.get("customFields").and_then(|custom| custom.get(&field.key)),
        }?;
        (!same(before, self.read(record))).then_some(before)
    }
}

/// A stored value as a condition reads it: `None` for nothing (null, empty text, an empty list).
pub(crate) fn parsed(kind: FieldKind, value: &Value) -> Option<Parsed<'_>> {
    match value {
        Value::String(text) => {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            Some(match kind {
                // A due time compares by its day; a custom field may hold its number as text.
                FieldKind::Date => {
                    Date::parse(text.split('T').next().unwrap_or(text)).map_or(Parsed::Text(text), Parsed::Date)
                }
                FieldKind::Number | FieldKind::Currency => {
                    NumberFormat::TEMPLATE.parse_number(text).map_or(Parsed::Text(text), Parsed::Number)
                }
                _ => Parsed::Text(text),
            })
        }
        Value::Number(number) => number.as_f64().map(Parsed::Number),
        Value::Bool(flag) => Some(Parsed::Bool(*flag)),
        Value::Array(items) => {
            let items: Vec<&str> =
                items.iter().filter_map(Value::as_str).filter(|item| !item.trim().is_empty()).collect();
            (!items.is_empty()).then_some(Parsed::List(items))
        }
        Value::Null | Value::Object(_) => None,
    }
}

/// `owner_id` → `ownerId`; a camelCase name stays as it is.
pub fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for ch in name.chars() {
        if ch == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.extend(ch.to_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}
