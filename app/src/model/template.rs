//! Templates, and everything that can be wrong with one.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

use super::field::{Field, FieldKind};
use super::plan::FormPlan;
use super::rule::Operator;
use super::tagged::Tagged;

/// What staff fill in: a name and an ordered list of fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Template {
    pub name: String,
    pub fields: Vec<Field>,
}

impl Template {
    pub const MAX_NAME_LEN: usize = 120;

    /// Everything that keeps this template from being saved; empty when it is sound: what keeps
    /// it from making a working form, and texts over their length limits.
    pub fn problems(&self) -> Vec<TemplateProblem> {
        let mut problems = FormPlan::new(self, super::locale::NumberFormat::TEMPLATE).err().unwrap_or_default();
        problems.extend(self.fields.iter().flat_map(Field::text_problems));
        problems
    }

    /// “Name (copy)”, kept within the name's length limit.
    pub fn copy_name(name: &str) -> String {
        Self::with_suffix(name, " (copy)")
    }

    /// `name` if no template in `taken` has it, else the first free “name (2)”, “name (3)”… —
    /// kept within the length limit, so an import or a copy never adds a second template that
    /// staff cannot tell apart from the first.
    pub fn unused_name(name: &str, taken: &[String]) -> String {
        let is_taken = |candidate: &str| taken.iter().any(|t| t.trim() == candidate);
        let name = name.trim();
        if !is_taken(name) {
            return name.to_owned();
        }
        (2..)
            .map(|n| Self::with_suffix(name, &format!(" ({n})")))
            .find(|candidate| !is_taken(candidate))
            .unwrap_or_default()
    }

    /// `name` and `suffix`, the name shortened to keep the whole within the length limit.
    fn with_suffix(name: &str, suffix: &str) -> String {
        let room = Self::MAX_NAME_LEN.saturating_sub(suffix.chars().count());
        format!("{}{suffix}", name.trim().chars().take(room).collect::<String>().trim_end())
    }

    /// A problem of this template in words, fields named by their labels as the admin sees
    /// them (a field without a label by its key).
    pub fn explain(&self, problem: &TemplateProblem) -> String {
        problem.describe(&|key| {
            self.field(key).map(|f| f.label.trim()).filter(|label| !label.is_empty()).unwrap_or(key).to_owned()
        })
    }

    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }
}

/// The texts of a field an admin writes, each with its length limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextPart {
    Label,
    Help,
    Placeholder,
    Option,
    PatternMessage,
}

impl TextPart {
    pub fn max_len(self) -> usize {
        match self {
            TextPart::Label | TextPart::Placeholder | TextPart::Option | TextPart::PatternMessage => 200,
            TextPart::Help => 500,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TextPart::Label => "label",
            TextPart::Help => "help text",
            TextPart::Placeholder => "placeholder",
            TextPart::Option => "option",
            TextPart::PatternMessage => "pattern message",
        }
    }
}

/// One reason a template cannot be saved. Each names the field it is about, so the builder can
/// show it in place and the server can refuse a save with the same list.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum TemplateProblem {
    EmptyName,
    NameTooLong,
    NoFields,
    InvalidKey {
        field: String,
    },
    DuplicateKey {
        key: String,
    },
    EmptyLabel {
        field: String,
    },
    NoOptions {
        field: String,
    },
    DuplicateOption {
        field: String,
        option: String,
    },
    MinAboveMax {
        field: String,
    },
    LengthRange {
        field: String,
    },
    BadPattern {
        field: String,
        reason: String,
    },
    /// A label, help text, placeholder or option longer than its limit (they are printed into
    /// notes and CRM fields, so they are kept to what a person would write).
    TextTooLong {
        field: String,
        part: TextPart,
    },
    SectionRequired {
        field: String,
    },
    EmptyRuleGroup {
        field: String,
    },
    RuleOnMissingField {
        field: String,
        missing: String,
    },
    RuleOnSection {
        field: String,
        controlling: String,
    },
    OperatorNotForKind {
        field: String,
        controlling: String,
        operator: Operator,
        kind: FieldKind,
    },
    BadRuleValue {
        field: String,
        controlling: String,
        reason: String,
    },
    RuleCycle {
        fields: Vec<String>,
    },
    /// A trigger writes this field to a CRM custom field that the edited field no longer fits
    /// (or the field is gone): the reason is the trigger check's own sentence.
    TriggerMapping {
        field: String,
        reason: String,
    },
}

impl TemplateProblem {
    /// The key of the field the problem is shown on, if it is about one field.
    pub fn field(&self) -> Option<&str> {
        use TemplateProblem as P;
        match self {
            P::EmptyName | P::NameTooLong | P::NoFields | P::RuleCycle { .. } => None,
            P::DuplicateKey { key } => Some(key),
            P::InvalidKey { field }
            | P::EmptyLabel { field }
            | P::NoOptions { field }
            | P::DuplicateOption { field, .. }
            | P::MinAboveMax { field }
            | P::LengthRange { field }
            | P::BadPattern { field, .. }
            | P::TextTooLong { field, .. }
            | P::SectionRequired { field }
            | P::EmptyRuleGroup { field }
            | P::RuleOnMissingField { field, .. }
            | P::RuleOnSection { field, .. }
            | P::OperatorNotForKind { field, .. }
            | P::BadRuleValue { field, .. }
            | P::TriggerMapping { field, .. } => Some(field),
        }
    }
}

impl<'de> Deserialize<'de> for TemplateProblem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use TemplateProblem as P;
        const VARIANTS: &[&str] = &[
            "empty_name",
            "name_too_long",
            "no_fields",
            "invalid_key",
            "duplicate_key",
            "empty_label",
            "no_options",
            "duplicate_option",
            "min_above_max",
            "length_range",
            "bad_pattern",
            "text_too_long",
            "section_required",
            "empty_rule_group",
            "rule_on_missing_field",
            "rule_on_section",
            "operator_not_for_kind",
            "bad_rule_value",
            "rule_cycle",
            "trigger_mapping",
        ];
        let mut p = Tagged::read(deserializer, "problem")?;
        Ok(match p.tag() {
            "empty_name" => P::EmptyName,
            "name_too_long" => P::NameTooLong,
            "no_fields" => P::NoFields,
            "invalid_key" => P::InvalidKey { field: p.text("field")? },
            "duplicate_key" => P::DuplicateKey { key: p.text("key")? },
            "empty_label" => P::EmptyLabel { field: p.text("field")? },
            "no_options" => P::NoOptions { field: p.text("field")? },
            "duplicate_option" => P::DuplicateOption { field: p.text("field")?, option: p.text("option")? },
            "min_above_max" => P::MinAboveMax { field: p.text("field")? },
            "length_range" => P::LengthRange { field: p.text("field")? },
            "bad_pattern" => P::BadPattern { field: p.text("field")?, reason: p.text("reason")? },
            "text_too_long" => P::TextTooLong { field: p.text("field")?, part: p.named("part")? },
            "section_required" => P::SectionRequired { field: p.text("field")? },
            "empty_rule_group" => P::EmptyRuleGroup { field: p.text("field")? },
            "rule_on_missing_field" => P::RuleOnMissingField { field: p.text("field")?, missing: p.text("missing")? },
            "rule_on_section" => P::RuleOnSection { field: p.text("field")?, controlling: p.text("controlling")? },
            "operator_not_for_kind" => P::OperatorNotForKind {
                field: p.text("field")?,
                controlling: p.text("controlling")?,
                operator: p.named("operator")?,
                kind: p.named("kind")?,
            },
            "bad_rule_value" => P::BadRuleValue {
                field: p.text("field")?,
                controlling: p.text("controlling")?,
                reason: p.text("reason")?,
            },
            "rule_cycle" => P::RuleCycle { fields: p.list("fields")? },
            "trigger_mapping" => P::TriggerMapping { field: p.text("field")?, reason: p.text("reason")? },
            _ => return Err(p.unknown(VARIANTS)),
        })
    }
}

impl fmt::Display for TemplateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(&|key| key.to_owned()))
    }
}

impl TemplateProblem {
    /// The problem in words, each field named by `name` (given its key): by key in an API's
    /// answer (`Display`), by label in the builder ([`Template::explain`]). Problems about keys
    /// name the key.
    pub fn describe(&self, name: &dyn Fn(&str) -> String) -> String {
        use TemplateProblem as P;
        match self {
            P::EmptyName => "The template needs a name.".to_owned(),
            P::NameTooLong => format!("The template name is longer than {} characters.", Template::MAX_NAME_LEN),
            P::NoFields => "The template has no fields; add at least one.".to_owned(),
            P::InvalidKey { field } => format!(
                "Field key “{field}” must start with a lowercase letter and use only a-z, 0-9 and _ (64 at most)."
            ),
            P::DuplicateKey { key } => format!("Two fields use the key “{key}”; keys must be unique."),
            P::EmptyLabel { field } => format!("Field “{}” needs a label.", name(field)),
            P::NoOptions { field } => {
                format!("Field “{}” is a choice field without options; add at least one.", name(field))
            }
            P::DuplicateOption { field, option } => {
                format!("Field “{}” lists the option “{option}” twice.", name(field))
            }
            P::MinAboveMax { field } => format!("Field “{}” has a minimum above its maximum.", name(field)),
            P::LengthRange { field } => {
                format!("Field “{}” has a minimum length above its maximum length.", name(field))
            }
            P::BadPattern { field, reason } => {
                format!("The pattern of field “{}” does not compile: {reason}", name(field))
            }
            P::TextTooLong { field, part } => {
                format!("Field “{}”: the {} is longer than {} characters.", name(field), part.label(), part.max_len())
            }
            P::SectionRequired { field } => {
                format!("Section heading “{}” takes no answer, so it cannot be required.", name(field))
            }
            P::EmptyRuleGroup { field } => {
                format!("A condition group of field “{}” is empty; add a condition or remove it.", name(field))
            }
            P::RuleOnMissingField { field, missing } => {
                format!("Field “{}” is shown by a rule on “{missing}”, which is not in the template.", name(field))
            }
            P::RuleOnSection { field, controlling } => format!(
                "Field “{}” has a rule on section heading “{}”, which has no value.",
                name(field),
                name(controlling)
            ),
            P::OperatorNotForKind { field, controlling, operator, kind } => format!(
                "Field “{}”: “{}” cannot test “{}”, a {} field.",
                name(field),
                operator.label(),
                name(controlling),
                kind.label().to_lowercase()
            ),
            P::BadRuleValue { field, controlling, reason } => {
                format!("Field “{}”: the rule on “{}” {reason}", name(field), name(controlling))
            }
            P::RuleCycle { fields } => format!(
                "Fields {} show each other in a circle, so none could ever appear.",
                fields.iter().map(|k| format!("“{}”", name(k))).collect::<Vec<_>>().join(" → ")
            ),
            P::TriggerMapping { reason, .. } => {
                format!("{reason} A trigger writes this field to the CRM; change its mapping in Settings first.")
            }
        }
    }
}
