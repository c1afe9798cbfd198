//! The built-in CRM: contacts, custom fields, pipelines, opportunities, notes, tasks and calls in
//! OpsFlow's own database, so OpsFlow runs with nothing else. It behaves like HighLevel where
//! it matters to writebacks: it checks that custom fields exist and that values fit their type,
//! and it refuses a stage that is not in the opportunity's pipeline.

pub mod modules;
pub mod overdue;
pub mod records;
pub mod views;

use app::model::{Cause, ContactId, CrmField, CrmFieldType, Module, OpportunityId, Pipeline, Stage, SubAccountId};
use async_trait::async_trait;
use serde_json::json;
use sqlx::FromRow;

use super::{Contact, Crm, CrmError, CrmResult, CrmUser, CustomFieldUpdate, NewNote, NewTask, Note, Opportunity, Task};
use crate::db::tenancy::Tenant;
use crate::db::{Store, StoreError, from_json, new_id, now_ms, to_json};
use modules::{Record, RecordError};

#[derive(Clone, Debug)]
pub struct BuiltinCrm {
    store: Store,
}

impl BuiltinCrm {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
}

impl From<StoreError> for CrmError {
    fn from(error: StoreError) -> Self {
        CrmError::Unavailable(error.to_string())
    }
}

impl From<RecordError> for CrmError {
    fn from(error: RecordError) -> Self {
        match error {
            RecordError::NotFound(module) => CrmError::NotFound(format!("the record in {module}")),
            RecordError::Store(error) => error.into(),
            refused @ (RecordError::Invalid(_) | RecordError::Conflict(_)) => CrmError::Rejected(refused.to_string()),
        }
    }
}

impl From<sqlx::Error> for CrmError {
    fn from(error: sqlx::Error) -> Self {
        CrmError::Unavailable(error.to_string())
    }
}

#[derive(FromRow)]
struct OpportunityRow {
    id: OpportunityId,
    name: String,
    pipeline_id: String,
    stage_id: String,
    contact_id: ContactId,
    status: String,
    monetary_value: f64,
}

impl From<OpportunityRow> for Opportunity {
    fn from(row: OpportunityRow) -> Self {
        Opportunity {
            id: row.id,
            name: row.name,
            pipeline_id: row.pipeline_id,
            pipeline_stage_id: row.stage_id,
            contact_id: row.contact_id,
            status: row.status,
            monetary_value: row.monetary_value,
        }
    }
}

#[derive(FromRow)]
struct CustomFieldRow {
    id: String,
    name: String,
    field_key: String,
    data_type: String,
    options: String,
}

/// A custom field's type as stored: HighLevel's `dataType` spelling (`MONETORY`).
fn stored_field_type(stored: &str) -> CrmResult<CrmFieldType> {
    Ok(from_json(&format!("\"{stored}\""))?)
}

impl CustomFieldRow {
    fn into_field(self) -> CrmResult<CrmField> {
        let data_type = stored_field_type(&self.data_type)?;
        Ok(CrmField {
            id: self.id,
            name: self.name,
            key: self.field_key,
            data_type,
            options: from_json(&self.options)?,
        })
    }
}

#[async_trait]
impl Crm for BuiltinCrm {
    async fn create_note(&self, sub_account: &SubAccountId, contact_id: &ContactId, note: &NewNote) -> CrmResult<Note> {
        self.contact_exists(sub_account, contact_id).await?;
        let id = new_id();
        sqlx::query(
            "INSERT INTO crm_notes (id, sub_account_id, contact_id, user_id, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(sub_account)
        .bind(contact_id)
        .bind(note.user_id.as_deref())
        .bind(&note.body)
        .bind(now_ms())
        .execute(&mut *self.store.writer().await?)
        .await?;
        Ok(Note { id, body: note.body.clone(), contact_id: contact_id.clone() })
    }

    async fn update_contact_custom_fields(
        &self,
        sub_account: &SubAccountId,
        contact_id: &ContactId,
        fields: &[CustomFieldUpdate],
        cause: &Cause,
    ) -> CrmResult<()> {
        self.contact_exists(sub_account, contact_id).await?;
        // Like a PUT: every field is written, or none is; the contact's event carries the
        // values before.
        let tenant = Tenant::for_server_work(sub_account.clone());
        let mut tx = self.store.begin().await?;
        self.set_custom_fields_on(&mut tx, &tenant, cause, contact_id, fields).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_task(
        &self,
        sub_account: &SubAccountId,
        contact_id: &ContactId,
        task: &NewTask,
        cause: &Cause,
    ) -> CrmResult<Task> {
        self.contact_exists(sub_account, contact_id).await?;
        let tenant = Tenant::for_server_work(sub_account.clone());
        let values: Record = [
            ("title", json!(task.title)),
            ("body", json!(task.body)),
            ("dueDate", json!(task.due_date)),
            ("completed", json!(task.completed)),
            ("assignedTo", json!(task.assigned_to)),
            ("contactId", json!(contact_id)),
        ]
        .into_iter()
        .map(|(field, value)| (field.to_owned(), value))
        .collect();
        let created = self.create_record(&tenant, cause, Module::Tasks, &values).await?;
        Ok(Task {
            id: created.id,
            title: task.title.clone(),
            body: task.body.clone(),
            due_date: task.due_date.clone(),
            contact_id: contact_id.clone(),
        })
    }

    async fn contact_notes(&self, sub_account: &SubAccountId, contact_id: &ContactId) -> CrmResult<Vec<Note>> {
        self.contact_exists(sub_account, contact_id).await?;
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT id, body FROM crm_notes WHERE contact_id = $1 AND sub_account_id = $2 ORDER BY created_at DESC",
        )
        .bind(contact_id)
        .bind(sub_account)
        .fetch_all(self.store.pool())
        .await?;
        Ok(rows.into_iter().map(|(id, body)| Note { id, body, contact_id: contact_id.clone() }).collect())
    }

    async fn contact_tasks(&self, sub_account: &SubAccountId, contact_id: &ContactId) -> CrmResult<Vec<Task>> {
        self.contact_exists(sub_account, contact_id).await?;
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT id, title, body, due_date FROM crm_tasks WHERE contact_id = $1 AND sub_account_id = $2 \
             ORDER BY created_at DESC",
        )
        .bind(contact_id)
        .bind(sub_account)
        .fetch_all(self.store.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, title, body, due_date)| Task { id, title, body, due_date, contact_id: contact_id.clone() })
            .collect())
    }

    async fn get_opportunity(
        &self,
        sub_account: &SubAccountId,
        opportunity_id: &OpportunityId,
    ) -> CrmResult<Opportunity> {
        let row: Option<OpportunityRow> = sqlx::query_as(
            "SELECT id, name, pipeline_id, stage_id, contact_id, status, monetary_value FROM crm_opportunities \
             WHERE id = $1 AND sub_account_id = $2",
        )
        .bind(opportunity_id)
        .bind(sub_account)
        .fetch_optional(self.store.pool())
        .await?;
        row.map(Opportunity::from).ok_or_else(|| CrmError::NotFound(format!("opportunity {opportunity_id}")))
    }

    async fn move_opportunity(
        &self,
        sub_account: &SubAccountId,
        opportunity_id: &OpportunityId,
        pipeline_id: &str,
        stage_id: &str,
        cause: &Cause,
    ) -> CrmResult<Opportunity> {
        let pipelines = self.pipelines(sub_account).await?;
        let pipeline = pipelines
            .iter()
            .find(|p| p.id == pipeline_id)
            .ok_or_else(|| CrmError::Rejected(format!("pipeline {pipeline_id} does not exist")))?;
        if pipeline.stage(stage_id).is_none() {
            return Err(CrmError::Rejected(format!("stage {stage_id} is not in pipeline “{}”", pipeline.name)));
        }
        let tenant = Tenant::for_server_work(sub_account.clone());
        let values: Record = [("pipelineId".to_owned(), json!(pipeline_id)), ("stageId".to_owned(), json!(stage_id))]
            .into_iter()
            .collect();
        self.update_record(&tenant, cause, Module::Opportunities, opportunity_id, &values).await?;
        self.get_opportunity(sub_account, opportunity_id).await
    }

    async fn get_contact(&self, sub_account: &SubAccountId, contact_id: &ContactId) -> CrmResult<Contact> {
        let row: Option<(ContactId, String, String, String, String)> = sqlx::query_as(
            "SELECT id, first_name, last_name, email, phone FROM crm_contacts WHERE id = $1 AND sub_account_id = $2",
        )
        .bind(contact_id)
        .bind(sub_account)
        .fetch_optional(self.store.pool())
        .await?;
        let (id, first, last, email, phone) = row.ok_or_else(|| CrmError::NotFound(format!("contact {contact_id}")))?;
        Ok(Contact { id, name: format!("{first} {last}").trim().to_owned(), email, phone })
    }

    async fn pipelines(&self, sub_account: &SubAccountId) -> CrmResult<Vec<Pipeline>> {
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT p.id, p.name, s.id, s.name FROM crm_pipelines p JOIN crm_stages s ON s.pipeline_id = p.id \
             WHERE p.sub_account_id = $1 ORDER BY p.position, s.position",
        )
        .bind(sub_account)
        .fetch_all(self.store.pool())
        .await?;
        let mut pipelines: Vec<Pipeline> = Vec::new();
        for (pipeline_id, pipeline_name, stage_id, stage_name) in rows {
            let stage = Stage { id: stage_id, name: stage_name };
            match pipelines.last_mut() {
                Some(last) if last.id == pipeline_id => last.stages.push(stage),
                _ => pipelines.push(Pipeline { id: pipeline_id, name: pipeline_name, stages: vec![stage] }),
            }
        }
        Ok(pipelines)
    }

    async fn custom_fields(&self, sub_account: &SubAccountId) -> CrmResult<Vec<CrmField>> {
        let mut conn = self.store.pool().acquire().await?;
        Ok(self.custom_fields_on(&mut conn, sub_account).await?)
    }

    async fn users(&self, sub_account: &SubAccountId) -> CrmResult<Vec<CrmUser>> {
        let members: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT u.id, u.name, u.email FROM users u JOIN memberships m ON m.user_id = u.id \
             WHERE m.sub_account_id = $1 ORDER BY u.name",
        )
        .bind(sub_account)
        .fetch_all(self.store.pool())
        .await?;
        Ok(members.into_iter().map(|(id, name, email)| CrmUser { id, name, email }).collect())
    }
}

impl BuiltinCrm {
    /// The sub-account's custom fields, on `conn`.
    async fn custom_fields_on(
        &self,
        conn: &mut sqlx::AnyConnection,
        sub_account: &SubAccountId,
    ) -> Result<Vec<CrmField>, RecordError> {
        let rows: Vec<CustomFieldRow> = sqlx::query_as(
            "SELECT id, name, field_key, data_type, options FROM crm_custom_fields WHERE sub_account_id = $1 ORDER BY position",
        )
        .bind(sub_account)
        .fetch_all(conn)
        .await?;
        rows.into_iter()
            .map(|row| row.into_field().map_err(|e| RecordError::Store(StoreError::Corrupt(e.to_string()))))
            .collect()
    }

    /// Writes checked custom field values of a contact on `conn` (inside a transaction) and
    /// emits the contact's event.
    pub async fn set_custom_fields_on(
        &self,
        conn: &mut sqlx::AnyConnection,
        tenant: &Tenant,
        cause: &Cause,
        contact_id: &ContactId,
        fields: &[CustomFieldUpdate],
    ) -> Result<modules::Written, RecordError> {
        let definitions = self.custom_fields_on(conn, tenant.id()).await?;
        let mut problems = Vec::new();
        for update in fields {
            match definitions.iter().find(|f| f.id == update.id) {
                None => problems.push(format!("custom field “{}” does not exist", update.id)),
                Some(field) => {
                    if let Err(why) = field.check_value(&update.field_value) {
                        problems.push(format!("custom field “{}” {why}", field.name));
                    }
                }
            }
        }
        if !problems.is_empty() {
            return Err(RecordError::Conflict(problems.join("; ")));
        }
        if !modules::lock(conn, tenant, Module::Contacts, contact_id).await? {
            return Err(RecordError::NotFound(Module::Contacts.as_str()));
        }
        let before = modules::snapshot(conn, tenant, Module::Contacts, contact_id).await?;
        for update in fields {
            sqlx::query(
                "INSERT INTO crm_contact_field_values (contact_id, field_id, value, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (contact_id, field_id) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            )
            .bind(contact_id)
            .bind(&update.id)
            .bind(to_json(&update.field_value)?)
            .bind(now_ms())
            .execute(&mut *conn)
            .await?;
        }
        let after = modules::snapshot(conn, tenant, Module::Contacts, contact_id)
            .await?
            .ok_or(RecordError::NotFound(Module::Contacts.as_str()))?;
        let (events, not_started) =
            modules::emit(self, conn, tenant, cause, Module::Contacts, before.as_ref(), &after).await?;
        Ok(modules::Written { id: contact_id.to_string(), events, not_started, ..modules::Written::default() })
    }

    async fn contact_exists(&self, sub_account: &SubAccountId, contact_id: &ContactId) -> CrmResult<()> {
        self.get_contact(sub_account, contact_id).await.map(|_| ())
    }
}
