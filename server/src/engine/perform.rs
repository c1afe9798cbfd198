//! What each action does to OpsFlow's own data, on the step's transaction (see the engine's
//! module comment): the built-in CRM's records through its one write path (so each write is
//! checked and fires its events — which may start runs one deeper), forms, notifications, the
//! round-robin cursor, a branch's choice and a wait's sleep.

use app::model::workflow::interpolate::{Escape, render};
use app::model::workflow::{ActionConfig, Assignment, BranchPath, Delay, Person, TriggerField, actions::owner_field};
use app::model::{
    Cause, ContactId, CrmFieldType, CrmFieldValue, EventId, Module, RecordFieldKind, RunTrace, TemplateId,
    TriggerModule, UserId, Writebacks,
};
use serde_json::{Value, json};
use sqlx::AnyConnection;

use super::{Effect, Engine, Failure, StepRun};
use crate::crm::CustomFieldUpdate;
use crate::crm::builtin::modules::{Access, Record, Written};
use crate::db::forms::NewForm;
use crate::db::notifications::NewNotification;
use crate::db::now_ms;
use crate::db::tenancy::Tenant;

impl StepRun<'_> {
    /// A config string filled in from the trigger.
    pub(super) fn text(&self, text: &str) -> String {
        render(text, &self.fields(), &self.trigger.record, Escape::Plain)
    }

    fn module(&self) -> TriggerModule {
        self.workflow().trigger_module
    }

    fn record_id(&self) -> &str {
        &self.step.run.record_id
    }

    /// The CRM record the step acts on (see [`TriggerModule::record_module`]): the trigger
    /// record, or a submitted form's contact.
    fn acted_on(&self) -> (Module, &str) {
        match self.module() {
            TriggerModule::Records(module) => (module, self.record_id()),
            TriggerModule::Forms => (Module::Contacts, self.trigger_str("contactId")),
        }
    }

    /// Where a notification about the trigger takes its reader: the record's page, or the form.
    fn link(&self, tenant: &Tenant) -> String {
        match self.module() {
            TriggerModule::Records(module) => {
                format!("/s/{}/records/{}/{}", tenant.id(), module.as_str(), self.record_id())
            }
            TriggerModule::Forms => format!("/s/{}/forms/{}", tenant.id(), self.record_id()),
        }
    }

    pub(super) fn tenant(&self) -> Tenant {
        Tenant::for_server_work(self.step.run.sub_account_id.clone())
    }

    /// Who the step's writes are by: this run, so the events they fire start runs one deeper.
    fn cause(&self) -> Cause {
        Cause::Workflow(self.trace())
    }

    /// This run, as the cause of what its steps make.
    fn trace(&self) -> RunTrace {
        let run = &self.step.run;
        RunTrace {
            run_id: run.run_id.to_string(),
            depth: u8::try_from(run.depth).unwrap_or(u8::MAX),
            chain: run.chain_id.clone().unwrap_or_default(),
        }
    }

    /// A field of the trigger record as text (empty when it has none).
    fn trigger_str(&self, field: &str) -> &str {
        self.trigger.record.get(field).and_then(Value::as_str).unwrap_or_default()
    }

    /// A field of the trigger record as text (`None` when empty).
    fn trigger_text(&self, field: &str) -> Option<String> {
        Some(self.trigger_str(field)).filter(|text| !text.is_empty()).map(str::to_owned)
    }

    /// The contact the trigger record leads to: itself, its contact, a converted lead's contact,
    /// a submitted form's contact.
    fn contact(&self) -> Option<ContactId> {
        match self.module() {
            TriggerModule::Records(Module::Contacts) => Some(ContactId::from(self.record_id())),
            _ => self.trigger_text("contactId").map(ContactId::from),
        }
    }

    /// The trigger record as a sentence names it: `Lead Nina Brooks`, or a submitted form's
    /// contact.
    pub(super) fn named(&self) -> String {
        match self.module() {
            TriggerModule::Records(module) => {
                format!("{} {}", module.one(), module.record_label(&self.trigger.record))
            }
            TriggerModule::Forms => "The form's contact".to_owned(),
        }
    }

    /// Why a message has no one to go to: `Lead Nina Brooks has no phone number.`
    pub(super) fn has_no(&self, what: &str) -> String {
        format!("{} has no {what}.", self.named())
    }

    /// The action's settings as this run fills them in: what the step's `input` shows.
    pub(super) fn input(&self) -> Value {
        match self.config {
            ActionConfig::Webhook(call) => {
                super::webhook::Request::prepare(call, &self.fields(), &self.trigger.record).shown()
            }
            ActionConfig::Branch(_) | ActionConfig::Wait(_) => self.config.to_config(),
            other => super::fill(&other.to_config(), &|text| self.text(text)),
        }
    }
}

fn record(values: impl IntoIterator<Item = (&'static str, Value)>) -> Record {
    values.into_iter().filter(|(_, value)| !value.is_null()).map(|(name, value)| (name.to_owned(), value)).collect()
}

/// What a write's output says beside what it made: the workflows its events did not start,
/// and why (the loop limit, a budget).
fn with_not_started(mut output: Value, written: &Written) -> Value {
    if !written.not_started.is_empty()
        && let Value::Object(map) = &mut output
    {
        map.insert("notStarted".to_owned(), json!(written.not_started));
    }
    output
}

impl Engine {
    /// The trigger record's owner (a task's assignee) as it is now: an `assign_owner` earlier
    /// in the run has set it.
    async fn owner(&self, conn: &mut AnyConnection, run: &StepRun<'_>) -> Result<Option<UserId>, Failure> {
        let (module, id) = run.acted_on();
        let Some(field) = owner_field(module) else { return Ok(None) };
        let record = self.crm.record_on(conn, &run.tenant(), module, id).await?;
        Ok(record.get(field).and_then(Value::as_str).filter(|id| !id.is_empty()).map(UserId::from))
    }

    async fn person(
        &self,
        conn: &mut AnyConnection,
        run: &StepRun<'_>,
        person: &Person,
    ) -> Result<Option<UserId>, Failure> {
        match person {
            Person::Owner => self.owner(conn, run).await,
            Person::User(user) => Ok(Some(user.clone())),
        }
    }

    pub(super) async fn perform(&self, conn: &mut AnyConnection, run: &StepRun<'_>) -> Result<Effect, Failure> {
        let tenant = run.tenant();
        if reads_records(run.config) && self.store.location_token(tenant.id()).await?.is_some() {
            return Err(Failure::Refused(
                "This sub-account's records are in HighLevel: workflow steps write the built-in CRM's records only."
                    .to_owned(),
            ));
        }
        let cause = run.cause();
        let (module, record_id) = run.acted_on();
        match run.config {
            ActionConfig::AssignOwner(assignment) => {
                let user = match assignment {
                    Assignment::Fixed(user) => user.clone(),
                    Assignment::RoundRobin(users) => {
                        // Turns go round the users who are still members: one who left is skipped.
                        let members = self.store.members_among(conn, &tenant, users).await?;
                        if members.is_empty() {
                            return Err(Failure::Refused(
                                "None of the users to assign is a member of the sub-account any more.".to_owned(),
                            ));
                        }
                        let turn = self.store.take_turn(conn, &run.step.run.workflow_id, &run.step.action_id).await?;
                        let at = usize::try_from(turn).unwrap_or_default() % members.len();
                        members[at].clone()
                    }
                };
                let field = owner_field(module).unwrap_or("ownerId");
                let values = record([(field, json!(user))]);
                let written =
                    self.crm.update_on(conn, &tenant, &cause, module, record_id, &values, Access::Edit).await?;
                Ok(Effect::Done(with_not_started(json!({ "userId": user }), &written)))
            }
            ActionConfig::CreateTask { title, body, due_in, assignee } => {
                let assignee = match assignee {
                    Some(person) => self.person(conn, run, person).await?,
                    None => None,
                };
                let project = (run.module() == TriggerModule::Records(Module::Projects)).then_some(record_id);
                let values = record([
                    ("title", json!(run.text(title))),
                    ("body", json!(run.text(body))),
                    ("dueDate", json!(crate::time::rfc3339_seconds(now_ms() + due_in.millis()))),
                    ("assignedTo", json!(assignee)),
                    ("contactId", json!(run.contact())),
                    ("projectId", json!(project)),
                ]);
                let written = self.crm.create_on(conn, &tenant, &cause, Module::Tasks, &values).await?;
                Ok(Effect::Done(with_not_started(json!({ "taskId": written.id }), &written)))
            }
            ActionConfig::UpdateField { field, value } => {
                let value = filled_value(run, field, value);
                let written = match field {
                    TriggerField::Custom(custom) if module == Module::Contacts => {
                        let field_value: CrmFieldValue = serde_json::from_value(value.clone())
                            .map_err(|_| Failure::Refused(format!("“{}” cannot take {value}.", custom.name)))?;
                        let update = CustomFieldUpdate { id: custom.id.clone(), key: custom.key.clone(), field_value };
                        let contact = ContactId::from(record_id);
                        self.crm.set_custom_fields_on(conn, &tenant, &cause, &contact, &[update]).await?
                    }
                    TriggerField::Custom(_) => {
                        return Err(Failure::Refused(format!(
                            "The built-in CRM keeps custom fields on contacts, not on {}.",
                            module.as_str()
                        )));
                    }
                    TriggerField::Record(record_field) => {
                        let values = record([(record_field.name, value.clone())]);
                        self.crm.update_on(conn, &tenant, &cause, module, record_id, &values, Access::Edit).await?
                    }
                    TriggerField::Id => return Err(Failure::Refused("A record's id cannot be changed.".to_owned())),
                    TriggerField::Answer(_) => {
                        return Err(Failure::Refused("A submitted form's answers do not change.".to_owned()));
                    }
                };
                let changed = !written.events.is_empty();
                Ok(Effect::Done(with_not_started(
                    json!({ "field": field.key(), "value": value, "changed": changed }),
                    &written,
                )))
            }
            ActionConfig::AddTag { tags } => {
                // Locked first: another write of the tags waits, and neither loses the other's.
                let current = self.crm.record_for_update_on(conn, &tenant, module, record_id).await?;
                let mut all: Vec<Value> = current.get("tags").and_then(Value::as_array).cloned().unwrap_or_default();
                let mut added: Vec<String> = Vec::new();
                for tag in tags.iter().map(|tag| run.text(tag).trim().to_owned()) {
                    // A tag filled in from an empty field is no tag.
                    if !tag.is_empty() && !all.contains(&json!(tag)) && !added.contains(&tag) {
                        added.push(tag);
                    }
                }
                all.extend(added.iter().map(|tag| json!(tag)));
                let values = record([("tags", Value::Array(all))]);
                let written =
                    self.crm.update_on(conn, &tenant, &cause, module, record_id, &values, Access::Edit).await?;
                Ok(Effect::Done(with_not_started(json!({ "added": added }), &written)))
            }
            ActionConfig::SendNotification { recipients, title, message } => {
                let (title, message) = (run.text(title), run.text(message));
                let link = run.link(&tenant);
                let mut notified = Vec::new();
                let mut not_members = Vec::new();
                let mut users: Vec<UserId> = Vec::new();
                for person in recipients {
                    if let Some(user) = self.person(conn, run, person).await?
                        && !users.contains(&user)
                    {
                        users.push(user);
                    }
                }
                if users.is_empty() {
                    // Only the owner was asked for, and the record has none: nothing to do, and
                    // nothing wrong with the run.
                    let skipped = format!("{} has no owner: nobody was notified.", run.named());
                    return Ok(Effect::Done(json!({ "notified": [], "skipped": skipped })));
                }
                for user in users {
                    let note = NewNotification {
                        step_id: &run.step.id,
                        user: &user,
                        title: &title,
                        message: &message,
                        link: Some(&link),
                    };
                    if self.store.notify_on(conn, &tenant, &note).await? {
                        notified.push(user);
                    } else {
                        not_members.push(user);
                    }
                }
                if notified.is_empty() {
                    return Err(Failure::Refused("Nobody to notify: the recipients are no longer members.".to_owned()));
                }
                Ok(Effect::Done(json!({ "notified": notified, "notMembers": not_members })))
            }
            ActionConfig::CreateOpportunity { pipeline_id, stage_id, name, monetary_value } => {
                let mut written = Written::default();
                // Locked first: of two runs converting one lead, the second finds it converted.
                let lead = self.crm.record_for_update_on(conn, &tenant, module, record_id).await?;
                let contact = match lead.get("contactId").and_then(Value::as_str).filter(|id| !id.is_empty()) {
                    Some(contact) => contact.to_owned(),
                    // An opportunity is a contact's: a lead not yet converted is converted first.
                    None => {
                        written = self.crm.convert_lead_on(conn, &tenant, &cause, record_id).await?;
                        written.id.clone()
                    }
                };
                let converted = !written.events.is_empty();
                let values = record([
                    ("name", json!(run.text(name))),
                    ("contactId", json!(contact)),
                    ("pipelineId", json!(pipeline_id)),
                    ("stageId", json!(stage_id)),
                    ("monetaryValue", json!(monetary_value)),
                    ("ownerId", json!(self.owner(conn, run).await?)),
                ]);
                let created = self.crm.create_on(conn, &tenant, &cause, Module::Opportunities, &values).await?;
                let output = json!({ "opportunityId": created.id, "contactId": contact, "convertedLead": converted });
                Ok(Effect::Done(with_not_started(output, &written.and(created))))
            }
            ActionConfig::CreateProject { name, description, status } => {
                let members: Vec<UserId> = self.owner(conn, run).await?.into_iter().collect();
                let values = record([
                    ("name", json!(run.text(name))),
                    ("description", json!(run.text(description))),
                    ("status", json!(status)),
                    ("opportunityId", json!(record_id)),
                    ("members", json!(members)),
                ]);
                let created = self.crm.create_on(conn, &tenant, &cause, Module::Projects, &values).await?;
                Ok(Effect::Done(with_not_started(json!({ "projectId": created.id }), &created)))
            }
            ActionConfig::CreateForm { template_id } => self.create_form(conn, run, &tenant, template_id).await,
            ActionConfig::Branch(filters) => {
                let compiled = filters
                    .compile(&run.fields(), run.workflow().trigger_type, "config.conditions")
                    .map_err(|problems| Failure::Refused(problems.iter().map(ToString::to_string).collect()))?;
                let path = if compiled.matches(&run.trigger.record, &run.trigger.previous) {
                    BranchPath::Then
                } else {
                    BranchPath::Else
                };
                Ok(Effect::Chose(path, json!({ "path": path })))
            }
            ActionConfig::Wait(delay) => Ok(wait(run, *delay)),
            // Calls out: made before the transaction (`outbound`).
            ActionConfig::Webhook(_)
            | ActionConfig::SendEmail { .. }
            | ActionConfig::SendSms { .. }
            | ActionConfig::SendWhatsapp { .. } => Ok(Effect::Done(Value::Null)),
        }
    }

    /// A pending form from the template's current version for the trigger's contact, in the
    /// inbox with the workflow's name as its context.
    async fn create_form(
        &self,
        conn: &mut AnyConnection,
        run: &StepRun<'_>,
        tenant: &Tenant,
        template_id: &TemplateId,
    ) -> Result<Effect, Failure> {
        let contact = run.contact().ok_or_else(|| {
            Failure::Refused(format!(
                "The trigger record ({}) has no contact to make a form for.",
                run.module().as_str()
            ))
        })?;
        let Some(template) = self.store.current_template(conn, tenant, template_id).await? else {
            return Err(Failure::Refused("The form's template no longer exists.".to_owned()));
        };
        let contact_name = self.crm.contact_name_on(conn, tenant, &contact).await?;
        let opportunity =
            (run.module() == TriggerModule::Records(Module::Opportunities)).then(|| run.record_id().into());
        let context = run.workflow().name.clone();
        let event = EventId::from(run.step.run.event_id.as_str());
        let (pipeline, stage) = (run.trigger_text("pipelineId"), run.trigger_text("stageId"));
        let trace = run.trace();
        let form = NewForm {
            tenant,
            template_id,
            template_version: template.version,
            trigger_id: None,
            event_id: &event,
            contact_id: &contact,
            contact_name: &contact_name,
            opportunity_id: opportunity.as_ref(),
            pipeline_id: pipeline.as_deref(),
            stage_id: stage.as_deref(),
            context: &context,
            writebacks: &Writebacks::default(),
            caused_by: Some(&trace),
        };
        let id = self.store.insert_form(conn, &form).await?;
        Ok(Effect::Done(json!({ "formId": id })))
    }
}

/// Whether an action reads or writes the trigger record in the built-in CRM.
fn reads_records(config: &ActionConfig) -> bool {
    match config {
        ActionConfig::SendNotification { recipients, .. } => recipients.contains(&Person::Owner),
        ActionConfig::Branch(_) | ActionConfig::Wait(_) => false,
        _ => true,
    }
}

/// A wait sleeps once and goes on when its time has come. (A workflow switched off or deleted
/// cancels its runs' steps, waits included: `db::steps::cancel_unfinished_runs`.)
fn wait(run: &StepRun<'_>, delay: Delay) -> Effect {
    if run.step.resuming {
        Effect::Done(json!({ "resumedAt": crate::time::rfc3339_ms(now_ms()) }))
    } else {
        Effect::Sleep(now_ms() + delay.millis())
    }
}

/// An update's value filled in: a lone `{{trigger.x}}` takes the trigger's value as it is (a
/// number stays a number); text with placeholders is filled in and, for a number or yes/no
/// field, read as one.
fn filled_value(run: &StepRun<'_>, field: &TriggerField, value: &Value) -> Value {
    let Some(text) = value.as_str().filter(|text| text.contains("{{")) else { return value.clone() };
    let trimmed = text.trim();
    if let Some(inner) = trimmed.strip_prefix("{{").and_then(|rest| rest.strip_suffix("}}"))
        && !inner.contains("{{")
        && let Some(source) = inner.trim().strip_prefix("trigger.").and_then(|name| run.fields().resolve(name))
    {
        return source.read(&run.trigger.record).clone();
    }
    let filled = run.text(text);
    let numeric = match field {
        TriggerField::Record(record_field) => {
            matches!(record_field.kind, RecordFieldKind::Whole { .. } | RecordFieldKind::Money)
        }
        TriggerField::Custom(custom) => matches!(custom.data_type, CrmFieldType::Numerical | CrmFieldType::Monetory),
        TriggerField::Id | TriggerField::Answer(_) => false,
    };
    let flag = matches!(field, TriggerField::Record(record_field) if record_field.kind == RecordFieldKind::Flag);
    if numeric && let Some(number) = app::model::NumberFormat::TEMPLATE.parse_number(filled.trim()) {
        // A whole number stays whole (a score takes 12, not 12.0).
        return if number.fract() == 0.0 && number.abs() < 9_007_199_254_740_992.0 {
            json!(number as i64)
        } else {
            json!(number)
        };
    }
    match filled.trim() {
        "true" if flag => Value::Bool(true),
        "false" if flag => Value::Bool(false),
        _ => Value::String(filled),
    }
}
