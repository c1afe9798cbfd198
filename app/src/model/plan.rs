//! A template compiled for evaluation, and the one evaluation function the browser calls on
//! every change and the server calls on submit.
//!
//! Compiling resolves rule references to field positions, parses rule values against the
//! controlling field's kind, compiles patterns and orders fields so every controlling field is
//! decided before the fields it controls. Evaluating is then a single pass with no lookups by
//! name, which keeps a 200-field form well inside a keystroke's budget.

use regex_lite::Regex;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

use super::condition::{Expected, condition_holds, expected_value};
use super::field::{Field, FieldKind, is_valid_key};
use super::locale::NumberFormat;
use super::rule::{Condition, Logic, Operator, Rule, RuleGroup};
use super::template::{Template, TemplateProblem};
use super::value::{self, Answer, Answers, FieldError, Parsed, Value};

/// A sound template, ready to evaluate answers against.
#[derive(Clone, Debug)]
pub struct FormPlan {
    template: Template,
    /// Field positions in an order where each controlling field comes before what it controls.
    order: Vec<usize>,
    rules: Vec<Option<CompiledGroup>>,
    patterns: Vec<Option<Regex>>,
    /// Whether some rule reads the field at this position; only those need parsing to decide
    /// visibility.
    controlling: Vec<bool>,
    /// Field positions in key order, to pair fields with the (key-ordered) answers in one walk.
    by_key: Vec<usize>,
    /// How the sub-account writes numbers and money, to read the answers with.
    format: NumberFormat,
}

/// The outcome of evaluating answers: what is shown, what is wrong, and what would be saved.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Visibility by field position.
    pub visible: Vec<bool>,
    /// Errors of visible fields, by field key. Hidden fields are never validated.
    pub errors: BTreeMap<String, FieldError>,
    /// Visible, answered fields in template order; hidden fields are dropped.
    pub answers: Vec<CleanAnswer>,
}

impl Evaluation {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn is_visible(&self, position: usize) -> bool {
        self.visible.get(position).copied().unwrap_or(false)
    }
}

/// One answer that survives cleaning: what the note, the custom fields and the Completed view use.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CleanAnswer {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub value: Value,
}

#[derive(Clone, Debug)]
struct CompiledGroup {
    logic: Logic,
    rules: Vec<CompiledRule>,
}

#[derive(Clone, Debug)]
enum CompiledRule {
    Group(CompiledGroup),
    Condition { field: usize, operator: Operator, expected: Expected },
}

impl FormPlan {
    /// Compiles a template, or lists every problem that keeps it from working. Answers will be
    /// read as `format` writes numbers; the template's own values are in its one notation
    /// ([`NumberFormat::TEMPLATE`]).
    pub fn new(template: &Template, format: NumberFormat) -> Result<Self, Vec<TemplateProblem>> {
        let mut problems = Vec::new();
        let name = template.name.trim();
        if name.is_empty() {
            problems.push(TemplateProblem::EmptyName);
        } else if name.chars().count() > Template::MAX_NAME_LEN {
            problems.push(TemplateProblem::NameTooLong);
        }
        if template.fields.is_empty() {
            problems.push(TemplateProblem::NoFields);
        }

        let mut index: HashMap<&str, usize> = HashMap::new();
        for (position, field) in template.fields.iter().enumerate() {
            if !is_valid_key(&field.key) {
                problems.push(TemplateProblem::InvalidKey { field: field.key.clone() });
            }
            if index.insert(field.key.as_str(), position).is_some()
                && !problems.iter().any(|p| matches!(p, TemplateProblem::DuplicateKey { key } if *key == field.key))
            {
                problems.push(TemplateProblem::DuplicateKey { key: field.key.clone() });
            }
            check_constraints(field, &mut problems);
        }

        let patterns = template.fields.iter().map(|field| compile_pattern(field, &mut problems)).collect();
        let rules: Vec<Option<CompiledGroup>> = template
            .fields
            .iter()
            .map(|field| {
                let group = field.show_if.as_ref()?;
                Some(compile_group(field, group, &template.fields, &index, &mut problems))
            })
            .collect();

        let order = match dependency_order(&rules) {
            Ok(order) => order,
            Err(cycles) => {
                problems.extend(cycles.into_iter().map(|cycle| TemplateProblem::RuleCycle {
                    fields: cycle.into_iter().map(|p| template.fields[p].key.clone()).collect(),
                }));
                Vec::new()
            }
        };
        if !problems.is_empty() {
            return Err(problems);
        }

        let mut controlling = vec![false; template.fields.len()];
        for position in rules.iter().flatten().flat_map(CompiledGroup::fields) {
            controlling[position] = true;
        }
        let mut by_key: Vec<usize> = (0..template.fields.len()).collect();
        by_key.sort_by(|a, b| template.fields[*a].key.cmp(&template.fields[*b].key));
        Ok(Self { template: template.clone(), order, rules, patterns, controlling, by_key, format })
    }

    pub fn template(&self) -> &Template {
        &self.template
    }

    /// Which fields are shown for these answers, by position. A field is shown when its rule
    /// holds and every field its rule reads is shown too, so hiding a field hides everything that
    /// depends on it.
    pub fn visibility(&self, answers: &Answers) -> Vec<bool> {
        let mut values: Vec<Option<Parsed>> = vec![None; self.template.fields.len()];
        for (position, answer) in self.pair(answers) {
            if self.controlling[position] {
                values[position] = value::parse(&self.template.fields[position], answer, &self.format).ok().flatten();
            }
        }
        self.visibility_of(&values)
    }

    fn visibility_of(&self, parsed: &[Option<Parsed>]) -> Vec<bool> {
        let mut visible = vec![true; self.template.fields.len()];
        for &position in &self.order {
            if let Some(group) = &self.rules[position] {
                visible[position] = group.holds(parsed, &visible);
            }
        }
        visible
    }

    /// Each field's position with its answer, if any. Answers are keyed and ordered by field
    /// key, so one walk over both sorted sequences pairs them without a lookup per field.
    fn pair<'a>(&'a self, answers: &'a Answers) -> impl Iterator<Item = (usize, Option<&'a Answer>)> {
        let mut pending = answers.iter().peekable();
        self.by_key.iter().map(move |&position| {
            let key = self.template.fields[position].key.as_str();
            loop {
                match pending.peek().map(|(answered, _)| answered.as_str().cmp(key)) {
                    Some(std::cmp::Ordering::Less) => {
                        pending.next();
                    }
                    Some(std::cmp::Ordering::Equal) => return (position, pending.next().map(|(_, answer)| answer)),
                    Some(std::cmp::Ordering::Greater) | None => return (position, None),
                }
            }
        })
    }

    /// Visibility, validation and cleaning in one pass: the browser shows the result as the
    /// staff member types, and the server accepts a submit only when `errors` is empty.
    pub fn evaluate(&self, answers: &Answers) -> Evaluation {
        let fields = &self.template.fields;
        let mut parsed: Vec<Result<Option<Parsed>, FieldError>> = (0..fields.len()).map(|_| Ok(None)).collect();
        for (position, answer) in self.pair(answers) {
            parsed[position] = value::parse(&fields[position], answer, &self.format);
        }
        let values: Vec<Option<Parsed>> = parsed.iter().map(|p| p.as_ref().ok().cloned().flatten()).collect();
        let visible = self.visibility_of(&values);

        let mut errors = BTreeMap::new();
        let mut clean = Vec::new();
        for (position, (field, parsed)) in fields.iter().zip(parsed).enumerate() {
            if !visible[position] || !field.kind.takes_answer() {
                continue;
            }
            match parsed.and_then(|value| check_value(field, value, self.patterns[position].as_ref())) {
                Err(error) => {
                    errors.insert(field.key.clone(), error);
                }
                Ok(Some(value)) => clean.push(CleanAnswer {
                    key: field.key.clone(),
                    label: field.label.clone(),
                    kind: field.kind,
                    value: value.to_value(),
                }),
                Ok(None) => {}
            }
        }
        Evaluation { visible, errors, answers: clean }
    }
}

/// Required, range, length and pattern checks of a parsed, visible answer.
fn check_value<'a>(
    field: &Field,
    value: Option<Parsed<'a>>,
    pattern: Option<&Regex>,
) -> Result<Option<Parsed<'a>>, FieldError> {
    let answered = value.as_ref().is_some_and(|v| !v.is_empty());
    if field.required && !answered {
        return Err(FieldError::Required);
    }
    let Some(value) = value else { return Ok(None) };
    if let Some(number) = value.as_number() {
        if let Some(min) = field.min.filter(|min| number < *min) {
            return Err(FieldError::TooSmall { min });
        }
        if let Some(max) = field.max.filter(|max| number > *max) {
            return Err(FieldError::TooLarge { max });
        }
    }
    if let Parsed::Text(text) = &value
        && field.kind.is_text()
    {
        let length = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
        if let Some(min) = field.min_length.filter(|min| length < *min) {
            return Err(FieldError::TooShort { min });
        }
        if let Some(max) = field.max_length.filter(|max| length > *max) {
            return Err(FieldError::TooLong { max });
        }
        if pattern.is_some_and(|re| !re.is_match(text)) {
            return Err(FieldError::PatternMismatch);
        }
    }
    Ok(Some(value))
}

fn check_constraints(field: &Field, problems: &mut Vec<TemplateProblem>) {
    let key = || field.key.clone();
    if field.label.trim().is_empty() {
        problems.push(TemplateProblem::EmptyLabel { field: key() });
    }
    if field.kind == FieldKind::Section && field.required {
        problems.push(TemplateProblem::SectionRequired { field: key() });
    }
    if field.kind.has_options() {
        if field.options.iter().all(|o| o.trim().is_empty()) {
            problems.push(TemplateProblem::NoOptions { field: key() });
        }
        for (i, option) in field.options.iter().enumerate() {
            if field.options[..i].contains(option) {
                problems.push(TemplateProblem::DuplicateOption { field: key(), option: option.clone() });
            }
        }
    }
    if let (Some(min), Some(max)) = (field.min, field.max)
        && min > max
    {
        problems.push(TemplateProblem::MinAboveMax { field: key() });
    }
    if let (Some(min), Some(max)) = (field.min_length, field.max_length)
        && min > max
    {
        problems.push(TemplateProblem::LengthRange { field: key() });
    }
}

/// Patterns match the whole answer, as an HTML `pattern` attribute does.
fn compile_pattern(field: &Field, problems: &mut Vec<TemplateProblem>) -> Option<Regex> {
    let pattern = field.pattern.as_deref().filter(|p| !p.is_empty())?;
    match Regex::new(&format!("^(?:{pattern})$")) {
        Ok(regex) => Some(regex),
        Err(error) => {
            problems.push(TemplateProblem::BadPattern { field: field.key.clone(), reason: error.to_string() });
            None
        }
    }
}

fn compile_group(
    owner: &Field,
    group: &RuleGroup,
    fields: &[Field],
    index: &HashMap<&str, usize>,
    problems: &mut Vec<TemplateProblem>,
) -> CompiledGroup {
    if group.rules.is_empty() {
        problems.push(TemplateProblem::EmptyRuleGroup { field: owner.key.clone() });
    }
    let rules = group
        .rules
        .iter()
        .filter_map(|rule| match rule {
            Rule::Group(inner) => Some(CompiledRule::Group(compile_group(owner, inner, fields, index, problems))),
            Rule::Condition(condition) => compile_condition(owner, condition, fields, index, problems),
        })
        .collect();
    CompiledGroup { logic: group.logic, rules }
}

fn compile_condition(
    owner: &Field,
    condition: &Condition,
    fields: &[Field],
    index: &HashMap<&str, usize>,
    problems: &mut Vec<TemplateProblem>,
) -> Option<CompiledRule> {
    let Some(&position) = index.get(condition.field.as_str()) else {
        problems
            .push(TemplateProblem::RuleOnMissingField { field: owner.key.clone(), missing: condition.field.clone() });
        return None;
    };
    let controlling = &fields[position];
    if controlling.kind == FieldKind::Section {
        problems
            .push(TemplateProblem::RuleOnSection { field: owner.key.clone(), controlling: controlling.key.clone() });
        return None;
    }
    if !condition.operator.applies_to(controlling.kind) {
        problems.push(TemplateProblem::OperatorNotForKind {
            field: owner.key.clone(),
            controlling: controlling.key.clone(),
            operator: condition.operator,
            kind: controlling.kind,
        });
        return None;
    }
    let options = controlling.kind.has_options().then_some(controlling.options.as_slice());
    match expected_value(controlling.kind, options, condition) {
        Ok(expected) => Some(CompiledRule::Condition { field: position, operator: condition.operator, expected }),
        Err(reason) => {
            problems.push(TemplateProblem::BadRuleValue {
                field: owner.key.clone(),
                controlling: controlling.key.clone(),
                reason,
            });
            None
        }
    }
}

impl CompiledGroup {
    fn holds(&self, values: &[Option<Parsed>], visible: &[bool]) -> bool {
        let mut results = self.rules.iter().map(|rule| match rule {
            CompiledRule::Group(group) => group.holds(values, visible),
            // A rule on a hidden field never holds: hidden answers do not count.
            CompiledRule::Condition { field, operator, expected } => {
                visible[*field] && condition_holds(*operator, values[*field].as_ref(), expected)
            }
        });
        match self.logic {
            Logic::All => results.all(|held| held),
            Logic::Any => results.any(|held| held),
        }
    }

    fn fields(&self) -> Vec<usize> {
        self.rules
            .iter()
            .flat_map(|rule| match rule {
                CompiledRule::Group(group) => group.fields(),
                CompiledRule::Condition { field, .. } => vec![*field],
            })
            .collect()
    }
}

/// Orders fields so that every controlling field precedes the fields it controls, or returns
/// the cycles that make such an order impossible.
fn dependency_order(rules: &[Option<CompiledGroup>]) -> Result<Vec<usize>, Vec<Vec<usize>>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Visiting,
        Done,
    }
    let dependencies: Vec<Vec<usize>> =
        rules.iter().map(|r| r.as_ref().map(CompiledGroup::fields).unwrap_or_default()).collect();
    let mut marks = vec![Mark::New; rules.len()];
    let mut order = Vec::with_capacity(rules.len());
    let mut cycles: Vec<Vec<usize>> = Vec::new();

    // Iterative depth-first search, so a long chain of rules cannot overflow the stack.
    for start in 0..rules.len() {
        if marks[start] != Mark::New {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        marks[start] = Mark::Visiting;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&dependency) = dependencies[node].get(*next) {
                *next += 1;
                match marks[dependency] {
                    Mark::New => {
                        marks[dependency] = Mark::Visiting;
                        stack.push((dependency, 0));
                    }
                    Mark::Visiting => {
                        let from = stack.iter().position(|&(n, _)| n == dependency).unwrap_or(0);
                        let mut cycle: Vec<usize> = stack[from..].iter().map(|&(n, _)| n).collect();
                        cycle.sort_unstable();
                        if !cycles.contains(&cycle) {
                            cycles.push(cycle);
                        }
                    }
                    Mark::Done => {}
                }
            } else {
                marks[node] = Mark::Done;
                order.push(node);
                stack.pop();
            }
        }
    }
    if cycles.is_empty() { Ok(order) } else { Err(cycles) }
}
