//! The built-in CRM's records of the six modules, read and written by their fields
//! (`model::record`): one code path for every module, so each write is checked the same way and
//! emits its events (`model::record_event::fired`) in the same transaction as the change — an
//! outbox: no event without its change, no change without its events.
//!
//! A field is stored in the column named by its snake_case (`ownerId` → `owner_id`); the table
//! and column names come from the model's constants, never from a request.

use app::model::change::Changes;
use app::model::record::{check_edit, new_record};
use app::model::record_event::fired;
use app::model::{
    Cause, ContactId, EventType, FormId, Module, OpportunityId, RecordEvent, RecordField, RecordFieldKind,
    RecordProblem,
};
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::BuiltinCrm;
use super::views::stage_change_context;
use crate::db::runs::NotStarted;
use crate::db::tenancy::Tenant;
use crate::db::{StoreError, from_json, new_id, now_ms, to_json};
use crate::events::{Incoming, IngestOutcome, ingest_on};
use crate::time;

/// A record as a JSON object: `id` and the module's fields.
pub type Record = Map<String, Value>;

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<RecordProblem>),
    #[error("no such record in {0}")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for RecordError {
    fn from(error: sqlx::Error) -> Self {
        RecordError::Store(error.into())
    }
}

pub type RecordResult<T> = Result<T, RecordError>;

impl RecordError {
    /// For a worker, which only logs: what went wrong, as a store error.
    pub fn into_store(self) -> StoreError {
        match self {
            RecordError::Store(error) => error,
            other => StoreError::Corrupt(other.to_string()),
        }
    }
}

/// What a write did: the record's id, the events it fired, in order, the forms its stage
/// change created, and the workflows its events did not start (the loop limit, a budget).
#[derive(Clone, Debug, Default)]
pub struct Written {
    pub id: String,
    pub events: Vec<RecordEvent>,
    pub forms: Vec<FormId>,
    pub not_started: Vec<NotStarted>,
}

impl Written {
    fn unchanged(id: &str) -> Self {
        Written { id: id.to_owned(), ..Written::default() }
    }

    /// Another write of the same operation: its events, forms and stopped loops follow these.
    pub fn and(mut self, then: Written) -> Self {
        self.events.extend(then.events);
        self.forms.extend(then.forms);
        self.not_started.extend(then.not_started);
        self
    }
}

/// Who writes: an edit may not set read-only fields; an operation of the CRM itself (converting
/// a lead) may. An edit from a page says what it saw of the fields it changes, and is refused if
/// someone changed one of them since (it would undo their change unseen).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Access<'a> {
    Edit,
    EditSeen(&'a Record),
    Operation,
}

pub fn table(module: Module) -> &'static str {
    match module {
        Module::Leads => "crm_leads",
        Module::Contacts => "crm_contacts",
        Module::Accounts => "crm_accounts",
        Module::Opportunities => "crm_opportunities",
        Module::Tasks => "crm_tasks",
        Module::Projects => "crm_projects",
    }
}

/// `ownerId` → `owner_id`.
fn column(field: &str) -> String {
    field.chars().fold(String::with_capacity(field.len() + 4), |mut name, c| {
        if c.is_ascii_uppercase() {
            name.push('_');
            name.push(c.to_ascii_lowercase());
        } else {
            name.push(c);
        }
        name
    })
}

fn select(module: Module) -> String {
    let columns: Vec<String> = module.fields().iter().map(|field| column(field.name)).collect();
    format!("SELECT id, {} FROM {}", columns.join(", "), table(module))
}

/// A value as its column stores it.
enum Cell {
    Text(Option<String>),
    Whole(Option<i64>),
    Real(f64),
}

fn cell(field: &RecordField, value: &Value) -> RecordResult<Cell> {
    use RecordFieldKind as K;
    Ok(match field.kind {
        K::Whole { .. } => Cell::Whole(value.as_i64()),
        K::Flag => Cell::Whole(Some(i64::from(value.as_bool().unwrap_or_default()))),
        K::Money => Cell::Real(value.as_f64().unwrap_or_default()),
        K::Users | K::Tags => Cell::Text(Some(to_json(value)?)),
        _ => Cell::Text(value.as_str().map(str::to_owned)),
    })
}

fn read(row: &AnyRow, module: Module) -> RecordResult<Record> {
    use RecordFieldKind as K;
    let mut record = Map::new();
    record.insert("id".to_owned(), Value::String(row.try_get("id")?));
    for (at, field) in (1..).zip(module.fields()) {
        let value = match field.kind {
            K::Whole { .. } => Value::from(row.try_get::<i64, _>(at)?),
            K::Flag => Value::Bool(row.try_get::<i64, _>(at)? != 0),
            K::Money => Value::from(row.try_get::<f64, _>(at)?),
            K::Users | K::Tags => from_json(&row.try_get::<String, _>(at)?)?,
            _ => row.try_get::<Option<String>, _>(at)?.map_or(Value::Null, Value::String),
        };
        record.insert(field.name.to_owned(), value);
    }
    Ok(record)
}

impl BuiltinCrm {
    /// One record, or `None` when the sub-account has no such record.
    pub async fn record(&self, tenant: &Tenant, module: Module, id: &str) -> RecordResult<Option<Record>> {
        let mut conn = self.store().pool().acquire().await?;
        snapshot(&mut conn, tenant, module, id).await
    }

    /// A record on `conn` (inside a write's transaction).
    pub async fn record_on(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        module: Module,
        id: &str,
    ) -> RecordResult<Record> {
        snapshot(conn, tenant, module, id).await?.ok_or(RecordError::NotFound(module.as_str()))
    }

    /// A record on `conn`, its row locked for the rest of the transaction: what is read stays
    /// what is written back (adding to a list, converting a lead once).
    pub async fn record_for_update_on(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        module: Module,
        id: &str,
    ) -> RecordResult<Record> {
        if !lock(conn, tenant, module, id).await? {
            return Err(RecordError::NotFound(module.as_str()));
        }
        self.record_on(conn, tenant, module, id).await
    }

    /// A contact's name as the inbox shows it, on `conn`.
    pub async fn contact_name_on(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        contact: &ContactId,
    ) -> RecordResult<String> {
        let record = self.record_on(conn, tenant, Module::Contacts, contact).await?;
        let part = |field: &str| record.get(field).and_then(Value::as_str).unwrap_or_default().to_owned();
        Ok(format!("{} {}", part("firstName"), part("lastName")).trim().to_owned())
    }

    /// The sub-account's records of a module, newest first.
    pub async fn records(&self, tenant: &Tenant, module: Module, limit: i64) -> RecordResult<Vec<Record>> {
        let sql = format!("{} WHERE sub_account_id = $1 ORDER BY created_at DESC, id LIMIT $2", select(module));
        let rows = sqlx::query(&sql).bind(tenant.id()).bind(limit).fetch_all(self.store().pool()).await?;
        rows.iter().map(|row| read(row, module)).collect()
    }

    /// Creates a record from the given fields (the rest take their defaults) and emits its
    /// `*_created` event.
    pub async fn create_record(
        &self,
        tenant: &Tenant,
        cause: &Cause,
        module: Module,
        values: &Record,
    ) -> RecordResult<Written> {
        let mut tx = self.store().begin().await?;
        let written = self.create_on(&mut tx, tenant, cause, module, values).await?;
        tx.commit().await?;
        Ok(written)
    }

    /// Sets the given fields of a record and emits the events the change fires: none when
    /// nothing changed.
    pub async fn update_record(
        &self,
        tenant: &Tenant,
        cause: &Cause,
        module: Module,
        id: &str,
        values: &Record,
    ) -> RecordResult<Written> {
        self.edit(tenant, cause, module, id, values, Access::Edit).await
    }

    /// Like [`BuiltinCrm::update_record`], from a page that showed `seen` for the fields it
    /// changes: refused when one of them changed since.
    pub async fn update_record_seen(
        &self,
        tenant: &Tenant,
        cause: &Cause,
        module: Module,
        id: &str,
        values: &Record,
        seen: &Record,
    ) -> RecordResult<Written> {
        self.edit(tenant, cause, module, id, values, Access::EditSeen(seen)).await
    }

    async fn edit(
        &self,
        tenant: &Tenant,
        cause: &Cause,
        module: Module,
        id: &str,
        values: &Record,
        access: Access<'_>,
    ) -> RecordResult<Written> {
        let mut tx = self.store().begin().await?;
        let written = self.update_on(&mut tx, tenant, cause, module, id, values, access).await?;
        tx.commit().await?;
        Ok(written)
    }

    /// Converts a lead: creates a contact from its name, email, phone, source and owner, and
    /// marks the lead converted to it — `contact_created`, then `lead_updated` and
    /// `lead_converted`, in one transaction. Returns the contact.
    pub async fn convert_lead(&self, tenant: &Tenant, cause: &Cause, lead_id: &str) -> RecordResult<Written> {
        let mut tx = self.store().begin().await?;
        let written = self.convert_lead_on(&mut tx, tenant, cause, lead_id).await?;
        tx.commit().await?;
        Ok(written)
    }

    /// [`BuiltinCrm::convert_lead`] on `conn`, inside a transaction.
    pub async fn convert_lead_on(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        cause: &Cause,
        lead_id: &str,
    ) -> RecordResult<Written> {
        if !lock(conn, tenant, Module::Leads, lead_id).await? {
            return Err(RecordError::NotFound(Module::Leads.as_str()));
        }
        let lead = snapshot(conn, tenant, Module::Leads, lead_id).await?.ok_or(RecordError::NotFound("leads"))?;
        if lead.get("converted") == Some(&Value::Bool(true)) {
            return Err(RecordError::Conflict("this lead is converted already".to_owned()));
        }
        let contact: Record = ["firstName", "lastName", "email", "phone", "source", "ownerId"]
            .into_iter()
            .filter_map(|field| Some((field.to_owned(), lead.get(field)?.clone())))
            .collect();
        let contact = self.create_on(conn, tenant, cause, Module::Contacts, &contact).await?;
        let converted: Record =
            [("converted".to_owned(), Value::Bool(true)), ("contactId".to_owned(), Value::String(contact.id.clone()))]
                .into_iter()
                .collect();
        let lead = self.update_on(conn, tenant, cause, Module::Leads, lead_id, &converted, Access::Operation).await?;
        Ok(contact.and(lead))
    }

    pub async fn create_on(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        cause: &Cause,
        module: Module,
        values: &Record,
    ) -> RecordResult<Written> {
        let record = new_record(module, values).map_err(RecordError::Invalid)?;
        check_references(conn, tenant, module, &record, &Map::new()).await?;
        let id = new_id();
        let now = now_ms();
        let mut columns = vec!["id".to_owned(), "sub_account_id".to_owned(), "created_at".to_owned()];
        columns.push("updated_at".to_owned());
        let mut cells = Vec::new();
        for field in module.fields() {
            columns.push(column(field.name));
            cells.push(cell(field, &record[field.name])?);
        }
        for (name, derived) in derived_columns(conn, tenant, cause, module, &record, None).await? {
            columns.push(name.to_owned());
            cells.push(derived);
        }
        let places: Vec<String> = (1..=columns.len()).map(|at| format!("${at}")).collect();
        let sql = format!("INSERT INTO {} ({}) VALUES ({})", table(module), columns.join(", "), places.join(", "));
        let query = sqlx::query(&sql).bind(&id).bind(tenant.id()).bind(now).bind(now);
        bind_all(query, cells).execute(&mut *conn).await?;
        let after = snapshot(conn, tenant, module, &id).await?.ok_or(RecordError::NotFound(module.as_str()))?;
        let (events, not_started) = emit(self, conn, tenant, cause, module, None, &after).await?;
        Ok(Written { id, events, not_started, ..Written::default() })
    }

    #[expect(clippy::too_many_arguments, reason = "one write: where, by whom, what, and under which access")]
    pub async fn update_on(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        cause: &Cause,
        module: Module,
        id: &str,
        values: &Record,
        access: Access<'_>,
    ) -> RecordResult<Written> {
        if !lock(conn, tenant, module, id).await? {
            return Err(RecordError::NotFound(module.as_str()));
        }
        let before = snapshot(conn, tenant, module, id).await?.ok_or(RecordError::NotFound(module.as_str()))?;
        // A page sends a record back whole: what it leaves as it is (its id, a read-only field,
        // the custom fields it does not edit) was not edited.
        let values: Record = values
            .iter()
            .filter(|(name, value)| before.get(*name) != Some(value))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        let values = &values;
        if let Access::EditSeen(seen) = access {
            let now: Record =
                values.keys().filter_map(|name| Some((name.clone(), before.get(name)?.clone()))).collect();
            let then: Record = values.keys().filter_map(|name| Some((name.clone(), seen.get(name)?.clone()))).collect();
            let changed: Vec<String> = Changes::between(&then, &now)
                .iter()
                .map(|change| module.field(&change.field).map_or(change.field.clone(), |f| format!("“{}”", f.label)))
                .collect();
            if !changed.is_empty() {
                return Err(RecordError::Conflict(format!(
                    "someone changed {} since this page was opened: reload it to see their change",
                    changed.join(", ")
                )));
            }
        }
        let problems: Vec<RecordProblem> = check_edit(module, values)
            .into_iter()
            .filter(|problem| access == Access::Edit || !matches!(problem, RecordProblem::ReadOnly { .. }))
            .collect();
        if !problems.is_empty() {
            return Err(RecordError::Invalid(problems));
        }
        let mut merged = before.clone();
        merged.extend(values.iter().map(|(name, value)| (name.clone(), value.clone())));
        if fired(module, Some(&before), &merged).is_empty() {
            return Ok(Written::unchanged(id));
        }
        check_references(conn, tenant, module, &merged, &before).await?;
        let mut assignments = vec!["updated_at = $1".to_owned()];
        let mut cells = Vec::new();
        for field in module.fields().iter().filter(|field| values.contains_key(field.name)) {
            cells.push(cell(field, &merged[field.name])?);
            assignments.push(format!("{} = ${}", column(field.name), cells.len() + 1));
        }
        for (name, derived) in derived_columns(conn, tenant, cause, module, &merged, Some(&before)).await? {
            cells.push(derived);
            assignments.push(format!("{name} = ${}", cells.len() + 1));
        }
        let sql = format!(
            "UPDATE {} SET {} WHERE id = ${} AND sub_account_id = ${}",
            table(module),
            assignments.join(", "),
            cells.len() + 2,
            cells.len() + 3
        );
        let query = bind_all(sqlx::query(&sql).bind(now_ms()), cells);
        query.bind(id).bind(tenant.id()).execute(&mut *conn).await?;
        let after = snapshot(conn, tenant, module, id).await?.ok_or(RecordError::NotFound(module.as_str()))?;
        let (events, not_started) = emit(self, conn, tenant, cause, module, Some(&before), &after).await?;
        let forms = form_triggers(self, conn, tenant, &events).await?;
        Ok(Written { id: id.to_owned(), events, forms, not_started })
    }
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    cells: Vec<Cell>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for cell in cells {
        query = match cell {
            Cell::Text(text) => query.bind(text),
            Cell::Whole(number) => query.bind(number),
            Cell::Real(number) => query.bind(number),
        };
    }
    query
}

/// Locks a record's row for the rest of the transaction (a write that changes nothing): two
/// writes of one record take turns, so each compares with what the other left and takes the
/// next place in its history. False when the sub-account has no such record.
pub(super) async fn lock(conn: &mut AnyConnection, tenant: &Tenant, module: Module, id: &str) -> RecordResult<bool> {
    let sql = format!("UPDATE {} SET updated_at = updated_at WHERE id = $1 AND sub_account_id = $2", table(module));
    let locked = sqlx::query(&sql).bind(id).bind(tenant.id()).execute(conn).await?;
    Ok(locked.rows_affected() == 1)
}

pub(super) async fn snapshot(
    conn: &mut AnyConnection,
    tenant: &Tenant,
    module: Module,
    id: &str,
) -> RecordResult<Option<Record>> {
    let sql = format!("{} WHERE id = $1 AND sub_account_id = $2", select(module));
    let row = sqlx::query(&sql).bind(id).bind(tenant.id()).fetch_optional(&mut *conn).await?;
    let Some(mut record) = row.map(|row| read(&row, module)).transpose()? else { return Ok(None) };
    if module == Module::Contacts {
        record.insert("customFields".to_owned(), Value::Object(custom_field_values(conn, id).await?));
    }
    Ok(Some(record))
}

/// A contact's custom field values by field key (`customFields.<key>` in filters and events).
async fn custom_field_values(conn: &mut AnyConnection, contact_id: &str) -> RecordResult<Record> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT f.field_key, v.value FROM crm_contact_field_values v JOIN crm_custom_fields f ON f.id = v.field_id \
         WHERE v.contact_id = $1 ORDER BY f.position",
    )
    .bind(contact_id)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(|(key, value)| Ok((key, from_json(&value)?))).collect()
}

/// Columns OpsFlow keeps beside a record's fields: when an opportunity last changed stage (the
/// board shows it), and when an open task becomes overdue (the end of its due day in the
/// sub-account's zone, or its due time) — none for a completed task, so the scheduler's index
/// holds only what may still fall due.
async fn derived_columns(
    conn: &mut AnyConnection,
    tenant: &Tenant,
    cause: &Cause,
    module: Module,
    record: &Record,
    before: Option<&Record>,
) -> RecordResult<Vec<(&'static str, Cell)>> {
    let moved = |field: &str| before.is_none_or(|before| before.get(field) != record.get(field));
    match module {
        Module::Opportunities if moved("pipelineId") || moved("stageId") => {
            return Ok(vec![("last_stage_change_at", Cell::Whole(Some(now_ms())))]);
        }
        Module::Tasks => {}
        _ => return Ok(Vec::new()),
    }
    // The run whose step wrote the task last, if one did: the task's overdue events continue
    // that run's chain of causes (`overdue.rs`), so a workflow that makes overdue tasks on
    // `task_overdue` meets the loop limit.
    let trace = match cause {
        Cause::Workflow(trace) => Some(to_json(trace)?),
        _ => None,
    };
    let mut derived = vec![("caused_by", Cell::Text(trace))];
    // Only a new due date or a completion (or reopening) changes when a task falls due: an
    // edit of its title leaves a fired or pending claim as it is.
    if moved("dueDate") || moved("completed") {
        let zone: String = sqlx::query_scalar("SELECT time_zone FROM sub_accounts WHERE id = $1")
            .bind(tenant.id())
            .fetch_one(conn)
            .await?;
        let open = record.get("completed") != Some(&Value::Bool(true));
        let due =
            record.get("dueDate").and_then(Value::as_str).filter(|_| open).and_then(|due| time::overdue_at(due, &zone));
        derived.push(("due_at", Cell::Whole(due)));
    }
    Ok(derived)
}

/// Checks that the ids a record names exist in the sub-account: users are its members, linked
/// records are its own, and the stage is in the record's pipeline. Only what changed since
/// `before` is looked up.
async fn check_references(
    conn: &mut AnyConnection,
    tenant: &Tenant,
    module: Module,
    record: &Record,
    before: &Record,
) -> RecordResult<()> {
    use RecordFieldKind as K;
    let mut problems = Vec::new();
    let pipeline_changed = before.get("pipelineId") != record.get("pipelineId");
    for field in module.fields() {
        let value = &record[field.name];
        if before.get(field.name) == Some(value) && !(field.kind == K::Stage && pipeline_changed) {
            continue;
        }
        let ids: Vec<&str> = match value {
            Value::String(id) => vec![id],
            Value::Array(items) if field.kind == K::Users => items.iter().filter_map(Value::as_str).collect(),
            _ => continue,
        };
        for id in ids {
            let (sql, scope) = match field.kind {
                K::User | K::Users => {
                    ("SELECT COUNT(*) FROM memberships WHERE user_id = $1 AND sub_account_id = $2".to_owned(), None)
                }
                K::Link(linked) => {
                    (format!("SELECT COUNT(*) FROM {} WHERE id = $1 AND sub_account_id = $2", table(linked)), None)
                }
                K::Pipeline => {
                    ("SELECT COUNT(*) FROM crm_pipelines WHERE id = $1 AND sub_account_id = $2".to_owned(), None)
                }
                K::Stage => (
                    "SELECT COUNT(*) FROM crm_stages s JOIN crm_pipelines p ON p.id = s.pipeline_id \
                     WHERE s.id = $1 AND p.sub_account_id = $2 AND p.id = $3"
                        .to_owned(),
                    Some(record.get("pipelineId").and_then(Value::as_str).unwrap_or_default()),
                ),
                _ => continue,
            };
            let mut query = sqlx::query_scalar::<_, i64>(&sql).bind(id).bind(tenant.id());
            if let Some(pipeline) = scope {
                query = query.bind(pipeline);
            }
            if query.fetch_one(&mut *conn).await? == 0 {
                problems.push(match field.kind {
                    // The stage may well exist — in another pipeline.
                    K::Stage => RecordProblem::Invalid {
                        label: field.label,
                        expected: "is not a stage of the chosen pipeline".to_owned(),
                    },
                    _ => RecordProblem::Unknown { label: field.label, id: id.to_owned() },
                });
            }
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(RecordError::Invalid(problems)) }
}

/// The form triggers of a stage change a person (or the API) made: each matching trigger
/// creates its form, in the write's transaction, from a `stage_changed` event named by the
/// stream's. A form's own writeback does not make a form again.
async fn form_triggers(
    crm: &BuiltinCrm,
    conn: &mut AnyConnection,
    tenant: &Tenant,
    events: &[RecordEvent],
) -> RecordResult<Vec<FormId>> {
    let mut forms = Vec::new();
    for event in events.iter().filter(|e| e.event_type == EventType::OpportunityStageChanged) {
        if !matches!(event.cause, Cause::Person { .. } | Cause::Api { .. }) {
            continue;
        }
        let stage = event.record.get("stageId").and_then(Value::as_str).unwrap_or_default();
        let opportunity = OpportunityId::from(event.record_id.as_str());
        let Some(context) = stage_change_context(conn, tenant.id(), &opportunity, stage).await? else { continue };
        // Its own key beside the stream event's (both are the built-in CRM's).
        let incoming = Incoming::Form(context.into_event(tenant, "builtin", format!("forms:{}", event.id)));
        if let IngestOutcome::Accepted { forms: created, .. } = ingest_on(crm.store(), conn, &incoming).await? {
            forms.extend(created);
        }
    }
    Ok(forms)
}

/// Stores the events a write fires, in order, after the record's earlier ones; with the
/// workflows the loop limit kept them from starting.
pub(super) async fn emit(
    crm: &BuiltinCrm,
    conn: &mut AnyConnection,
    tenant: &Tenant,
    cause: &Cause,
    module: Module,
    before: Option<&Record>,
    after: &Record,
) -> RecordResult<(Vec<RecordEvent>, Vec<NotStarted>)> {
    let record_id = after.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
    let occurred_at = now_ms();
    let mut events = Vec::new();
    let mut not_started = Vec::new();
    for fired in fired(module, before, after) {
        let event = RecordEvent {
            id: new_id().into(),
            sub_account_id: tenant.id().clone(),
            module,
            event_type: fired.event_type,
            record_id: record_id.clone(),
            occurred_at,
            record: after.clone(),
            previous: fired.previous,
            cause: cause.clone(),
        };
        if let Some(stored) = crm.store().insert_record_event(conn, tenant, &event, "builtin", &event.id).await? {
            not_started.extend(stored.not_started);
        }
        events.push(event);
    }
    Ok((events, not_started))
}
