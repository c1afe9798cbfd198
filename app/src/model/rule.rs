//! Conditional visibility rules: nested AND/OR groups of conditions on other fields.
//!
//! The JSON shape follows the workflow filter format (`{"logic": "AND", "conditions"...}` becomes
//! `{"logic": "AND", "rules": [...]}` here, because a rule may itself be a group).

use serde::{Deserialize, Deserializer, Serialize};

use super::field::{Field, FieldKind};
use super::locale::NumberFormat;
use super::tagged::Scalar;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Logic {
    /// Every rule of the group holds.
    #[default]
    #[serde(rename = "AND")]
    All,
    /// At least one rule of the group holds.
    #[serde(rename = "OR")]
    Any,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleGroup {
    /// Left out or `null`: `AND`, at the top as in a nested group (see `RuleFields`).
    #[serde(default, deserialize_with = "logic_or_default")]
    pub logic: Logic,
    /// `conditions` in a workflow's filters (seed 001's name for the same list).
    #[serde(alias = "conditions")]
    pub rules: Vec<Rule>,
}

fn logic_or_default<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Logic, D::Error> {
    Ok(Option::<Logic>::deserialize(deserializer)?.unwrap_or_default())
}

/// No conditions: holds for everything (a workflow without filters).
impl Default for RuleGroup {
    fn default() -> Self {
        RuleGroup::all(Vec::new())
    }
}

impl RuleGroup {
    pub fn all(rules: Vec<Rule>) -> Self {
        Self { logic: Logic::All, rules }
    }

    pub fn any(rules: Vec<Rule>) -> Self {
        Self { logic: Logic::Any, rules }
    }

    /// A group holding one condition: the common case of "show when X is Y".
    pub fn when(field: &str, operator: Operator, value: impl Into<ConditionValue>) -> Self {
        Self::all(vec![Rule::Condition(Condition::new(field, operator, value))])
    }

    /// Every condition in the group and its subgroups, depth first.
    pub fn conditions(&self) -> Vec<&Condition> {
        let mut out = Vec::new();
        self.collect_conditions(&mut out);
        out
    }

    /// Points every condition on field `old` at `new` instead, in this group and its subgroups.
    /// Returns how many conditions changed.
    pub fn rename_field(&mut self, old: &str, new: &str) -> usize {
        self.rules
            .iter_mut()
            .map(|rule| match rule {
                Rule::Group(group) => group.rename_field(old, new),
                Rule::Condition(condition) if condition.field == old => {
                    new.clone_into(&mut condition.field);
                    1
                }
                Rule::Condition(_) => 0,
            })
            .sum()
    }

    /// The group in words, for a reader who cannot see the form react (a page without
    /// JavaScript): `“Outcome” equals “No” and (“Hours” is greater than “4,5” or “Notes” is
    /// empty)`. Fields are named by their labels, and numbers written as `format` writes them.
    pub fn describe(&self, fields: &[Field], format: &NumberFormat) -> String {
        let joiner = match self.logic {
            Logic::All => " and ",
            Logic::Any => " or ",
        };
        let parts: Vec<String> = self
            .rules
            .iter()
            .map(|rule| match rule {
                Rule::Group(group) if group.rules.len() > 1 => format!("({})", group.describe(fields, format)),
                Rule::Group(group) => group.describe(fields, format),
                Rule::Condition(condition) => condition.describe(fields, format),
            })
            .collect();
        parts.join(joiner)
    }

    fn collect_conditions<'a>(&'a self, out: &mut Vec<&'a Condition>) {
        for rule in &self.rules {
            match rule {
                Rule::Group(group) => group.collect_conditions(out),
                Rule::Condition(condition) => out.push(condition),
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged, try_from = "RuleFields")]
pub enum Rule {
    Group(RuleGroup),
    Condition(Condition),
}

/// A rule as written: a group has `rules` (and `logic`), a condition has `field` and `operator`.
/// Decoding through one plain struct instead of serde's untagged enums, which try each variant on
/// a buffered copy, keeps the browser's decoder small.
#[derive(Deserialize)]
struct RuleFields {
    logic: Option<Logic>,
    #[serde(alias = "conditions")]
    rules: Option<Vec<Rule>>,
    field: Option<String>,
    operator: Option<Operator>,
    #[serde(default)]
    value: ConditionValue,
}

impl TryFrom<RuleFields> for Rule {
    type Error = &'static str;

    fn try_from(fields: RuleFields) -> Result<Self, Self::Error> {
        match fields {
            RuleFields { rules: Some(rules), logic, field: None, operator: None, value: ConditionValue::None } => {
                Ok(Rule::Group(RuleGroup { logic: logic.unwrap_or_default(), rules }))
            }
            RuleFields { field: Some(field), operator: Some(operator), rules: None, logic: None, value } => {
                Ok(Rule::Condition(Condition { field, operator, value }))
            }
            _ => Err("a rule is either a group with `rules` or `conditions` (and `logic`), or a condition \
                      with `field`, `operator` and `value`"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Condition {
    /// Key of the controlling field (a form field's key; a record field's name in a workflow).
    pub field: String,
    pub operator: Operator,
    /// What the field is compared with: one value, or a list for `in` and `not_in`; none for
    /// `is_empty`, `is_not_empty` and `any_change`.
    #[serde(default, skip_serializing_if = "ConditionValue::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<serde_json::Value>))]
    pub value: ConditionValue,
}

impl Condition {
    pub fn new(field: &str, operator: Operator, value: impl Into<ConditionValue>) -> Self {
        Self { field: field.to_owned(), operator, value: value.into() }
    }

    fn describe(&self, fields: &[Field], format: &NumberFormat) -> String {
        let field = fields.iter().find(|f| f.key == self.field);
        let subject = format!("“{}” {}", field.map_or(self.field.as_str(), |f| &f.label), self.operator.label());
        if !self.operator.takes_value() {
            return subject;
        }
        // Rule values are in the template's notation; a reader sees their own.
        let written = |value: &str| match (field.map(|f| f.kind), NumberFormat::TEMPLATE.parse_number(value.trim())) {
            (Some(FieldKind::Number), Some(number)) => format.number(number),
            (Some(FieldKind::Currency), Some(amount)) => format.money((amount * 100.0).round() as i64),
            _ => value.to_owned(),
        };
        let quoted: Vec<String> = self.value.as_list().iter().map(|v| format!("“{}”", written(v))).collect();
        format!("{subject} {}", quoted.join(", "))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    Equals,
    NotEquals,
    Contains,
    NotContains,
    StartsWith,
    IsEmpty,
    IsNotEmpty,
    GreaterThan,
    LessThan,
    GreaterOrEqual,
    LessOrEqual,
    In,
    NotIn,
    /// The field changed in this event, to a value that `equals` the given one.
    ChangedTo,
    /// The field changed in this event, from a value that `equals` the given one.
    ChangedFrom,
    /// The field changed in this event.
    AnyChange,
}

impl Operator {
    /// Seed 001's 16 operators, in its order.
    pub const ALL: [Operator; 16] = [
        Operator::Equals,
        Operator::NotEquals,
        Operator::Contains,
        Operator::NotContains,
        Operator::StartsWith,
        Operator::IsEmpty,
        Operator::IsNotEmpty,
        Operator::GreaterThan,
        Operator::LessThan,
        Operator::GreaterOrEqual,
        Operator::LessOrEqual,
        Operator::In,
        Operator::NotIn,
        Operator::ChangedTo,
        Operator::ChangedFrom,
        Operator::AnyChange,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Operator::Equals => "equals",
            Operator::NotEquals => "does not equal",
            Operator::Contains => "contains",
            Operator::NotContains => "does not contain",
            Operator::StartsWith => "starts with",
            Operator::IsEmpty => "is empty",
            Operator::IsNotEmpty => "is not empty",
            Operator::GreaterThan => "is greater than",
            Operator::LessThan => "is less than",
            Operator::GreaterOrEqual => "is at least",
            Operator::LessOrEqual => "is at most",
            Operator::In => "is one of",
            Operator::NotIn => "is none of",
            Operator::ChangedTo => "changed to",
            Operator::ChangedFrom => "changed from",
            Operator::AnyChange => "changed",
        }
    }

    /// Whether the operator compares against a value (everything but the emptiness tests and
    /// `any_change`).
    pub fn takes_value(self) -> bool {
        !matches!(self, Operator::IsEmpty | Operator::IsNotEmpty | Operator::AnyChange)
    }

    /// Whether the operator reads how the field changed: only an event that carries the
    /// previous values has that, so forms never offer these.
    pub fn is_change(self) -> bool {
        matches!(self, Operator::ChangedTo | Operator::ChangedFrom | Operator::AnyChange)
    }

    /// The operator whose comparison this one makes: `changed_to` and `changed_from` compare a
    /// value as `equals` does.
    pub fn comparison(self) -> Operator {
        match self {
            Operator::ChangedTo | Operator::ChangedFrom => Operator::Equals,
            other => other,
        }
    }

    /// Whether the value is a list (`in`, `not_in`).
    pub fn takes_list(self) -> bool {
        matches!(self, Operator::In | Operator::NotIn)
    }

    /// Whether an operator means something for a field kind. The rule builder offers only these,
    /// and the template check rejects the rest, so a rule can never silently test nonsense
    /// (is a date "containing" 7?).
    pub fn applies_to(self, kind: FieldKind) -> bool {
        use FieldKind as K;
        use Operator as O;
        if self.is_change() {
            return false;
        }
        match kind {
            K::Section => false,
            K::ShortText | K::LongText | K::Phone | K::Email | K::Dropdown | K::Radio => matches!(
                self,
                O::Equals
                    | O::NotEquals
                    | O::Contains
                    | O::NotContains
                    | O::StartsWith
                    | O::IsEmpty
                    | O::IsNotEmpty
                    | O::In
                    | O::NotIn
            ),
            K::Number | K::Currency => !matches!(self, O::Contains | O::NotContains | O::StartsWith),
            K::Date => !matches!(self, O::Contains | O::NotContains | O::StartsWith | O::In | O::NotIn),
            K::MultiSelect => matches!(
                self,
                O::Equals | O::NotEquals | O::Contains | O::NotContains | O::IsEmpty | O::IsNotEmpty | O::In | O::NotIn
            ),
            K::Checkbox => matches!(self, O::Equals | O::NotEquals | O::IsEmpty | O::IsNotEmpty),
        }
    }

    /// The operators the rule builder offers for a controlling field of this kind.
    pub fn for_kind(kind: FieldKind) -> impl Iterator<Item = Operator> {
        Operator::ALL.into_iter().filter(move |op| op.applies_to(kind))
    }
}

/// The value a condition compares with, as the admin entered it. It is parsed against the
/// controlling field's kind when the template is compiled into a plan.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ConditionValue {
    #[default]
    None,
    Text(String),
    Number(f64),
    Bool(bool),
    List(Vec<String>),
}

impl<'de> Deserialize<'de> for ConditionValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Scalar::deserialize(deserializer)? {
            Scalar::Null => ConditionValue::None,
            Scalar::Bool(flag) => ConditionValue::Bool(flag),
            Scalar::Number(number) => ConditionValue::Number(number),
            Scalar::Text(text) => ConditionValue::Text(text),
            Scalar::List(items) => ConditionValue::List(items),
        })
    }
}

impl ConditionValue {
    pub fn is_none(&self) -> bool {
        matches!(self, ConditionValue::None)
    }

    /// The value as one piece of text, if it is a single value.
    pub fn as_single(&self) -> Option<String> {
        match self {
            ConditionValue::None => None,
            ConditionValue::Text(text) => Some(text.clone()),
            ConditionValue::Number(number) => Some(super::locale::NumberFormat::TEMPLATE.number(*number)),
            ConditionValue::Bool(flag) => Some(if *flag { "yes" } else { "no" }.to_owned()),
            ConditionValue::List(items) => match items.as_slice() {
                [one] => Some(one.clone()),
                _ => None,
            },
        }
    }

    /// The value as a list; a single value is a list of one.
    pub fn as_list(&self) -> Vec<String> {
        match self {
            ConditionValue::List(items) => items.clone(),
            other => other.as_single().into_iter().collect(),
        }
    }
}

impl From<&str> for ConditionValue {
    fn from(text: &str) -> Self {
        ConditionValue::Text(text.to_owned())
    }
}

impl From<String> for ConditionValue {
    fn from(text: String) -> Self {
        ConditionValue::Text(text)
    }
}

impl From<f64> for ConditionValue {
    fn from(number: f64) -> Self {
        ConditionValue::Number(number)
    }
}

impl From<bool> for ConditionValue {
    fn from(flag: bool) -> Self {
        ConditionValue::Bool(flag)
    }
}

impl From<Vec<&str>> for ConditionValue {
    fn from(items: Vec<&str>) -> Self {
        ConditionValue::List(items.into_iter().map(str::to_owned).collect())
    }
}

impl From<()> for ConditionValue {
    fn from((): ()) -> Self {
        ConditionValue::None
    }
}
