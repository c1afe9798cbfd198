//! The event stream: what happened to a CRM record, as the workflow engine and the Activity
//! views read it. One shape for all 27 module events (`{id, subAccountId, module, type,
//! recordId, occurredAt, record, previous, cause}`), and the one rule that says which events a
//! write fires — so the built-in CRM, HighLevel's webhooks and the events API agree.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::change::Changes;
use super::event::EventType;
use super::id::{EventId, FormId, SubAccountId, UserId};
use super::module::Module;

/// Who or what made the change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", rename_all_fields = "camelCase")]
pub enum Cause {
    /// Someone signed in to OpsFlow, on a CRM page.
    Person { user_id: UserId },
    /// A form's writeback, for the person who submitted it. Form triggers do not answer it:
    /// a form's own pipeline move would make a form again.
    Form { form_id: FormId, user_id: Option<UserId> },
    /// A call to OpsFlow's API with an API key (events stored before keys were recorded name none).
    Api {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key_id: Option<String>,
    },
    /// A HighLevel webhook delivery.
    HighLevel { webhook_id: String },
    /// A workflow run's step.
    Workflow(RunTrace),
    /// OpsFlow's scheduler (a task's due date passed); `after` is the run whose step last wrote
    /// the task, whose chain of causes the event continues.
    Schedule {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<RunTrace>,
    },
    /// Demo data, written when OpsFlow starts with `--demo`.
    Demo,
}

/// A workflow run as the cause of what its steps did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunTrace {
    pub run_id: String,
    /// The runs that led to it, itself included (the first run is 1).
    pub depth: u8,
    /// The chain of causes it belongs to (its first event's id; see [`Chain`]). Events stored
    /// before chains were kept have none: the run is then taken as its own.
    #[serde(default)]
    pub chain: String,
}

/// Where an event stands in a chain of causes: the chain's first event — a person's change,
/// an API call, a webhook, a due date no workflow set — and how many workflow runs led from it
/// to this event. The runs an event starts are one deeper; the loop limit reads the depth and
/// the fan-out budget counts a chain's runs, whatever the chain passes through (a task a run
/// created falling due, a form a run created being submitted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    pub id: String,
    pub depth: u8,
}

impl Chain {
    /// The chain an event starts (nothing that a workflow did led to it).
    pub fn starting_at(event_id: &str) -> Chain {
        Chain { id: event_id.to_owned(), depth: 0 }
    }
}

impl RunTrace {
    /// The chain of what the run's steps cause.
    pub fn chain(&self) -> Chain {
        let id = if self.chain.is_empty() { &self.run_id } else { &self.chain };
        Chain { id: id.clone(), depth: self.depth }
    }
}

impl Cause {
    /// The chain of causes an event of this cause belongs to; `event_id` starts one when no run
    /// led to it.
    pub fn chain(&self, event_id: &str) -> Chain {
        match self {
            Cause::Workflow(trace) | Cause::Schedule { after: Some(trace) } => trace.chain(),
            _ => Chain::starting_at(event_id),
        }
    }
}

/// One stored event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordEvent {
    pub id: EventId,
    pub sub_account_id: SubAccountId,
    pub module: Module,
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub record_id: String,
    /// Unix milliseconds.
    pub occurred_at: i64,
    /// The record after the change.
    pub record: Map<String, Value>,
    /// The changed fields' values before it; empty for events without previous values.
    pub previous: Map<String, Value>,
    pub cause: Cause,
}

impl RecordEvent {
    /// The fields it changed, before → after, as the Activity view lists them.
    pub fn changes(&self) -> Changes {
        let after =
            self.previous.keys().map(|field| (field.clone(), self.record.get(field).cloned().unwrap_or(Value::Null)));
        Changes::between(&self.previous, &after.collect())
    }
}

/// An event a write fires, with the previous values it carries.
#[derive(Clone, Debug, PartialEq)]
pub struct Fired {
    pub event_type: EventType,
    pub previous: Map<String, Value>,
}

/// The events a write of one record fires: `*_created` for a new record; for a change, the
/// module's `*_updated` and each specific event whose field changed (a stage change is an
/// update too); nothing for a write that changed nothing.
pub fn fired(module: Module, before: Option<&Map<String, Value>>, after: &Map<String, Value>) -> Vec<Fired> {
    let Some(before) = before else {
        return vec![Fired { event_type: created(module), previous: Map::new() }];
    };
    let changes = Changes::between(before, after);
    if changes.is_empty() {
        return Vec::new();
    }
    let now = |field: &str| after.get(field).unwrap_or(&Value::Null);
    let became = |field: &str, value: &str| changes.touches(field) && now(field) == value;
    let turned_on = |field: &str| changes.touches(field) && now(field) == &Value::Bool(true);
    let specific: &[(bool, EventType)] = match module {
        Module::Leads => &[
            (changes.touches("stage"), EventType::LeadStageChanged),
            (changes.touches("score"), EventType::LeadScoreChanged),
            (turned_on("converted"), EventType::LeadConverted),
            (changes.touches("ownerId"), EventType::LeadAssigned),
        ],
        Module::Contacts => &[(changes.touches("ownerId"), EventType::ContactAssigned)],
        Module::Accounts => &[(changes.touches("ownerId"), EventType::AccountAssigned)],
        Module::Opportunities => &[
            (changes.touches("stageId") || changes.touches("pipelineId"), EventType::OpportunityStageChanged),
            (became("status", "won"), EventType::OpportunityWon),
            (became("status", "lost"), EventType::OpportunityLost),
            (changes.touches("ownerId"), EventType::OpportunityAssigned),
        ],
        Module::Tasks => &[(turned_on("completed"), EventType::TaskCompleted)],
        Module::Projects => &[
            (changes.touches("status"), EventType::ProjectStatusChanged),
            (became("status", "completed"), EventType::ProjectCompleted),
        ],
    };
    let previous = changes.previous();
    std::iter::once(updated(module))
        .chain(specific.iter().filter(|(fires, _)| *fires).map(|(_, event_type)| *event_type))
        .map(|event_type| Fired { event_type, previous: previous.clone() })
        .collect()
}

fn created(module: Module) -> EventType {
    match module {
        Module::Leads => EventType::LeadCreated,
        Module::Contacts => EventType::ContactCreated,
        Module::Accounts => EventType::AccountCreated,
        Module::Opportunities => EventType::OpportunityCreated,
        Module::Tasks => EventType::TaskCreated,
        Module::Projects => EventType::ProjectCreated,
    }
}

fn updated(module: Module) -> EventType {
    match module {
        Module::Leads => EventType::LeadUpdated,
        Module::Contacts => EventType::ContactUpdated,
        Module::Accounts => EventType::AccountUpdated,
        Module::Opportunities => EventType::OpportunityUpdated,
        Module::Tasks => EventType::TaskUpdated,
        Module::Projects => EventType::ProjectUpdated,
    }
}

/// Checks an event another CRM reports through the events API: a module event whose record
/// and previous values hold that module's fields with values they take (a reported record may
/// leave fields out, and may carry `customFields`), with previous values exactly when the event
/// is a change, and a change that is the event it says it is. Every problem, each with where.
pub fn check_reported(
    event_type: EventType,
    record_id: &str,
    record: &Map<String, Value>,
    previous: &Map<String, Value>,
) -> Result<Module, Vec<String>> {
    if event_type == EventType::FormSubmitted {
        return Err(vec![
            "`form_submitted` is OpsFlow's own: it fires when a form is submitted in the inbox".to_owned(),
        ]);
    }
    let Some(module) = event_type.module() else {
        return Err(vec![format!("`{}` is not a module event", event_type.as_str())]);
    };
    let mut problems = Vec::new();
    if record_id.trim().is_empty() {
        problems.push("record_id: a record needs its id".to_owned());
    }
    for (place, values) in [("record", record), ("previous", previous)] {
        for (name, value) in values {
            let problem = match (name.as_str(), module.field(name)) {
                ("id", _) if place == "record" && value.as_str() != Some(record_id) => {
                    Some("is not the event's record_id".to_owned())
                }
                ("id", _) if place == "record" => None,
                ("customFields", _) if value.is_object() => None,
                (_, None) => Some(format!("{} have no such field", module.as_str())),
                (_, Some(field)) => field.check(value).err().map(|problem| problem.to_string()),
            };
            problems.extend(problem.map(|problem| format!("{place}.{name}: {problem}")));
        }
    }
    match (event_type.has_previous(), previous.is_empty()) {
        (false, false) => {
            problems.push(format!("previous: `{}` changes nothing, so it has no previous values", event_type.as_str()))
        }
        (true, true) => problems.push(format!(
            "previous: `{}` is a change: name the fields it changed with their values before it",
            event_type.as_str()
        )),
        (true, false) if problems.is_empty() => {
            let mut before = record.clone();
            before.extend(previous.iter().map(|(name, value)| (name.clone(), value.clone())));
            if !fired(module, Some(&before), record).iter().any(|f| f.event_type == event_type) {
                problems.push(format!(
                    "previous: the record and its previous values do not show a `{}`",
                    event_type.as_str()
                ));
            }
        }
        _ => {}
    }
    if problems.is_empty() { Ok(module) } else { Err(problems) }
}
