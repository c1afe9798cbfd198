//! The CRM's vocabulary as forms and triggers see it: pipelines, stages and custom field
//! definitions, shaped like HighLevel's v2 API so the built-in CRM and HighLevel look the same.

use serde::{Deserialize, Serialize};

use super::field::{Field, FieldKind};
use super::locale::NumberFormat;
use super::value::Value;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pipeline {
    pub id: String,
    pub name: String,
    pub stages: Vec<Stage>,
}

impl Pipeline {
    pub fn stage(&self, stage_id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == stage_id)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    pub id: String,
    pub name: String,
}

/// HighLevel's custom field `dataType` values (spelling included: `MONETORY`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CrmFieldType {
    Text,
    LargeText,
    Numerical,
    Phone,
    Monetory,
    Checkbox,
    SingleOptions,
    MultipleOptions,
    Date,
    TextboxList,
    FileUpload,
    Radio,
    Email,
}

impl CrmFieldType {
    pub fn label(self) -> &'static str {
        match self {
            CrmFieldType::Text => "Text",
            CrmFieldType::LargeText => "Large text",
            CrmFieldType::Numerical => "Number",
            CrmFieldType::Phone => "Phone",
            CrmFieldType::Monetory => "Monetary",
            CrmFieldType::Checkbox => "Checkboxes",
            CrmFieldType::SingleOptions => "Dropdown (single)",
            CrmFieldType::MultipleOptions => "Dropdown (multiple)",
            CrmFieldType::Date => "Date",
            CrmFieldType::TextboxList => "Textbox list",
            CrmFieldType::FileUpload => "File upload",
            CrmFieldType::Radio => "Radio",
            CrmFieldType::Email => "Email",
        }
    }

    /// Types whose values must be among the field's options.
    pub fn has_options(self) -> bool {
        matches!(self, Self::SingleOptions | Self::Radio | Self::Checkbox | Self::MultipleOptions)
    }

    /// Whether answers of a form field kind can be written to a custom field of this type
    /// without losing meaning. Any answer can be written as text.
    pub fn accepts(self, kind: FieldKind) -> bool {
        use CrmFieldType as T;
        use FieldKind as K;
        match self {
            T::Text | T::LargeText => kind.takes_answer(),
            T::Numerical => matches!(kind, K::Number | K::Currency),
            T::Monetory => kind == K::Currency,
            T::Phone => kind == K::Phone,
            T::Email => kind == K::Email,
            T::Date => kind == K::Date,
            T::SingleOptions | T::Radio => matches!(kind, K::Dropdown | K::Radio | K::Checkbox),
            T::Checkbox | T::MultipleOptions => matches!(kind, K::MultiSelect | K::Checkbox),
            T::TextboxList | T::FileUpload => false,
        }
    }
}

/// A custom field definition of a sub-account's CRM.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrmField {
    pub id: String,
    pub name: String,
    /// The field key without the model prefix (`call_outcome`, not `contact.call_outcome`).
    pub key: String,
    pub data_type: CrmFieldType,
    #[serde(default)]
    pub options: Vec<String>,
}

impl CrmField {
    /// Whether the field takes `value` as HighLevel's API would, or why not (mid-sentence:
    /// "takes a number").
    pub fn check_value(&self, value: &CrmFieldValue) -> Result<(), String> {
        let in_options = |item: &String| self.has_option(item);
        match (self.data_type, value) {
            (CrmFieldType::Numerical | CrmFieldType::Monetory, CrmFieldValue::Number(_)) => Ok(()),
            (CrmFieldType::Numerical | CrmFieldType::Monetory, _) => Err("takes a number".to_owned()),
            (CrmFieldType::Checkbox | CrmFieldType::MultipleOptions, CrmFieldValue::List(items)) => {
                match items.iter().find(|item| !in_options(item)) {
                    Some(item) => Err(format!("has no option “{item}”")),
                    None => Ok(()),
                }
            }
            (CrmFieldType::Checkbox | CrmFieldType::MultipleOptions, _) => Err("takes a list of options".to_owned()),
            (CrmFieldType::SingleOptions | CrmFieldType::Radio, CrmFieldValue::Text(text)) if !in_options(text) => {
                Err(format!("has no option “{text}”"))
            }
            (CrmFieldType::Date, CrmFieldValue::Text(text)) if super::date::Date::parse(text).is_none() => {
                Err("takes a date as YYYY-MM-DD".to_owned())
            }
            (CrmFieldType::FileUpload, _) => Err("takes files, which OpsFlow does not write".to_owned()),
            (_, CrmFieldValue::Text(_)) => Ok(()),
            (_, _) => Err("takes text".to_owned()),
        }
    }

    /// Whether the field takes `value` as one of its options. A field without a list of options
    /// (any text-like type) takes any value.
    pub fn has_option(&self, value: &str) -> bool {
        self.options.is_empty() || self.options.iter().any(|option| option == value)
    }

    /// A value the form field can give that this custom field would refuse — an option the CRM
    /// field does not have — found when the mapping is made rather than when staff submit.
    pub fn refused_value(&self, field: &Field) -> Option<String> {
        if !self.data_type.has_options() {
            return None;
        }
        field.possible_values()?.into_iter().find(|value| !self.has_option(value))
    }

    /// Whether every answer `field` can give can be written here: the type fits and, for a field
    /// with options, each value is one of them. Settings offers only these.
    pub fn fits(&self, field: &Field) -> bool {
        self.data_type.accepts(field.kind) && self.refused_value(field).is_none()
    }
}

/// A custom field value as HighLevel's `field_value` expects it for the field's type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CrmFieldValue {
    Text(String),
    Number(f64),
    List(Vec<String>),
}

impl CrmFieldValue {
    /// Converts a cleaned answer for a custom field of type `data_type` (numbers as numbers,
    /// checkbox and multi-option fields as string lists, everything else as text written as
    /// the sub-account writes it).
    pub fn from_answer(value: &Value, data_type: CrmFieldType, format: &NumberFormat) -> Self {
        match (data_type, value) {
            (CrmFieldType::Numerical | CrmFieldType::Monetory, v) if v.as_number().is_some() => {
                CrmFieldValue::Number(v.as_number().unwrap_or_default())
            }
            (CrmFieldType::Checkbox | CrmFieldType::MultipleOptions, Value::List(items)) => {
                CrmFieldValue::List(items.clone())
            }
            (CrmFieldType::Checkbox | CrmFieldType::MultipleOptions, other) => {
                CrmFieldValue::List(vec![other.show(format)])
            }
            (_, other) => CrmFieldValue::Text(other.show(format)),
        }
    }

    /// The value as people read it: an amount of a monetary field with its currency.
    pub fn show(&self, data_type: CrmFieldType, format: &NumberFormat) -> String {
        match self {
            CrmFieldValue::Text(text) => text.clone(),
            CrmFieldValue::Number(amount) if data_type == CrmFieldType::Monetory => {
                format.money((amount * 100.0).round() as i64)
            }
            CrmFieldValue::Number(number) => format.number(*number),
            CrmFieldValue::List(items) => items.join(", "),
        }
    }
}
