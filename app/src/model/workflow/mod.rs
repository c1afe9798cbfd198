//! Workflows (seed 001): a trigger — one of the 27 module events, or a form submitted in the
//! inbox — with filters, and an ordered list of actions, where a `branch` action's children run
//! on its `then` or `else` path. The object is the seed's, camelCase on the wire; one check says
//! everything wrong with a workflow a client sends (each problem at its JSON path,
//! `actions[2].config.userIds`), in the browser's editor and in the API alike.

pub mod actions;
mod config;
pub mod fields;
pub mod filter;
pub mod history;
pub mod interpolate;
pub mod run;
#[cfg(feature = "ssr")]
mod schema;
pub mod secrets;
#[cfg(feature = "ssr")]
pub use schema::WorkflowInput;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

pub use actions::{ActionConfig, ActionType, Assignment, Delay, DelayUnit, Person, WebhookCall};
pub use fields::{TriggerField, TriggerFields};
pub use filter::{CompiledFilters, TriggerFilters};

use super::crm::{CrmField, Pipeline};
use super::event::EventType;
use super::form_event::AnswerField;
use super::id::{ActionId, TemplateId, UserId, WorkflowId};
use super::locale::NumberFormat;
use super::module::TriggerModule;
use super::nul::{NUL_REFUSED, nul_paths};

/// Something wrong with a workflow, where it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Problem {
    /// JSON path from the workflow object: `name`, `triggerFilters.conditions[0].value`,
    /// `actions[2].config.userIds[1]`.
    pub path: String,
    pub message: String,
}

/// `actions[0].config.userIds: Required.`
impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() { f.write_str(&self.message) } else { write!(f, "{}: {}", self.path, self.message) }
    }
}

impl Problem {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self { path: path.into(), message: message.into() }
    }
}

/// What a check needs to know of the sub-account: what its workflows may name.
#[derive(Clone, Copy, Debug, Default)]
pub struct Catalog<'a> {
    pub custom_fields: &'a [CrmField],
    /// The answers its templates' forms can have (what a workflow on forms reads).
    pub answer_fields: &'a [AnswerField],
    pub users: &'a [UserId],
    pub pipelines: &'a [Pipeline],
    pub templates: &'a [TemplateId],
    /// Whether a `webhook` may call loopback, private and link-local addresses (a server
    /// setting, off by default: otherwise any admin could reach OpsFlow's own network).
    pub private_hosts: bool,
    /// A stored version read back to run: it was checked against the sub-account when saved,
    /// so the users, pipelines and templates it names are taken as they are (one removed since
    /// fails the step that uses it, with the CRM's reason).
    pub stored: bool,
}

impl Catalog<'_> {
    /// For reading a stored version's actions (see `stored`), with the fields it was checked
    /// against.
    pub fn stored<'a>(custom_fields: &'a [CrmField], answer_fields: &'a [AnswerField]) -> Catalog<'a> {
        Catalog { custom_fields, answer_fields, private_hosts: true, stored: true, ..Catalog::default() }
    }

    pub(crate) fn has_user(&self, id: &str) -> bool {
        self.stored || self.users.iter().any(|user| user == id)
    }

    pub(crate) fn has_template(&self, id: &str) -> bool {
        self.stored || self.templates.iter().any(|template| template == id)
    }

    /// Whether a pipeline id (`stage`: and one of its stages) is the sub-account's.
    pub(crate) fn has_pipeline(&self, id: &str, stage: Option<&str>) -> bool {
        self.stored || self.pipelines.iter().any(|p| p.id == id && stage.is_none_or(|stage| p.stage(stage).is_some()))
    }

    pub(crate) fn has_stage(&self, id: &str) -> bool {
        self.stored || self.pipelines.iter().any(|p| p.stage(id).is_some())
    }
}

/// What a sub-account's workflows may name, as owned data with the names people read: the
/// server reads it once per check, and the editor gets it to run the same check in the browser.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CatalogData {
    pub custom_fields: Vec<CrmField>,
    /// The answers of the sub-account's templates, which `form_submitted` workflows name.
    pub answer_fields: Vec<AnswerField>,
    pub users: Vec<UserId>,
    /// Each user's name, in the order of `users`.
    pub user_names: Vec<String>,
    pub pipelines: Vec<Pipeline>,
    pub templates: Vec<TemplateId>,
    /// Each template's name, in the order of `templates`.
    pub template_names: Vec<String>,
    pub private_hosts: bool,
    /// How the sub-account writes numbers and money: the editor reads and shows amounts so
    /// (the check takes them as JSON numbers).
    #[serde(default)]
    pub number_format: NumberFormat,
}

impl CatalogData {
    pub fn catalog(&self) -> Catalog<'_> {
        Catalog {
            custom_fields: &self.custom_fields,
            answer_fields: &self.answer_fields,
            users: &self.users,
            pipelines: &self.pipelines,
            templates: &self.templates,
            private_hosts: self.private_hosts,
            stored: false,
        }
    }

    /// The users as (id, name), for choosing among them.
    pub fn named_users(&self) -> impl Iterator<Item = (&UserId, &str)> {
        self.users.iter().zip(self.user_names.iter().map(String::as_str))
    }

    /// The templates as (id, name).
    pub fn named_templates(&self) -> impl Iterator<Item = (&TemplateId, &str)> {
        self.templates.iter().zip(self.template_names.iter().map(String::as_str))
    }
}

/// Which path of its parent `branch` an action is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum BranchPath {
    Then,
    Else,
}

/// One action, as seed 001 writes it, with `parentId` and `branch` for a branch's children.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Action {
    /// Kept across versions when sent back; given by OpsFlow when left out.
    pub id: ActionId,
    pub action_type: ActionType,
    /// The action's settings; which ones depends on `actionType`. Strings may hold
    /// `{{trigger.fieldName}}`.
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub config: Value,
    /// Its place among the actions at the same place (0 or more; no two alike there).
    pub sort_order: i64,
    /// The `branch` action it is inside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<ActionId>,
    /// Which of its parent's paths it is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<BranchPath>,
}

/// What a workflow says: everything but its id, version and times.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowSpec {
    pub name: String,
    pub description: String,
    pub trigger_module: TriggerModule,
    pub trigger_type: EventType,
    pub trigger_filters: TriggerFilters,
    pub is_active: bool,
    pub actions: Vec<Action>,
}

/// Seed 001's workflow object, with read-only `createdAt` and `updatedAt` (RFC 3339).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Workflow {
    /// Given by OpsFlow.
    pub id: WorkflowId,
    /// 1 to 200 characters.
    pub name: String,
    /// Up to 2,000 characters.
    pub description: String,
    /// The module whose events start it: a CRM module's records, or `forms` (a form submitted in
    /// the inbox).
    pub trigger_module: TriggerModule,
    /// One of the trigger module's events.
    pub trigger_type: EventType,
    /// Conditions the event's record must meet; none: every event.
    pub trigger_filters: TriggerFilters,
    /// Whether events start runs.
    pub is_active: bool,
    /// 1 when created, one more with each change; a run keeps the version it started with.
    pub version: i64,
    /// Run in `sortOrder`; a branch's children carry `parentId` and `branch`.
    pub actions: Vec<Action>,
    /// RFC 3339, set by OpsFlow.
    pub created_at: String,
    /// RFC 3339, set by OpsFlow: the last change, enabling or disabling.
    pub updated_at: String,
}

impl Workflow {
    pub fn new(id: WorkflowId, spec: WorkflowSpec, version: i64, created_at: String, updated_at: String) -> Self {
        let WorkflowSpec { name, description, trigger_module, trigger_type, trigger_filters, is_active, actions } =
            spec;
        Self {
            id,
            name,
            description,
            trigger_module,
            trigger_type,
            trigger_filters,
            is_active,
            version,
            actions,
            created_at,
            updated_at,
        }
    }

    /// What it says, without its id, version and times: two saves that say the same are one
    /// version.
    pub fn spec(&self) -> WorkflowSpec {
        WorkflowSpec {
            name: self.name.clone(),
            description: self.description.clone(),
            trigger_module: self.trigger_module,
            trigger_type: self.trigger_type,
            trigger_filters: self.trigger_filters.clone(),
            is_active: self.is_active,
            actions: self.actions.clone(),
        }
    }

    /// The actions that run one after another at one place: the top level (`parent` none), or
    /// one path of a branch; in `sortOrder`.
    pub fn sequence(&self, parent: Option<(&ActionId, BranchPath)>) -> Vec<&Action> {
        sequence(&self.actions, parent)
    }
}

/// The actions at one place of a list (see [`Workflow::sequence`]): the editor orders its
/// draft's actions with it too.
pub fn sequence<'a>(actions: &'a [Action], parent: Option<(&ActionId, BranchPath)>) -> Vec<&'a Action> {
    let mut found: Vec<&Action> = actions
        .iter()
        .filter(|action| match parent {
            None => action.parent_id.is_none(),
            Some((id, path)) => action.parent_id.as_ref() == Some(id) && action.branch == Some(path),
        })
        .collect();
    found.sort_by_key(|action| action.sort_order);
    found
}

pub const LONGEST_NAME: usize = 200;
pub const LONGEST_DESCRIPTION: usize = 2_000;
pub const MOST_ACTIONS: usize = 100;
/// Branches inside branches, at most this deep.
pub const DEEPEST_BRANCH: usize = 10;
/// Runs that start runs (a run's write fires an event that starts another), at most this deep:
/// past it a loop of workflows stops.
pub const DEEPEST_RUN: u8 = 5;

/// The top-level keys a workflow object has; `id`, `version`, `createdAt` and `updatedAt` are
/// read-only (a client may send back what it read).
pub(crate) const KEYS: &[&str] = &[
    "id",
    "name",
    "description",
    "triggerModule",
    "triggerType",
    "triggerFilters",
    "isActive",
    "version",
    "actions",
    "createdAt",
    "updatedAt",
];
pub(crate) const ACTION_KEYS: &[&str] = &["id", "actionType", "config", "sortOrder", "parentId", "branch"];

/// Checks a workflow a client sent (POST or PUT body), and reads it. `new_id` names an action
/// sent without an id. Every problem, each at its JSON path.
pub fn check(
    body: &Value,
    catalog: &Catalog,
    new_id: &mut dyn FnMut() -> ActionId,
) -> Result<WorkflowSpec, Vec<Problem>> {
    let Some(object) = body.as_object() else {
        return Err(vec![Problem::new("", "A workflow is a JSON object.")]);
    };
    let mut problems = Vec::new();
    // Refused first and alone: no part of such a body can be stored.
    let nul = nul_paths(body);
    if !nul.is_empty() {
        return Err(nul.into_iter().map(|path| Problem::new(path, NUL_REFUSED)).collect());
    }
    for key in object.keys().filter(|key| !KEYS.contains(&key.as_str())) {
        problems.push(Problem::new(key.clone(), format!("A workflow has no “{key}”; it has {}.", KEYS.join(", "))));
    }
    let sent_name = text(object, "name", &mut problems);
    // Counted as sent, the spaces around it too (the API's document says so); kept without them.
    match &sent_name {
        Some(name) if name.trim().is_empty() => problems.push(Problem::new("name", "Required.")),
        Some(name) if name.chars().count() > LONGEST_NAME => {
            problems.push(Problem::new("name", format!("At most {LONGEST_NAME} characters.")))
        }
        None if object.get("name").is_none_or(Value::is_null) => problems.push(Problem::new("name", "Required.")),
        _ => {}
    }
    let name = sent_name.map(|name| name.trim().to_owned());
    match object.get("version") {
        None | Some(Value::Null) => {}
        Some(Value::Number(number)) if number.as_i64().is_some_and(|n| n >= 1) => {}
        Some(_) => {
            problems.push(Problem::new("version", "Takes the version the change was made to: a whole number from 1."))
        }
    }
    let description = text(object, "description", &mut problems).unwrap_or_default();
    if description.chars().count() > LONGEST_DESCRIPTION {
        problems.push(Problem::new("description", format!("At most {LONGEST_DESCRIPTION} characters.")));
    }
    let is_active = match object.get("isActive") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => *flag,
        Some(_) => {
            problems.push(Problem::new("isActive", "Takes true or false."));
            false
        }
    };
    let trigger = trigger(object, &mut problems);
    let fields = |module| TriggerFields::new(module, catalog.custom_fields, catalog.answer_fields);
    let filters = match object.get("triggerFilters") {
        None | Some(Value::Null) => Some(TriggerFilters::default()),
        Some(value) => match serde_json::from_value::<TriggerFilters>(value.clone()) {
            Ok(filters) => Some(filters),
            Err(error) => {
                problems.push(Problem::new("triggerFilters", format!("{error}.")));
                None
            }
        },
    };
    if let (Some((module, event_type)), Some(filters)) = (trigger, &filters)
        && let Err(found) = filters.compile(&fields(module), event_type, "triggerFilters")
    {
        problems.extend(found);
    }
    let actions = match trigger {
        Some((module, event_type)) => actions(object, &fields(module), event_type, catalog, new_id, &mut problems),
        None => Vec::new(),
    };
    match (name, trigger, filters) {
        (Some(name), Some((trigger_module, trigger_type)), Some(trigger_filters)) if problems.is_empty() => {
            Ok(WorkflowSpec { name, description, trigger_module, trigger_type, trigger_filters, is_active, actions })
        }
        _ => Err(problems),
    }
}

fn text(object: &Map<String, Value>, key: &str, problems: &mut Vec<Problem>) -> Option<String> {
    match object.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(_) => {
            problems.push(Problem::new(key, "Takes text."));
            None
        }
    }
}

/// `triggerModule` and `triggerType`: an event of that trigger module.
fn trigger(object: &Map<String, Value>, problems: &mut Vec<Problem>) -> Option<(TriggerModule, EventType)> {
    let module = match object.get("triggerModule").and_then(Value::as_str).map(str::parse::<TriggerModule>) {
        Some(Ok(module)) => Some(module),
        Some(Err(error)) => {
            problems.push(Problem::new("triggerModule", format!("{error}.")));
            None
        }
        None => {
            problems
                .push(Problem::new("triggerModule", format!("Required: one of {}.", TriggerModule::NAMES.join(", "))));
            None
        }
    };
    let event_type = match object.get("triggerType").and_then(Value::as_str).map(str::parse::<EventType>) {
        Some(Ok(event_type)) if event_type.trigger_module().is_some() => Some(event_type),
        Some(Ok(event_type)) => {
            problems.push(Problem::new(
                "triggerType",
                format!("`{}` starts forms, not workflows: pick one of the modules' events.", event_type.as_str()),
            ));
            None
        }
        Some(Err(error)) => {
            problems.push(Problem::new("triggerType", format!("{error}.")));
            None
        }
        None => {
            problems.push(Problem::new("triggerType", "Required: one of the trigger module's events."));
            None
        }
    };
    let (module, event_type) = (module?, event_type?);
    if event_type.trigger_module() != Some(module) {
        let events: Vec<&str> = EventType::of_trigger_module(module).map(EventType::as_str).collect();
        let have = if events.len() == 1 { "it has" } else { "they have" };
        problems.push(Problem::new(
            "triggerType",
            format!("`{}` is not an event of {}; {have} {}.", event_type.as_str(), module.as_str(), events.join(", ")),
        ));
        return None;
    }
    Some((module, event_type))
}

fn actions(
    object: &Map<String, Value>,
    fields: &TriggerFields,
    trigger: EventType,
    catalog: &Catalog,
    new_id: &mut dyn FnMut() -> ActionId,
    problems: &mut Vec<Problem>,
) -> Vec<Action> {
    let listed = match object.get("actions") {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(listed)) => listed,
        Some(_) => {
            problems.push(Problem::new("actions", "Takes a list of actions."));
            return Vec::new();
        }
    };
    if listed.len() > MOST_ACTIONS {
        problems.push(Problem::new("actions", format!("A workflow has at most {MOST_ACTIONS} actions.")));
        return Vec::new();
    }
    let mut out = Vec::new();
    for (index, value) in listed.iter().enumerate() {
        let at = format!("actions[{index}]");
        if let Some(action) = action(value, &at, fields, trigger, catalog, new_id, problems) {
            out.push(action);
        }
    }
    if out.len() == listed.len() {
        structure_problems(&out, problems);
    }
    out
}

fn action(
    value: &Value,
    at: &str,
    fields: &TriggerFields,
    trigger: EventType,
    catalog: &Catalog,
    new_id: &mut dyn FnMut() -> ActionId,
    problems: &mut Vec<Problem>,
) -> Option<Action> {
    let Some(object) = value.as_object() else {
        problems.push(Problem::new(at, "An action is an object with actionType, config and sortOrder."));
        return None;
    };
    let before = problems.len();
    for key in object.keys().filter(|key| !ACTION_KEYS.contains(&key.as_str())) {
        problems.push(Problem::new(
            format!("{at}.{key}"),
            format!("An action has no “{key}”; it has {}.", ACTION_KEYS.join(", ")),
        ));
    }
    let id = match object.get("id") {
        None | Some(Value::Null) => Some(new_id()),
        Some(Value::String(id)) if is_action_id(id) => Some(ActionId::from(id.as_str())),
        Some(_) => {
            problems.push(Problem::new(format!("{at}.id"), "An action's id is 1 to 64 letters, digits, - or _."));
            None
        }
    };
    let action_type = match object.get("actionType").and_then(Value::as_str).map(str::parse::<ActionType>) {
        Some(Ok(action_type)) => Some(action_type),
        Some(Err(error)) => {
            problems.push(Problem::new(format!("{at}.actionType"), format!("{error}.")));
            None
        }
        None => {
            problems.push(Problem::new(
                format!("{at}.actionType"),
                format!("Required: one of {}.", ActionType::NAMES.join(", ")),
            ));
            None
        }
    };
    let sent = object.get("config").cloned().unwrap_or_else(|| Value::Object(Map::new()));
    // Stored as it will run: every setting written out, defaults included, so reading the
    // workflow back shows exactly what its steps do.
    let config = action_type
        .and_then(|action_type| {
            ActionConfig::check(action_type, &sent, trigger, fields, catalog, &format!("{at}.config"), problems)
        })
        .map(|typed| typed.to_config());
    let sort_order = match object.get("sortOrder") {
        Some(Value::Number(number)) if number.as_i64().is_some_and(|n| n >= 0) => number.as_i64(),
        _ => {
            problems.push(Problem::new(
                format!("{at}.sortOrder"),
                "Required: a whole number of at least 0 (the order it runs in).",
            ));
            None
        }
    };
    let parent_id = match object.get("parentId") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(ActionId::from(id.as_str())),
        Some(_) => {
            problems.push(Problem::new(format!("{at}.parentId"), "Takes the id of a branch action."));
            None
        }
    };
    let branch = match object.get("branch") {
        None | Some(Value::Null) => None,
        Some(value) => match serde_json::from_value::<BranchPath>(value.clone()) {
            Ok(path) => Some(path),
            Err(_) => {
                problems.push(Problem::new(format!("{at}.branch"), "Takes \"then\" or \"else\"."));
                None
            }
        },
    };
    if parent_id.is_some() != branch.is_some() {
        problems.push(Problem::new(
            format!("{at}.branch"),
            "An action inside a branch names both its parentId and its branch (\"then\" or \"else\"); one outside names neither.",
        ));
    }
    if problems.len() > before {
        return None;
    }
    Some(Action { id: id?, action_type: action_type?, config: config?, sort_order: sort_order?, parent_id, branch })
}

fn is_action_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Ids unique; each parent a branch of the same workflow, no action its own ancestor, branches
/// at most [`DEEPEST_BRANCH`] deep; no two actions at one place with the same `sortOrder`.
fn structure_problems(actions: &[Action], problems: &mut Vec<Problem>) {
    let mut seen = HashSet::new();
    for (index, action) in actions.iter().enumerate() {
        if !seen.insert(&action.id) {
            problems.push(Problem::new(
                format!("actions[{index}].id"),
                format!("“{}” is the id of another action too.", action.id),
            ));
        }
    }
    let by_id: HashMap<&ActionId, &Action> = actions.iter().map(|action| (&action.id, action)).collect();
    let mut places: HashSet<(Option<&ActionId>, Option<BranchPath>, i64)> = HashSet::new();
    for (index, action) in actions.iter().enumerate() {
        let at = format!("actions[{index}]");
        if let Some(parent) = &action.parent_id {
            match by_id.get(parent) {
                None => {
                    problems.push(Problem::new(format!("{at}.parentId"), format!("No action has the id “{parent}”.")))
                }
                Some(found) if found.action_type != ActionType::Branch => problems.push(Problem::new(
                    format!("{at}.parentId"),
                    format!("“{parent}” is a {} action; only a branch has actions inside.", found.action_type.as_str()),
                )),
                Some(_) => {
                    let mut depth = 0;
                    let mut current = Some(parent);
                    while let Some(id) = current {
                        depth += 1;
                        if id == &action.id || depth > DEEPEST_BRANCH {
                            let message = if id == &action.id {
                                "An action cannot be inside itself.".to_owned()
                            } else {
                                format!("Branches go at most {DEEPEST_BRANCH} deep.")
                            };
                            problems.push(Problem::new(format!("{at}.parentId"), message));
                            break;
                        }
                        current = by_id.get(id).and_then(|parent| parent.parent_id.as_ref());
                    }
                }
            }
        }
        if !places.insert((action.parent_id.as_ref(), action.branch, action.sort_order)) {
            problems.push(Problem::new(
                format!("{at}.sortOrder"),
                format!("Another action at the same place has sortOrder {}.", action.sort_order),
            ));
        }
    }
}
