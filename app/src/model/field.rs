//! The fields a template is made of: their kinds and the constraints an admin can put on them.

use serde::{Deserialize, Serialize};

use super::rule::RuleGroup;

/// What a field asks for. The kind decides how an answer is parsed, which constraints apply,
/// which rule operators may test it and which CRM custom field types it can be written to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    ShortText,
    LongText,
    Number,
    Currency,
    Date,
    Dropdown,
    Radio,
    MultiSelect,
    /// A single yes/no checkbox.
    Checkbox,
    Phone,
    Email,
    /// A heading that structures the form; it has no answer.
    Section,
}

impl FieldKind {
    pub const ALL: [FieldKind; 12] = [
        FieldKind::ShortText,
        FieldKind::LongText,
        FieldKind::Number,
        FieldKind::Currency,
        FieldKind::Date,
        FieldKind::Dropdown,
        FieldKind::Radio,
        FieldKind::MultiSelect,
        FieldKind::Checkbox,
        FieldKind::Phone,
        FieldKind::Email,
        FieldKind::Section,
    ];

    /// The name an admin sees in the palette and in error messages.
    pub fn label(self) -> &'static str {
        match self {
            FieldKind::ShortText => "Short text",
            FieldKind::LongText => "Long text",
            FieldKind::Number => "Number",
            FieldKind::Currency => "Currency",
            FieldKind::Date => "Date",
            FieldKind::Dropdown => "Dropdown",
            FieldKind::Radio => "Radio buttons",
            FieldKind::MultiSelect => "Multi-select",
            FieldKind::Checkbox => "Yes/no checkbox",
            FieldKind::Phone => "Phone",
            FieldKind::Email => "Email",
            FieldKind::Section => "Section heading",
        }
    }

    /// Kinds whose answer must be one (or several) of the field's options.
    pub fn has_options(self) -> bool {
        matches!(self, FieldKind::Dropdown | FieldKind::Radio | FieldKind::MultiSelect)
    }

    /// Kinds with a numeric value, where min/max bound the value.
    pub fn is_numeric(self) -> bool {
        matches!(self, FieldKind::Number | FieldKind::Currency)
    }

    /// Kinds with free text, where length limits and a pattern apply.
    pub fn is_text(self) -> bool {
        matches!(self, FieldKind::ShortText | FieldKind::LongText | FieldKind::Phone | FieldKind::Email)
    }

    /// Whether the field takes an answer at all (a section heading does not).
    pub fn takes_answer(self) -> bool {
        self != FieldKind::Section
    }
}

/// One field of a template. Optional constraints are `None` when the admin did not set them;
/// which of them apply depends on the kind (see [`FieldKind`]) and the template check reports
/// contradictory ones.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// Stable identifier used by rules, custom field mappings and stored answers.
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// What staff read when an answer does not match the pattern, in the admin's words (“Enter
    /// the job number, like JOB-1234”); a generic sentence when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_message: Option<String>,
    /// When set, the field is shown only while the rule holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<RuleGroup>,
}

impl Field {
    /// A field with no constraints; the builder and the starter templates refine it.
    pub fn new(key: impl Into<String>, label: impl Into<String>, kind: FieldKind) -> Self {
        Self {
            key: key.into(),
            label: label.into(),
            kind,
            required: false,
            help: None,
            placeholder: None,
            options: Vec::new(),
            min: None,
            max: None,
            min_length: None,
            max_length: None,
            pattern: None,
            pattern_message: None,
            show_if: None,
        }
    }

    /// Every value an answer can take, where the kind limits them: the options of a choice field,
    /// `Yes`/`No` of a checkbox (as the answer reads in a note or custom field). `None` for free input.
    pub fn possible_values(&self) -> Option<Vec<String>> {
        match self.kind {
            FieldKind::Dropdown | FieldKind::Radio | FieldKind::MultiSelect => Some(self.options.clone()),
            FieldKind::Checkbox => Some(
                [true, false]
                    .map(|flag| super::value::Value::Bool(flag).show(&super::locale::NumberFormat::TEMPLATE))
                    .to_vec(),
            ),
            _ => None,
        }
    }

    /// The texts of this field over their length limits. Checked when a template is saved, not
    /// when a form is shown or submitted: a version saved before the limits still works.
    pub fn text_problems(&self) -> Vec<super::template::TemplateProblem> {
        use super::template::{TemplateProblem, TextPart};
        let texts = [
            (TextPart::Label, Some(&self.label)),
            (TextPart::Help, self.help.as_ref()),
            (TextPart::Placeholder, self.placeholder.as_ref()),
            (TextPart::PatternMessage, self.pattern_message.as_ref()),
        ];
        let options = self.options.iter().map(|option| (TextPart::Option, Some(option)));
        let mut too_long: Vec<TextPart> = texts
            .into_iter()
            .chain(options)
            .filter(|(part, text)| text.is_some_and(|t| t.chars().count() > part.max_len()))
            .map(|(part, _)| part)
            .collect();
        too_long.dedup();
        too_long.into_iter().map(|part| TemplateProblem::TextTooLong { field: self.key.clone(), part }).collect()
    }

    /// The words staff read for an error in this field's answer: the admin's own message for a
    /// pattern mismatch, limits of an amount as money, the model's sentence otherwise.
    pub fn error_text(&self, error: &super::value::FieldError, format: &super::locale::NumberFormat) -> String {
        use super::value::FieldError as E;
        let money = |amount: f64| format.money((amount * 100.0).round() as i64);
        match (error, self.pattern_message.as_deref().map(str::trim)) {
            (E::PatternMismatch, Some(message)) if !message.is_empty() => message.to_owned(),
            (E::TooSmall { min }, _) if self.kind == FieldKind::Currency => format!("Enter {} or more.", money(*min)),
            (E::TooLarge { max }, _) if self.kind == FieldKind::Currency => format!("Enter {} or less.", money(*max)),
            _ => error.describe(format),
        }
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn placeholder(mut self, placeholder: impl Into<String>) -> Self {
        self.placeholder = Some(placeholder.into());
        self
    }

    pub fn options<I, S>(mut self, options: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.options = options.into_iter().map(Into::into).collect();
        self
    }

    pub fn range(mut self, min: Option<f64>, max: Option<f64>) -> Self {
        self.min = min;
        self.max = max;
        self
    }

    pub fn length(mut self, min: Option<u32>, max: Option<u32>) -> Self {
        self.min_length = min;
        self.max_length = max;
        self
    }

    pub fn pattern(mut self, pattern: impl Into<String>) -> Self {
        self.pattern = Some(pattern.into());
        self
    }

    pub fn show_if(mut self, rule: RuleGroup) -> Self {
        self.show_if = Some(rule);
        self
    }
}

/// A field key: lowercase ASCII letters, digits and underscores, starting with a letter, so it
/// is safe in URLs, form input names and `{{variable}}` references.
pub fn is_valid_key(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && key.len() <= 64
}
