//! The fields of each module's records, as the built-in CRM stores them, its pages edit them
//! and events carry them: one list per module, in the order a page shows them. A record is a
//! JSON object keyed by these (camelCase) names plus `id`; the same check of a value runs in the
//! browser before a save and on the server on the write.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

use super::date::Date;
use super::locale::NumberFormat;
use super::module::Module;

/// What a field holds, which decides how a value is checked and stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordFieldKind {
    /// Free text of at most `max` characters; empty is `""`.
    Text { max: usize },
    /// An email address, or empty.
    Email,
    /// A whole number between the bounds.
    Whole { min: i64, max: i64 },
    /// An amount of money (the sub-account's currency).
    Money,
    /// Yes or no.
    Flag,
    /// A day (`2026-12-01`) or a moment (`2026-12-01T09:00:00Z`), as HighLevel's `dueDate`.
    Due,
    /// One of these names; the first is a new record's.
    Choice(&'static [&'static str]),
    /// A user of the sub-account, or none (`null`).
    User,
    /// Users of the sub-account, in the order given.
    Users,
    /// Tag names, each once.
    Tags,
    /// A record of another module, or none.
    Link(Module),
    /// A pipeline of the sub-account.
    Pipeline,
    /// A stage of the record's pipeline.
    Stage,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordField {
    /// The name on the wire, in filters and in events (`ownerId`); the column is its snake_case.
    pub name: &'static str,
    pub label: &'static str,
    pub kind: RecordFieldKind,
    pub required: bool,
    /// Set by an operation (converting a lead), not by an edit.
    pub read_only: bool,
}

const fn field(name: &'static str, label: &'static str, kind: RecordFieldKind) -> RecordField {
    RecordField { name, label, kind, required: false, read_only: false }
}

const fn required(name: &'static str, label: &'static str, kind: RecordFieldKind) -> RecordField {
    RecordField { name, label, kind, required: true, read_only: false }
}

pub(crate) const fn read_only(name: &'static str, label: &'static str, kind: RecordFieldKind) -> RecordField {
    RecordField { name, label, kind, required: false, read_only: true }
}

use RecordFieldKind::{Choice, Due, Email, Flag, Link, Money, Tags, Text, User, Users, Whole};

/// How long a record's texts may be, in characters: a name or title, a longer text (a task's
/// details, a project's description), a phone number, a web address; an email address takes at
/// most [`EMAIL_MAX`] bytes. Checked in the browser and again on the server, so one pasted
/// novel cannot make every list as wide as it is.
pub const NAME_MAX: usize = 200;
pub const TEXT_MAX: usize = 5_000;
pub const PHONE_MAX: usize = 32;
pub const URL_MAX: usize = 2_048;
pub const EMAIL_MAX: usize = 254;

pub(crate) const NAME: RecordFieldKind = Text { max: NAME_MAX };
const LONG_TEXT: RecordFieldKind = Text { max: TEXT_MAX };
const PHONE: RecordFieldKind = Text { max: PHONE_MAX };
const URL: RecordFieldKind = Text { max: URL_MAX };

pub const LEAD_STAGES: &[&str] = &["new", "contacted", "qualified", "unqualified"];
/// HighLevel's opportunity statuses.
pub const OPPORTUNITY_STATUSES: &[&str] = &["open", "won", "lost", "abandoned"];
pub const PROJECT_STATUSES: &[&str] = &["planned", "active", "on_hold", "completed", "cancelled"];

const LEAD: &[RecordField] = &[
    required("firstName", "First name", NAME),
    field("lastName", "Last name", NAME),
    field("email", "Email", Email),
    field("phone", "Phone", PHONE),
    field("companyName", "Company", NAME),
    field("source", "Source", NAME),
    field("stage", "Stage", Choice(LEAD_STAGES)),
    field("score", "Score", Whole { min: 0, max: 100 }),
    field("ownerId", "Owner", User),
    read_only("converted", "Converted", Flag),
    read_only("contactId", "Converted to contact", Link(Module::Contacts)),
];

const CONTACT: &[RecordField] = &[
    required("firstName", "First name", NAME),
    field("lastName", "Last name", NAME),
    field("email", "Email", Email),
    field("phone", "Phone", PHONE),
    field("source", "Source", NAME),
    field("ownerId", "Owner", User),
    field("tags", "Tags", Tags),
    field("accountId", "Account", Link(Module::Accounts)),
];

const ACCOUNT: &[RecordField] = &[
    required("name", "Name", NAME),
    field("industry", "Industry", NAME),
    field("website", "Website", URL),
    field("phone", "Phone", PHONE),
    field("ownerId", "Owner", User),
];

const OPPORTUNITY: &[RecordField] = &[
    required("name", "Name", NAME),
    required("contactId", "Contact", Link(Module::Contacts)),
    required("pipelineId", "Pipeline", RecordFieldKind::Pipeline),
    required("stageId", "Stage", RecordFieldKind::Stage),
    field("monetaryValue", "Value", Money),
    field("status", "Status", Choice(OPPORTUNITY_STATUSES)),
    field("ownerId", "Owner", User),
];

const TASK: &[RecordField] = &[
    required("title", "Title", NAME),
    field("body", "Details", LONG_TEXT),
    required("dueDate", "Due", Due),
    field("completed", "Completed", Flag),
    field("assignedTo", "Assignee", User),
    field("contactId", "Contact", Link(Module::Contacts)),
    field("projectId", "Project", Link(Module::Projects)),
];

const PROJECT: &[RecordField] = &[
    required("name", "Name", NAME),
    field("description", "Description", LONG_TEXT),
    field("status", "Status", Choice(PROJECT_STATUSES)),
    field("opportunityId", "Opportunity", Link(Module::Opportunities)),
    field("members", "Members", Users),
];

impl Module {
    /// The fields of the module's records, in the order a page shows them.
    pub fn fields(self) -> &'static [RecordField] {
        match self {
            Module::Leads => LEAD,
            Module::Contacts => CONTACT,
            Module::Accounts => ACCOUNT,
            Module::Opportunities => OPPORTUNITY,
            Module::Tasks => TASK,
            Module::Projects => PROJECT,
        }
    }

    pub fn field(self, name: &str) -> Option<&'static RecordField> {
        self.fields().iter().find(|field| field.name == name)
    }
}

/// Why a record's field cannot take a value: says which field and what it takes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecordProblem {
    #[error("{module} have no field “{field}”")]
    UnknownField { module: &'static str, field: String },
    #[error("“{label}” is set by the CRM, not edited")]
    ReadOnly { label: &'static str },
    #[error("“{label}” is required")]
    Missing { label: &'static str },
    #[error("“{label}” {expected}")]
    Invalid { label: &'static str, expected: String },
    /// A reference to something the sub-account does not have (checked by the server).
    #[error("“{label}” names {id}, which this sub-account does not have")]
    Unknown { label: &'static str, id: String },
}

impl RecordFieldKind {
    /// A new record's value when none is given.
    pub fn default_value(self) -> Value {
        match self {
            Text { .. } | Email => Value::String(String::new()),
            Whole { min, .. } => Value::from(min),
            Money => Value::from(0.0),
            Flag => Value::Bool(false),
            Choice(names) => names.first().map_or(Value::Null, |name| Value::from(*name)),
            Users | Tags => Value::Array(Vec::new()),
            Due | User | Link(_) | RecordFieldKind::Pipeline | RecordFieldKind::Stage => Value::Null,
        }
    }

    /// What the field takes, as the end of "“Score” …".
    fn expected(self) -> String {
        match self {
            Text { max } => format!("takes text of at most {max} characters"),
            Email => format!("takes an email address like ana@example.com, at most {EMAIL_MAX} characters"),
            Whole { min, max } => format!("takes a whole number from {min} to {max}"),
            Money => "takes an amount with at most two decimals".to_owned(),
            Flag => "takes yes or no".to_owned(),
            Due => "takes a date like 2026-12-01 or a time like 2026-12-01T09:00:00Z".to_owned(),
            Choice(names) => format!("takes one of {}", names.join(", ")),
            User => "takes a user's id".to_owned(),
            Users => "takes a list of users' ids".to_owned(),
            Tags => "takes a list of different tags".to_owned(),
            Link(module) => format!("takes the id of one of the {}", module.as_str()),
            RecordFieldKind::Pipeline => "takes a pipeline's id".to_owned(),
            RecordFieldKind::Stage => "takes a stage's id".to_owned(),
        }
    }

    /// Whether `value` has this kind's shape; references are checked against the CRM by the
    /// server.
    fn accepts(self, value: &Value) -> bool {
        match (self, value) {
            (Text { max }, Value::String(text)) => text.chars().count() <= max,
            (Email, Value::String(text)) => text.is_empty() || (text.len() <= EMAIL_MAX && is_email(text)),
            (Whole { min, max }, Value::Number(number)) => number.as_i64().is_some_and(|n| (min..=max).contains(&n)),
            // Cents a float holds exactly (13 whole digits), as a currency field takes them.
            (Money, Value::Number(number)) => number.as_f64().is_some_and(|amount| {
                let cents = amount * 100.0;
                amount.abs() < 1e13 && (cents - cents.round()).abs() < 1e-6
            }),
            (Flag, Value::Bool(_)) => true,
            (Due, Value::String(text)) => is_due(text),
            (Choice(names), Value::String(text)) => names.contains(&text.as_str()),
            (User | Link(_), Value::Null) => true,
            (User | Link(_) | RecordFieldKind::Pipeline | RecordFieldKind::Stage, Value::String(id)) => {
                !id.trim().is_empty()
            }
            (Users | Tags, Value::Array(items)) => {
                items.iter().all(|item| item.as_str().is_some_and(|text| !text.trim().is_empty()))
                    && items.iter().enumerate().all(|(at, item)| !items[..at].contains(item))
            }
            _ => false,
        }
    }
}

/// Shaped like an email address: something, `@`, a domain with a dot, no spaces.
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.contains('@')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(char::is_whitespace)
}

/// `YYYY-MM-DD`, or that day followed by `THH:MM:SSZ` (what HighLevel's tasks carry).
fn is_due(text: &str) -> bool {
    let (day, time) = match text.split_once('T') {
        Some((day, time)) => (day, Some(time)),
        None => (text, None),
    };
    Date::parse(day).is_some() && time.is_none_or(is_utc_time)
}

fn is_utc_time(time: &str) -> bool {
    let bytes = time.as_bytes();
    let digits = |at: &[usize]| at.iter().all(|&i| bytes.get(i).is_some_and(u8::is_ascii_digit));
    bytes.len() == 9
        && digits(&[0, 1, 3, 4, 6, 7])
        && bytes[2] == b':'
        && bytes[5] == b':'
        && bytes[8] == b'Z'
        && time[0..2] < *"24"
        && time[3..5] < *"60"
        && time[6..8] < *"60"
}

impl RecordField {
    /// Checks one value for this field; `null` stands for "none" where the field allows it.
    pub fn check(&self, value: &Value) -> Result<(), RecordProblem> {
        let empty = match value {
            Value::Null => true,
            Value::String(text) => text.trim().is_empty(),
            _ => false,
        };
        if self.required && empty {
            return Err(RecordProblem::Missing { label: self.label });
        }
        if self.kind.accepts(value) {
            Ok(())
        } else {
            Err(RecordProblem::Invalid { label: self.label, expected: self.kind.expected() })
        }
    }
}

/// The values an edit sets, checked field by field: every problem, not just the first.
pub fn check_edit(module: Module, values: &Map<String, Value>) -> Vec<RecordProblem> {
    values
        .iter()
        .filter_map(|(name, value)| match module.field(name) {
            None => Some(RecordProblem::UnknownField { module: module.as_str(), field: name.clone() }),
            Some(field) if field.read_only => Some(RecordProblem::ReadOnly { label: field.label }),
            Some(field) => field.check(value).err(),
        })
        .collect()
}

/// A new record's values: the given ones over the defaults, checked, with every required field
/// present.
pub fn new_record(module: Module, given: &Map<String, Value>) -> Result<Map<String, Value>, Vec<RecordProblem>> {
    let mut problems = check_edit(module, given);
    let mut record = Map::new();
    for field in module.fields() {
        let value = given.get(field.name).cloned().unwrap_or_else(|| field.kind.default_value());
        if !given.contains_key(field.name)
            && let Err(problem) = field.check(&value)
        {
            problems.push(problem);
        }
        record.insert(field.name.to_owned(), value);
    }
    if problems.is_empty() { Ok(record) } else { Err(problems) }
}

impl Module {
    /// What a person calls a record: a lead's or contact's name, a task's title, the others'
    /// name.
    pub fn record_label(self, record: &Map<String, Value>) -> String {
        let text = |field: &str| record.get(field).and_then(Value::as_str).unwrap_or_default().trim().to_owned();
        let label = match self {
            Module::Leads | Module::Contacts => format!("{} {}", text("firstName"), text("lastName")).trim().to_owned(),
            Module::Tasks => text("title"),
            Module::Accounts | Module::Opportunities | Module::Projects => text("name"),
        };
        if label.is_empty() { "(unnamed)".to_owned() } else { label }
    }
}

/// A field's value as a page shows it: names for ids (`labels`: users, linked records,
/// pipelines and stages by id; due times in the sub-account's zone), the sub-account's way with
/// amounts, `—` for nothing.
pub fn display_value(
    kind: RecordFieldKind,
    value: &Value,
    labels: &BTreeMap<String, String>,
    format: NumberFormat,
) -> String {
    let named = |id: &str| labels.get(id).cloned().unwrap_or_else(|| id.to_owned());
    match (kind, value) {
        (_, Value::Null) => "—".to_owned(),
        (Flag, Value::Bool(on)) => if *on { "Yes" } else { "No" }.to_owned(),
        (Money, Value::Number(amount)) => {
            amount.as_f64().map_or_else(String::new, |amount| format.money((amount * 100.0).round() as i64))
        }
        (Choice(_), Value::String(name)) => choice_label(name),
        (User | Link(_) | RecordFieldKind::Pipeline | RecordFieldKind::Stage | Due, Value::String(id)) => named(id),
        (Users | Tags, Value::Array(items)) if items.is_empty() => "—".to_owned(),
        (Users, Value::Array(items)) => {
            items.iter().filter_map(Value::as_str).map(named).collect::<Vec<_>>().join(", ")
        }
        (_, Value::Array(items)) => items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "),
        (_, Value::String(text)) if text.is_empty() => "—".to_owned(),
        (_, Value::String(text)) => text.clone(),
        // A number as the sub-account writes it (`450`, `2,5`), not as JSON does (`450.0`).
        (_, Value::Number(number)) => number.as_f64().map_or_else(|| number.to_string(), |n| format.number(n)),
        (_, other) => other.to_string(),
    }
}

/// A choice as a page shows it: `on_hold` → `On hold`.
pub fn choice_label(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
