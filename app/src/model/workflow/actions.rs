//! The actions a workflow runs: seed 001's 13 and `create_form` (a form for staff, OpsFlow's
//! reason to be), each with its settings checked before the workflow is saved — every problem
//! with its path — and read into a typed config the engine runs.

use serde_json::{Value, json};

use super::config::Config;
use super::fields::{TriggerField, TriggerFields};
use super::filter::TriggerFilters;
use super::secrets::HIDDEN;
use super::{Catalog, Problem};
use crate::model::crm::CrmFieldValue;
use crate::model::event::EventType;
use crate::model::id::{TemplateId, UserId};
use crate::model::module::{Module, TriggerModule};
use crate::model::named::named;
use crate::model::record::{PROJECT_STATUSES, RecordFieldKind, is_email};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActionType {
    AssignOwner,
    CreateTask,
    UpdateField,
    AddTag,
    SendNotification,
    SendEmail,
    SendWhatsapp,
    SendSms,
    Webhook,
    Wait,
    Branch,
    CreateOpportunity,
    CreateProject,
    CreateForm,
}

impl ActionType {
    pub const ALL: [ActionType; 14] = [
        ActionType::AssignOwner,
        ActionType::CreateTask,
        ActionType::UpdateField,
        ActionType::AddTag,
        ActionType::SendNotification,
        ActionType::SendEmail,
        ActionType::SendWhatsapp,
        ActionType::SendSms,
        ActionType::Webhook,
        ActionType::Wait,
        ActionType::Branch,
        ActionType::CreateOpportunity,
        ActionType::CreateProject,
        ActionType::CreateForm,
    ];
    pub const NAMES: &'static [&'static str] = &[
        "assign_owner",
        "create_task",
        "update_field",
        "add_tag",
        "send_notification",
        "send_email",
        "send_whatsapp",
        "send_sms",
        "webhook",
        "wait",
        "branch",
        "create_opportunity",
        "create_project",
        "create_form",
    ];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// Webhooks, email and texts: they call another system, which may be slow to answer.
    pub fn calls_out(self) -> bool {
        matches!(self, ActionType::Webhook | ActionType::SendEmail | ActionType::SendSms | ActionType::SendWhatsapp)
    }

    /// Seed 001's description (and OpsFlow's for `create_form`).
    pub fn label(self) -> &'static str {
        match self {
            ActionType::AssignOwner => "Auto-assign record owner",
            ActionType::CreateTask => "Create follow-up task",
            ActionType::UpdateField => "Update entity field",
            ActionType::AddTag => "Add tag to record",
            ActionType::SendNotification => "In-app notification",
            ActionType::SendEmail => "Send email",
            ActionType::SendWhatsapp => "Send WhatsApp via Twilio",
            ActionType::SendSms => "Send SMS via Twilio",
            ActionType::Webhook => "Call external API",
            ActionType::Wait => "Delay before next action",
            ActionType::Branch => "If/else conditional split",
            ActionType::CreateOpportunity => "Create opportunity from lead",
            ActionType::CreateProject => "Create project from opportunity",
            ActionType::CreateForm => "Create a form for staff",
        }
    }

    /// The settings an action of this type takes in its `config`; any other is a problem.
    pub fn settings(self) -> &'static [&'static str] {
        match self {
            Self::AssignOwner => &["algorithm", "userIds", "userId"],
            Self::CreateTask => &["title", "body", "dueIn", "assignedTo"],
            Self::UpdateField => &["field", "value"],
            Self::AddTag => &["tags"],
            Self::SendNotification => &["recipients", "title", "message"],
            Self::SendEmail => &["to", "subject", "body", "format"],
            Self::SendSms | Self::SendWhatsapp => &["to", "message"],
            Self::Webhook => &["method", "url", "headers", "body", "timeoutMs"],
            Self::Wait => &["amount", "unit"],
            Self::Branch => &["conditions"],
            Self::CreateOpportunity => &["pipelineId", "stageId", "name", "monetaryValue"],
            Self::CreateProject => &["name", "description", "status"],
            Self::CreateForm => &["templateId"],
        }
    }
}

named!(ActionType, "an action type");

/// How long a `wait` waits, or when a created task is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delay {
    pub amount: i64,
    pub unit: DelayUnit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DelayUnit {
    Minutes,
    Hours,
    Days,
}

const DELAY_UNITS: &[&str] = &["minutes", "hours", "days"];
/// The longest wait: a year.
const LONGEST_DELAY_MS: i64 = 366 * 24 * 3_600_000;

impl Delay {
    pub fn millis(self) -> i64 {
        let unit = match self.unit {
            DelayUnit::Minutes => 60_000,
            DelayUnit::Hours => 3_600_000,
            DelayUnit::Days => 86_400_000,
        };
        self.amount * unit
    }
}

/// Who a task or a notification is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Person {
    /// The trigger record's owner (its assignee for a task; a submitted form's contact's owner)
    /// when the step runs.
    Owner,
    User(UserId),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Assignment {
    /// The next of these users, in turn, with one cursor per action shared by every instance.
    RoundRobin(Vec<UserId>),
    Fixed(UserId),
}

pub const HTTP_METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

/// A `webhook`'s call. Strings may hold `{{trigger.…}}`.
#[derive(Clone, Debug, PartialEq)]
pub struct WebhookCall {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// A JSON value whose strings are filled in, or a JSON text filled in JSON-escaped.
    pub body: Option<Value>,
    pub timeout_ms: i64,
}

/// Headers the engine sets itself.
const RESERVED_HEADERS: &[&str] = &["host", "content-length", "idempotency-key", "transfer-encoding", "connection"];

/// An action's settings, checked and typed.
#[derive(Clone, Debug, PartialEq)]
pub enum ActionConfig {
    AssignOwner(Assignment),
    CreateTask {
        title: String,
        body: String,
        due_in: Delay,
        assignee: Option<Person>,
    },
    /// `value` is JSON; a text value may hold `{{trigger.…}}`.
    UpdateField {
        field: TriggerField,
        value: Value,
    },
    AddTag {
        tags: Vec<String>,
    },
    SendNotification {
        recipients: Vec<Person>,
        title: String,
        message: String,
    },
    SendEmail {
        to: String,
        subject: String,
        body: String,
        html: bool,
    },
    SendSms {
        to: String,
        message: String,
    },
    SendWhatsapp {
        to: String,
        message: String,
    },
    Webhook(WebhookCall),
    Wait(Delay),
    Branch(TriggerFilters),
    CreateOpportunity {
        pipeline_id: String,
        stage_id: String,
        name: String,
        monetary_value: Option<f64>,
    },
    CreateProject {
        name: String,
        description: String,
        status: &'static str,
    },
    CreateForm {
        template_id: TemplateId,
    },
}

impl DelayUnit {
    fn as_str(self) -> &'static str {
        match self {
            DelayUnit::Minutes => "minutes",
            DelayUnit::Hours => "hours",
            DelayUnit::Days => "days",
        }
    }
}

impl Delay {
    fn to_config(self) -> Value {
        json!({ "amount": self.amount, "unit": self.unit.as_str() })
    }
}

impl Person {
    fn to_config(&self) -> Value {
        match self {
            Person::Owner => Value::from("owner"),
            Person::User(id) => Value::from(id.as_str()),
        }
    }
}

impl ActionConfig {
    /// The settings written out as the action's `config`, every default included.
    pub fn to_config(&self) -> Value {
        let mut config = match self {
            ActionConfig::AssignOwner(Assignment::RoundRobin(users)) => {
                json!({ "algorithm": "round_robin", "userIds": users })
            }
            ActionConfig::AssignOwner(Assignment::Fixed(user)) => json!({ "algorithm": "fixed", "userId": user }),
            ActionConfig::CreateTask { title, body, due_in, assignee } => json!({
                "title": title, "body": body, "dueIn": due_in.to_config(),
                "assignedTo": assignee.as_ref().map(Person::to_config),
            }),
            ActionConfig::UpdateField { field, value } => json!({ "field": field.key(), "value": value }),
            ActionConfig::AddTag { tags } => json!({ "tags": tags }),
            ActionConfig::SendNotification { recipients, title, message } => json!({
                "recipients": recipients.iter().map(Person::to_config).collect::<Vec<_>>(),
                "title": title, "message": message,
            }),
            ActionConfig::SendEmail { to, subject, body, html } => json!({
                "to": to, "subject": subject, "body": body, "format": if *html { "html" } else { "text" },
            }),
            ActionConfig::SendSms { to, message } | ActionConfig::SendWhatsapp { to, message } => {
                json!({ "to": to, "message": message })
            }
            ActionConfig::Webhook(call) => json!({
                "method": call.method, "url": call.url,
                "headers": call.headers.iter()
                    .map(|(name, value)| (name.clone(), Value::from(value.as_str())))
                    .collect::<serde_json::Map<_, _>>(),
                "body": call.body, "timeoutMs": call.timeout_ms,
            }),
            ActionConfig::Wait(delay) => delay.to_config(),
            ActionConfig::Branch(filters) => json!({ "conditions": filters }),
            ActionConfig::CreateOpportunity { pipeline_id, stage_id, name, monetary_value } => json!({
                "pipelineId": pipeline_id, "stageId": stage_id, "name": name, "monetaryValue": monetary_value,
            }),
            ActionConfig::CreateProject { name, description, status } => {
                json!({ "name": name, "description": description, "status": status })
            }
            ActionConfig::CreateForm { template_id } => json!({ "templateId": template_id }),
        };
        // Settings left out stay out (a `null` would read as a value).
        if let Value::Object(map) = &mut config {
            map.retain(|_, value| !value.is_null());
        }
        config
    }
}

/// The field that holds a module's owner (a task's assignee); projects have members instead.
pub fn owner_field(module: Module) -> Option<&'static str> {
    match module {
        Module::Leads | Module::Contacts | Module::Accounts | Module::Opportunities => Some("ownerId"),
        Module::Tasks => Some("assignedTo"),
        Module::Projects => None,
    }
}

/// Whether a module's record leads to a contact (a form is made for one).
fn has_contact(module: Module) -> bool {
    matches!(module, Module::Leads | Module::Contacts | Module::Opportunities | Module::Tasks)
}

impl ActionConfig {
    /// Reads and checks an action's `config` (at path `at`) for a workflow on `trigger`.
    pub fn check(
        action_type: ActionType,
        config: &Value,
        trigger: EventType,
        fields: &TriggerFields,
        catalog: &Catalog,
        at: &str,
        problems: &mut Vec<Problem>,
    ) -> Option<ActionConfig> {
        // A workflow on forms acts on the submitted form's contact.
        let (module, acted_on) = (fields.module(), fields.module().record_module());
        let known = action_type.settings();
        let before = problems.len();
        let wrong_module = |expected: &[Module]| -> Option<String> {
            (!expected.contains(&acted_on)).then(|| {
                let names: Vec<&str> = expected.iter().map(|m| m.as_str()).collect();
                format!("`{}` runs on {}, not on {}.", action_type.as_str(), names.join(" or "), module.as_str())
            })
        };
        let module_problem = match action_type {
            ActionType::AssignOwner if owner_field(acted_on).is_none() => {
                Some(format!("{} have no owner to assign.", module.label()))
            }
            ActionType::AddTag => wrong_module(&[Module::Contacts]),
            ActionType::CreateOpportunity => wrong_module(&[Module::Leads]),
            ActionType::CreateProject => wrong_module(&[Module::Opportunities]),
            ActionType::CreateForm if !has_contact(acted_on) => {
                Some(format!("A form is made for a contact, and {} have none.", module.as_str()))
            }
            _ => None,
        };
        if let Some(problem) = module_problem {
            problems.push(Problem::new(format!("{}.actionType", at.trim_end_matches(".config")), problem));
        }
        let mut config = Config::new(config, at, known, problems)?;
        let typed = match action_type {
            ActionType::AssignOwner => assign_owner(&mut config, catalog),
            ActionType::CreateTask => create_task(&mut config, fields, catalog),
            ActionType::UpdateField => update_field(&mut config, fields, catalog),
            ActionType::AddTag => add_tag(&mut config, fields),
            ActionType::SendNotification => send_notification(&mut config, fields, catalog),
            ActionType::SendEmail => send_email(&mut config, fields),
            ActionType::SendSms | ActionType::SendWhatsapp => message(action_type, &mut config, fields),
            ActionType::Webhook => webhook(&mut config, fields, catalog),
            ActionType::Wait => delay(&mut config, None).map(ActionConfig::Wait),
            ActionType::Branch => branch(&mut config, fields, trigger),
            ActionType::CreateOpportunity => create_opportunity(&mut config, fields, catalog),
            ActionType::CreateProject => create_project(&mut config, fields),
            ActionType::CreateForm => create_form(&mut config, catalog),
        };
        if problems.len() > before { None } else { typed }
    }
}

/// Tags, each of which may be filled in from the record (`{{trigger.source}}`).
fn add_tag(config: &mut Config, fields: &TriggerFields) -> Option<ActionConfig> {
    let tags = config.texts("tags", true);
    for (index, tag) in tags.iter().enumerate() {
        if let Err(problem) = super::interpolate::variables(tag, fields) {
            config.problem(&format!("tags[{index}]"), problem);
        }
    }
    Some(ActionConfig::AddTag { tags })
}

fn user(config: &mut Config, name: &str, value: &str, catalog: &Catalog) -> Option<UserId> {
    if catalog.has_user(value) {
        Some(UserId::from(value))
    } else {
        config.problem(name, format!("“{value}” is not a user of this sub-account."));
        None
    }
}

fn assign_owner(config: &mut Config, catalog: &Catalog) -> Option<ActionConfig> {
    let algorithm = config.choice("algorithm", &["round_robin", "fixed"], Some("round_robin"))?;
    if algorithm == "fixed" {
        let Some(id) = config.get("userId").and_then(Value::as_str) else {
            config.problem("userId", "Required: the user who becomes the owner.");
            return None;
        };
        return user(config, "userId", id, catalog).map(|id| ActionConfig::AssignOwner(Assignment::Fixed(id)));
    }
    let ids = config.texts("userIds", true);
    let users: Vec<UserId> =
        ids.iter().enumerate().filter_map(|(i, id)| user(config, &format!("userIds[{i}]"), id, catalog)).collect();
    Some(ActionConfig::AssignOwner(Assignment::RoundRobin(users)))
}

/// `"owner"` or a user's id.
fn person(config: &mut Config, name: &str, value: &Value, catalog: &Catalog, fields: &TriggerFields) -> Option<Person> {
    match value.as_str() {
        // A module without owners: "owner" would be nobody on every run.
        Some("owner") if owner_field(fields.module().record_module()).is_none() => {
            let records = fields.module().record_module().label();
            config.problem(name, format!("{records} have no owner: choose the people instead."));
            None
        }
        Some("owner") => Some(Person::Owner),
        Some(id) => user(config, name, id, catalog).map(Person::User),
        None => {
            config.problem(name, "Takes \"owner\" or a user's id.");
            None
        }
    }
}

fn create_task(config: &mut Config, fields: &TriggerFields, catalog: &Catalog) -> Option<ActionConfig> {
    let title = config.text("title", true, fields);
    let body = config.text("body", false, fields).unwrap_or_default();
    let due_in = match config.get("dueIn") {
        None => Some(Delay { amount: 1, unit: DelayUnit::Days }),
        Some(value) => {
            let at = config.path("dueIn");
            let mut inner = Config::new(value, &at, &["amount", "unit"], config.problems)?;
            delay(&mut inner, Some(0))
        }
    };
    let assignee = match config.get("assignedTo") {
        None => None,
        Some(value) => Some(person(config, "assignedTo", value, catalog, fields)?),
    };
    Some(ActionConfig::CreateTask { title: title?, body, due_in: due_in?, assignee })
}

/// `{amount, unit}`; `min` is the least amount (a task may be due at once, a wait waits).
fn delay(config: &mut Config, min: Option<i64>) -> Option<Delay> {
    let amount = config.whole("amount", min.unwrap_or(1), 100_000, None);
    let unit = match config.choice("unit", DELAY_UNITS, None)? {
        "minutes" => DelayUnit::Minutes,
        "hours" => DelayUnit::Hours,
        _ => DelayUnit::Days,
    };
    let delay = Delay { amount: amount?, unit };
    if delay.millis() > LONGEST_DELAY_MS {
        config.problem("amount", "Waits at most 366 days.");
        return None;
    }
    Some(delay)
}

fn update_field(config: &mut Config, fields: &TriggerFields, catalog: &Catalog) -> Option<ActionConfig> {
    let Some(name) = config.get("field").and_then(Value::as_str) else {
        config.problem("field", "Required: the name of the field to set.");
        return None;
    };
    // The field is the record's the workflow acts on (a form's contact's); the value may be
    // filled in from the trigger (a form's answers).
    let acted_on = fields.acted_on();
    let Some(field) = acted_on.resolve(name) else {
        let problem = if fields.module() == TriggerModule::Forms {
            format!(
                "A submitted form does not change: `update_field` sets a field of its contact. {}.",
                acted_on.no_field(name)
            )
        } else {
            format!("{}.", acted_on.no_field(name))
        };
        config.problem("field", problem);
        return None;
    };
    let value = config.get("value").cloned().unwrap_or(Value::Null);
    match &field {
        TriggerField::Id => config.problem("field", "A record's id cannot be changed."),
        TriggerField::Record(record_field) if record_field.read_only => {
            config.problem("field", format!("“{}” is set by the CRM, not by a workflow.", record_field.label))
        }
        _ => {}
    }
    // A value with placeholders is checked when it is filled in; a fixed one now.
    if let Some(text) = value.as_str()
        && text.contains("{{")
    {
        if let Err(problem) = super::interpolate::variables(text, fields) {
            config.problem("value", problem);
        }
    } else if let TriggerField::Custom(custom) = &field
        && acted_on.module() != TriggerModule::Records(Module::Contacts)
    {
        config.problem(
            "field",
            format!("“{}” is a contact's field: update it on the contact the lead becomes.", custom.name),
        );
    } else if let TriggerField::Custom(custom) = &field {
        let fits = serde_json::from_value::<CrmFieldValue>(value.clone())
            .map_err(|_| "takes text, a number or a list of options".to_owned())
            .and_then(|typed| custom.check_value(&typed));
        if let Err(why) = fits {
            config.problem("value", format!("“{}” {why}.", custom.name));
        }
    } else if let TriggerField::Record(record_field) = &field {
        if let Err(problem) = record_field.check(&value) {
            config.problem("value", format!("{problem}."));
        } else if let Some(unknown) = unknown_reference(record_field.kind, &value, catalog) {
            config.problem(
                "value",
                format!("“{}” names {unknown}, which this sub-account does not have.", record_field.label),
            );
        }
    }
    Some(ActionConfig::UpdateField { field, value })
}

/// A user, pipeline or stage id a fixed value names that the sub-account lacks (linked records
/// are checked by the CRM when the step runs).
fn unknown_reference(kind: RecordFieldKind, value: &Value, catalog: &Catalog) -> Option<String> {
    let ids: Vec<&str> = match value {
        Value::String(id) => vec![id.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let known = |id: &str| match kind {
        RecordFieldKind::User | RecordFieldKind::Users => catalog.has_user(id),
        RecordFieldKind::Pipeline => catalog.has_pipeline(id, None),
        RecordFieldKind::Stage => catalog.has_stage(id),
        _ => true,
    };
    ids.into_iter().find(|id| !known(id)).map(str::to_owned)
}

fn send_notification(config: &mut Config, fields: &TriggerFields, catalog: &Catalog) -> Option<ActionConfig> {
    let title = config.text("title", true, fields);
    let message = config.text("message", false, fields).unwrap_or_default();
    let listed = config.get("recipients").and_then(Value::as_array).cloned();
    let Some(listed) = listed.filter(|list| !list.is_empty()) else {
        config.problem("recipients", "Required: a list of \"owner\" and users' ids.");
        return None;
    };
    let recipients: Vec<Person> = listed
        .iter()
        .enumerate()
        .filter_map(|(i, value)| person(config, &format!("recipients[{i}]"), value, catalog, fields))
        .collect();
    Some(ActionConfig::SendNotification { recipients, title: title?, message })
}

fn send_email(config: &mut Config, fields: &TriggerFields) -> Option<ActionConfig> {
    let to = config.text("to", true, fields);
    if let Some(to) = &to
        && !to.contains("{{")
        && !is_email(to.trim())
    {
        config.problem("to", format!("“{to}” is not an email address (or a {{{{trigger.email}}}} variable)."));
    }
    let subject = config.text("subject", true, fields);
    let body = config.text("body", true, fields);
    let html = config.choice("format", &["text", "html"], Some("text"))? == "html";
    Some(ActionConfig::SendEmail { to: to?, subject: subject?, body: body?, html })
}

/// Twilio's longest message body.
const LONGEST_MESSAGE: usize = 1600;

fn message(action_type: ActionType, config: &mut Config, fields: &TriggerFields) -> Option<ActionConfig> {
    let to = config.text("to", true, fields);
    if let Some(to) = &to
        && !to.contains("{{")
        && !is_phone_number(to.trim())
    {
        config.problem("to", format!("“{to}” is not a phone number in international form, like +14155550100."));
    }
    let message = config.text("message", true, fields);
    if message.as_ref().is_some_and(|m| m.chars().count() > LONGEST_MESSAGE) {
        config.problem("message", format!("A message has at most {LONGEST_MESSAGE} characters."));
    }
    let (to, message) = (to?, message?);
    Some(if action_type == ActionType::SendSms {
        ActionConfig::SendSms { to, message }
    } else {
        ActionConfig::SendWhatsapp { to, message }
    })
}

/// E.164: `+` and 8 to 15 digits.
pub fn is_phone_number(text: &str) -> bool {
    text.strip_prefix('+')
        .is_some_and(|digits| (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// An address a webhook may call: http(s), its host written out (a record cannot choose where
/// the call goes), no user name or backslash (which URL parsers read differently), and — unless
/// the server allows it — not a loopback, private, link-local or unspecified address. The engine
/// checks the address the name resolves to again when it calls.
fn check_url(url: &str, private_hosts: bool) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("Takes an http:// or https:// address.")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains("{{") {
        return Err("The address's host is written out, not filled in from the record.".to_owned());
    }
    if url.contains('\\') || authority.contains('@') {
        return Err("The address has no user name and no backslash.".to_owned());
    }
    let host = match authority.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(host, _)| host),
    };
    if !private_hosts && is_private_host(host) {
        return Err(format!("“{host}” is a local or private address, which webhooks may not call."));
    }
    Ok(())
}

/// Loopback, private, link-local, unspecified, carrier-grade NAT, benchmark, multicast and
/// reserved addresses, and `localhost` — in IPv6 also the forms that carry an IPv4 address
/// (mapped, compatible, NAT64, 6to4), judged by that address.
pub fn is_private_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => is_private_v4(ip),
        Ok(std::net::IpAddr::V6(ip)) => {
            let segments = ip.segments();
            let embedded = |high: u16, low: u16| {
                let [a, b] = high.to_be_bytes();
                let [c, d] = low.to_be_bytes();
                std::net::Ipv4Addr::new(a, b, c, d)
            };
            ip.is_loopback()
                || ip.is_unspecified()
                || ip.is_multicast()
                || ip.to_ipv4().is_some_and(is_private_v4)
                || (segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] && is_private_v4(embedded(segments[6], segments[7])))
                || (segments[0] == 0x2002 && is_private_v4(embedded(segments[1], segments[2])))
                || (segments[0] & 0xfe00) == 0xfc00
                || (segments[0] & 0xffc0) == 0xfe80
        }
        Err(_) => false,
    }
}

fn is_private_v4(ip: std::net::Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b))
}

fn webhook(config: &mut Config, fields: &TriggerFields, catalog: &Catalog) -> Option<ActionConfig> {
    let method = config.choice("method", HTTP_METHODS, Some("POST"));
    let url = config.text("url", true, fields);
    if let Some(url) = &url
        && let Err(problem) = check_url(url, catalog.private_hosts)
    {
        config.problem("url", problem);
    }
    if url.as_deref().is_some_and(|url| url.contains(HIDDEN)) {
        config.problem(
            "url",
            format!("“{HIDDEN}” stands for a saved credential this action does not have: enter the URL in full."),
        );
    }
    let mut headers = Vec::new();
    match config.get("headers") {
        None => {}
        Some(Value::Object(map)) => {
            for (name, value) in map {
                let at = format!("headers.{name}");
                let token = !name.is_empty()
                    && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
                if !token {
                    config.problem(&at, format!("“{name}” is not a header name."));
                } else if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                    config.problem(&at, format!("OpsFlow sets “{name}” itself."));
                }
                match value.as_str() {
                    Some(text) if text.contains(['\r', '\n']) => config.problem(&at, "A header value is one line."),
                    Some(HIDDEN) => config.problem(
                        &at,
                        format!("“{HIDDEN}” stands for a saved value this action does not have: enter the value."),
                    ),
                    Some(text) => {
                        if let Err(problem) = super::interpolate::variables(text, fields) {
                            config.problem(&at, problem);
                        }
                        headers.push((name.clone(), text.to_owned()));
                    }
                    None => config.problem(&at, "A header value is text."),
                }
            }
        }
        Some(_) => config.problem("headers", "Takes an object of header names and values."),
    }
    let body = config.get("body").cloned();
    if let Some(body) = &body {
        body_problems(body, fields, config);
    }
    let timeout_ms = config.whole("timeoutMs", 100, 30_000, Some(10_000));
    Some(ActionConfig::Webhook(WebhookCall { method: method?, url: url?, headers, body, timeout_ms: timeout_ms? }))
}

/// A body is a JSON value (its strings filled in), or a JSON text whose placeholders are all
/// inside its strings.
fn body_problems(body: &Value, fields: &TriggerFields, config: &mut Config) {
    let mut texts = Vec::new();
    collect_strings(body, &mut texts);
    for text in &texts {
        if let Err(problem) = super::interpolate::variables(text, fields) {
            config.problem("body", problem);
        }
    }
    // Each placeholder must sit inside a JSON string, where its value is escaped: one outside
    // would let a record's text change the body's shape.
    if let Value::String(text) = body {
        let sample = super::interpolate::render_each(text, "x");
        if serde_json::from_str::<Value>(&sample).is_err() {
            config.problem("body", "A body written as text must be JSON, with each {{…}} inside a string.");
        }
    }
}

fn collect_strings<'v>(value: &'v Value, out: &mut Vec<&'v str>) {
    match value {
        Value::String(text) => out.push(text),
        Value::Array(items) => items.iter().for_each(|item| collect_strings(item, out)),
        Value::Object(map) => map.values().for_each(|item| collect_strings(item, out)),
        _ => {}
    }
}

fn branch(config: &mut Config, fields: &TriggerFields, trigger: EventType) -> Option<ActionConfig> {
    let Some(value) = config.get("conditions") else {
        config.problem("conditions", "Required: {\"logic\": \"AND\", \"conditions\": [...]}.");
        return None;
    };
    let filters: TriggerFilters = match serde_json::from_value(value.clone()) {
        Ok(filters) => filters,
        Err(error) => {
            config.problem("conditions", format!("{error}."));
            return None;
        }
    };
    if filters.0.rules.is_empty() {
        config.problem("conditions", "A branch needs at least one condition.");
        return None;
    }
    let at = config.path("conditions");
    if let Err(found) = filters.compile(fields, trigger, &at) {
        config.problems.extend(found);
        return None;
    }
    Some(ActionConfig::Branch(filters))
}

fn create_opportunity(config: &mut Config, fields: &TriggerFields, catalog: &Catalog) -> Option<ActionConfig> {
    let pipeline_id = config.text("pipelineId", true, fields);
    let stage_id = config.text("stageId", true, fields);
    let pipeline = pipeline_id.as_ref().and_then(|id| catalog.pipelines.iter().find(|p| p.id == *id));
    if let Some(id) = &pipeline_id
        && !catalog.has_pipeline(id, None)
    {
        config.problem("pipelineId", format!("“{id}” is not a pipeline of this sub-account."));
    }
    if let (Some(pipeline), Some(stage)) = (pipeline, &stage_id)
        && !catalog.has_pipeline(&pipeline.id, Some(stage))
    {
        config.problem("stageId", format!("“{stage}” is not a stage of “{}”.", pipeline.name));
    }
    let name =
        config.text("name", false, fields).unwrap_or_else(|| "{{trigger.firstName}} {{trigger.lastName}}".to_owned());
    let monetary_value = match config.get("monetaryValue") {
        None => None,
        Some(value) => {
            let field = Module::Opportunities.field("monetaryValue");
            if field.is_some_and(|field| field.check(value).is_err()) || value.as_f64().is_some_and(|v| v < 0.0) {
                config.problem("monetaryValue", "Takes an amount of at least 0 with at most two decimals.");
            }
            value.as_f64()
        }
    };
    Some(ActionConfig::CreateOpportunity { pipeline_id: pipeline_id?, stage_id: stage_id?, name, monetary_value })
}

fn create_project(config: &mut Config, fields: &TriggerFields) -> Option<ActionConfig> {
    let name = config.text("name", false, fields).unwrap_or_else(|| "{{trigger.name}}".to_owned());
    let description = config.text("description", false, fields).unwrap_or_default();
    let status = config.choice("status", PROJECT_STATUSES, PROJECT_STATUSES.first().copied())?;
    Some(ActionConfig::CreateProject { name, description, status })
}

fn create_form(config: &mut Config, catalog: &Catalog) -> Option<ActionConfig> {
    let Some(id) = config.get("templateId").and_then(Value::as_str) else {
        config.problem("templateId", "Required: the template the form is made from.");
        return None;
    };
    if !catalog.has_template(id) {
        config.problem("templateId", format!("“{id}” is not a template of this sub-account."));
        return None;
    }
    Some(ActionConfig::CreateForm { template_id: TemplateId::from(id) })
}
