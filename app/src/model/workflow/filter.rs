//! A workflow's `triggerFilters`: seed 001's `{logic, conditions}`, where a condition may itself
//! be a group. It is the forms' [`RuleGroup`] under the seed's key (`conditions`), compiled
//! against the trigger module's fields and compared through the same code as a form's rules;
//! the change operators read the event's previous values.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::Problem;
use super::fields::{TriggerField, TriggerFields, parsed};
use crate::model::condition::{Expected, condition_holds, expected_value};
use crate::model::event::EventType;
use crate::model::field::FieldKind;
use crate::model::rule::{Condition, Logic, Operator, Rule, RuleGroup};

/// `triggerFilters` as written: no conditions means every event of the trigger type matches.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TriggerFilters(pub RuleGroup);

impl Serialize for TriggerFilters {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        WireGroup::from(&self.0).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for TriggerFilters {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // `RuleGroup` reads `conditions` as another name of its `rules`.
        Option::<RuleGroup>::deserialize(deserializer).map(|group| TriggerFilters(group.unwrap_or_default()))
    }
}

/// The seed's spelling of a group.
#[derive(Serialize)]
struct WireGroup<'a> {
    logic: Logic,
    conditions: Vec<WireRule<'a>>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum WireRule<'a> {
    Group(WireGroup<'a>),
    Condition(&'a Condition),
}

impl<'a> From<&'a RuleGroup> for WireGroup<'a> {
    fn from(group: &'a RuleGroup) -> Self {
        let conditions = group
            .rules
            .iter()
            .map(|rule| match rule {
                Rule::Group(inner) => WireRule::Group(WireGroup::from(inner)),
                Rule::Condition(condition) => WireRule::Condition(condition),
            })
            .collect();
        WireGroup { logic: group.logic, conditions }
    }
}

/// Filters compiled for one trigger: fields resolved, values parsed.
#[derive(Clone, Debug)]
pub struct CompiledFilters(Group);

#[derive(Clone, Debug)]
struct Group {
    logic: Logic,
    rules: Vec<Compiled>,
}

#[derive(Clone, Debug)]
enum Compiled {
    Group(Group),
    Condition { field: TriggerField, kind: FieldKind, operator: Operator, expected: Expected },
}

impl TriggerFilters {
    /// Compiles the filters for events of `trigger` on `fields`' module; every problem, each
    /// with its path under `at` (`triggerFilters`).
    pub fn compile(
        &self,
        fields: &TriggerFields,
        trigger: EventType,
        at: &str,
    ) -> Result<CompiledFilters, Vec<Problem>> {
        let mut problems = Vec::new();
        let group = compile_group(&self.0, fields, trigger, at, &mut problems, true);
        if problems.is_empty() { Ok(CompiledFilters(group)) } else { Err(problems) }
    }
}

impl TriggerFilters {
    /// The filters moved from `from`'s records to `to`'s: each condition on a field `to`'s
    /// records have too, compared the same way, is kept; the others go, and so do groups they
    /// leave empty. Returns the labels of the fields whose conditions went, in order.
    pub fn keep_for(&mut self, from: &TriggerFields, to: &TriggerFields) -> Vec<String> {
        let mut dropped = Vec::new();
        keep_in(&mut self.0, from, to, &mut dropped);
        dropped
    }
}

fn keep_in(group: &mut RuleGroup, from: &TriggerFields, to: &TriggerFields, dropped: &mut Vec<String>) {
    group.rules.retain_mut(|rule| match rule {
        Rule::Group(inner) => {
            keep_in(inner, from, to, dropped);
            !inner.rules.is_empty()
        }
        Rule::Condition(condition) => {
            let before = from.resolve(&condition.field);
            let after = to.resolve(&condition.field);
            let kept =
                matches!((&before, &after), (Some(before), Some(after)) if before.compared_as() == after.compared_as());
            if !kept {
                dropped.push(before.map_or_else(|| condition.field.clone(), |field| field.label()));
            }
            kept
        }
    });
}

fn compile_group(
    group: &RuleGroup,
    fields: &TriggerFields,
    trigger: EventType,
    at: &str,
    problems: &mut Vec<Problem>,
    top: bool,
) -> Group {
    if group.rules.is_empty() && !top {
        problems.push(Problem::new(format!("{at}.conditions"), "A group needs at least one condition."));
    }
    let rules = group
        .rules
        .iter()
        .enumerate()
        .filter_map(|(index, rule)| {
            let at = format!("{at}.conditions[{index}]");
            match rule {
                Rule::Group(inner) => {
                    Some(Compiled::Group(compile_group(inner, fields, trigger, &at, problems, false)))
                }
                Rule::Condition(condition) => compile_condition(condition, fields, trigger, &at, problems),
            }
        })
        .collect();
    Group { logic: group.logic, rules }
}

/// One condition, or its problem: an unknown field, an operator that means nothing for the
/// field or for the event, a value the field cannot be compared with.
fn compile_condition(
    condition: &Condition,
    fields: &TriggerFields,
    trigger: EventType,
    at: &str,
    problems: &mut Vec<Problem>,
) -> Option<Compiled> {
    let Some(field) = fields.resolve(&condition.field) else {
        problems.push(Problem::new(format!("{at}.field"), format!("{}.", fields.no_field(&condition.field))));
        return None;
    };
    let operator = condition.operator;
    let Some((kind, options)) = field.compared_as() else {
        problems.push(Problem::new(
            format!("{at}.field"),
            format!(
                "The templates ask for “{}” as kinds of answer that compare differently (a number in one, a \
                 date in another), so no condition can compare it: give those fields one kind, or other keys.",
                field.key()
            ),
        ));
        return None;
    };
    if operator.is_change() && !trigger.has_previous() {
        problems.push(Problem::new(
            format!("{at}.operator"),
            format!("`{}` has no previous values, so `{}` cannot hold.", trigger.as_str(), operator_name(operator)),
        ));
        return None;
    }
    if operator.is_change() && field == TriggerField::Id {
        problems.push(Problem::new(format!("{at}.operator"), "A record's id never changes."));
        return None;
    }
    if !operator.is_change() && !operator.applies_to(kind) {
        problems.push(Problem::new(
            format!("{at}.operator"),
            format!("“{}” cannot be compared with `{}`.", field.label(), operator_name(operator)),
        ));
        return None;
    }
    match expected_value(kind, options.as_deref(), condition) {
        Ok(expected) => Some(Compiled::Condition { field, kind, operator, expected }),
        Err(reason) => {
            problems
                .push(Problem::new(format!("{at}.value"), format!("The condition on “{}” {reason}", field.label())));
            None
        }
    }
}

/// The operator as seed 001 spells it.
pub fn operator_name(operator: Operator) -> String {
    serde_json::to_value(operator).ok().and_then(|name| name.as_str().map(str::to_owned)).unwrap_or_default()
}

impl CompiledFilters {
    /// Whether an event's record (after the change, with the changed fields' `previous`
    /// values) passes the filters.
    pub fn matches(&self, record: &Map<String, Value>, previous: &Map<String, Value>) -> bool {
        self.0.holds(record, previous)
    }
}

impl Group {
    fn holds(&self, record: &Map<String, Value>, previous: &Map<String, Value>) -> bool {
        let mut results = self.rules.iter().map(|rule| rule.holds(record, previous));
        match self.logic {
            Logic::All => results.all(|held| held),
            Logic::Any => results.any(|held| held),
        }
    }
}

impl Compiled {
    fn holds(&self, record: &Map<String, Value>, previous: &Map<String, Value>) -> bool {
        match self {
            Compiled::Group(group) => group.holds(record, previous),
            Compiled::Condition { field, kind, operator, expected } => {
                let before = || field.before(record, previous);
                let compare =
                    |value: &Value, operator| condition_holds(operator, parsed(*kind, value).as_ref(), expected);
                match operator {
                    Operator::AnyChange => before().is_some(),
                    Operator::ChangedTo => before().is_some() && compare(field.read(record), Operator::Equals),
                    Operator::ChangedFrom => before().is_some_and(|before| compare(before, Operator::Equals)),
                    _ => compare(field.read(record), *operator),
                }
            }
        }
    }
}
