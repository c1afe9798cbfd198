//! What the built-in CRM's own screens read: its deals, its contacts and a contact's record
//! (`service::crm_view` turns them into the pages' types), and what a move on its board is as
//! an event.

use app::model::{ContactId, CrmFieldType, CrmFieldValue, OpportunityId, SubAccountId};

use super::BuiltinCrm;
use crate::crm::{Contact, Crm, CrmResult};
use crate::db::from_json;
use crate::db::tenancy::Tenant;
use crate::events::{CrmEvent, EventDetail};

/// A deal on the board: an opportunity, where it stands, and its contact's name.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Deal {
    pub id: OpportunityId,
    pub name: String,
    pub pipeline_id: String,
    pub stage_id: String,
    pub contact_id: ContactId,
    pub contact_name: String,
    pub monetary_value: f64,
}

/// Everything a contact's record shows, newest first where it is a history.
#[derive(Clone, Debug)]
pub struct ContactRecord {
    pub contact: Contact,
    /// (field name, its type, the value) for every custom field that has a value.
    pub custom_fields: Vec<(String, CrmFieldType, CrmFieldValue)>,
    /// (id, name, pipeline name, stage name).
    pub opportunities: Vec<(OpportunityId, String, String, String)>,
    /// (body, created at in Unix ms).
    pub notes: Vec<(String, i64)>,
    /// (title, due date as stored, completed).
    pub tasks: Vec<(String, String, bool)>,
    /// (summary, created at in Unix ms).
    pub calls: Vec<(String, i64)>,
}

impl BuiltinCrm {
    /// The sub-account's opportunities, the most recently moved first.
    pub async fn deals(&self, sub_account: &SubAccountId) -> CrmResult<Vec<Deal>> {
        Ok(sqlx::query_as(
            "SELECT o.id, o.name, o.pipeline_id, o.stage_id, c.id AS contact_id, \
               c.first_name || ' ' || c.last_name AS contact_name, o.monetary_value \
             FROM crm_opportunities o JOIN crm_contacts c ON c.id = o.contact_id \
             WHERE o.sub_account_id = $1 ORDER BY o.last_stage_change_at DESC, o.name",
        )
        .bind(sub_account)
        .fetch_all(self.store().pool())
        .await?)
    }

    /// The sub-account's contacts, by name.
    pub async fn contacts(&self, sub_account: &SubAccountId) -> CrmResult<Vec<Contact>> {
        let rows: Vec<(ContactId, String, String, String)> = sqlx::query_as(
            "SELECT id, first_name || ' ' || last_name, email, phone FROM crm_contacts \
             WHERE sub_account_id = $1 ORDER BY first_name, last_name",
        )
        .bind(sub_account)
        .fetch_all(self.store().pool())
        .await?;
        Ok(rows.into_iter().map(|(id, name, email, phone)| Contact { id, name, email, phone }).collect())
    }

    pub async fn contact_record(&self, sub_account: &SubAccountId, contact_id: &ContactId) -> CrmResult<ContactRecord> {
        let contact = self.get_contact(sub_account, contact_id).await?;
        let pool = self.store().pool();
        let values: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT f.name, f.data_type, v.value FROM crm_contact_field_values v JOIN crm_custom_fields f ON f.id = v.field_id \
             WHERE v.contact_id = $1 AND f.sub_account_id = $2 ORDER BY f.position",
        )
        .bind(contact_id)
        .bind(sub_account)
        .fetch_all(pool)
        .await?;
        let custom_fields = values
            .into_iter()
            .map(|(name, data_type, value)| Ok((name, super::stored_field_type(&data_type)?, from_json(&value)?)))
            .collect::<CrmResult<Vec<_>>>()?;
        let opportunities = sqlx::query_as(
            "SELECT o.id, o.name, p.name, s.name FROM crm_opportunities o \
             JOIN crm_pipelines p ON p.id = o.pipeline_id JOIN crm_stages s ON s.id = o.stage_id \
             WHERE o.contact_id = $1 AND o.sub_account_id = $2 ORDER BY o.name",
        )
        .bind(contact_id)
        .bind(sub_account)
        .fetch_all(pool)
        .await?;
        let notes = sqlx::query_as(
            "SELECT body, created_at FROM crm_notes WHERE contact_id = $1 AND sub_account_id = $2 ORDER BY created_at DESC",
        )
        .bind(contact_id)
        .bind(sub_account)
        .fetch_all(pool)
        .await?;
        let tasks: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT title, due_date, completed FROM crm_tasks WHERE contact_id = $1 AND sub_account_id = $2 \
             ORDER BY created_at DESC",
        )
        .bind(contact_id)
        .bind(sub_account)
        .fetch_all(pool)
        .await?;
        let calls = sqlx::query_as(
            "SELECT summary, created_at FROM crm_calls WHERE contact_id = $1 AND sub_account_id = $2 ORDER BY created_at DESC",
        )
        .bind(contact_id)
        .bind(sub_account)
        .fetch_all(pool)
        .await?;
        let tasks = tasks.into_iter().map(|(title, due, completed)| (title, due, completed != 0)).collect();
        Ok(ContactRecord { contact, custom_fields, opportunities, notes, tasks, calls })
    }
}

/// Everything a stage-change event needs to say about an opportunity moving to `stage_id`,
/// read in one query: the contact, the pipeline and the stage, with their names.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StageChangeContext {
    pub opportunity_id: OpportunityId,
    pub contact_id: ContactId,
    pub contact_name: String,
    pub pipeline_id: String,
    pub pipeline_name: String,
    pub stage_id: String,
    pub stage_name: String,
}

impl StageChangeContext {
    /// The event this move is, as `source` reports it under its own id.
    pub fn into_event(self, tenant: &Tenant, source: &str, external_id: String) -> CrmEvent {
        let detail = EventDetail::StageChanged {
            opportunity_id: self.opportunity_id,
            pipeline_id: self.pipeline_id,
            pipeline_name: self.pipeline_name,
            stage_id: self.stage_id,
            stage_name: self.stage_name,
        };
        CrmEvent::new(tenant, source, external_id, self.contact_id, self.contact_name, detail)
    }
}

impl BuiltinCrm {
    /// `None` when the opportunity is not in this sub-account or the stage is not in its pipeline.
    pub async fn stage_change_context(
        &self,
        sub_account: &SubAccountId,
        opportunity_id: &OpportunityId,
        stage_id: &str,
    ) -> CrmResult<Option<StageChangeContext>> {
        let mut conn = self.store().pool().acquire().await?;
        Ok(stage_change_context(&mut conn, sub_account, opportunity_id, stage_id).await?)
    }
}

/// The names a stage change's forms show, read on `conn` (inside a write's transaction).
pub async fn stage_change_context(
    conn: &mut sqlx::AnyConnection,
    sub_account: &SubAccountId,
    opportunity_id: &OpportunityId,
    stage_id: &str,
) -> Result<Option<StageChangeContext>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.id AS opportunity_id, c.id AS contact_id, c.first_name || ' ' || c.last_name AS contact_name, \
           p.id AS pipeline_id, p.name AS pipeline_name, s.id AS stage_id, s.name AS stage_name \
         FROM crm_opportunities o JOIN crm_contacts c ON c.id = o.contact_id \
         JOIN crm_pipelines p ON p.id = o.pipeline_id JOIN crm_stages s ON s.pipeline_id = p.id \
         WHERE o.id = $1 AND o.sub_account_id = $2 AND s.id = $3",
    )
    .bind(opportunity_id)
    .bind(sub_account)
    .bind(stage_id)
    .fetch_optional(conn)
    .await
}
