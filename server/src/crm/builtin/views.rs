//! What the built-in CRM's own screens show: the pipeline board and a contact's record.

use app::api::types::{
    CallView, ContactDetail, ContactOpportunity, ContactRow, CrmBoard, NoteView, OpportunityCard, PipelineBoard,
    StageColumn, TaskView,
};
use app::model::{ContactId, CrmFieldValue, NumberFormat, OpportunityId, SubAccountId};

use super::BuiltinCrm;
use crate::crm::{Crm, CrmResult};
use crate::db::from_json;
use crate::db::tenancy::Tenant;
use crate::events::{CrmEvent, EventDetail};
use crate::time::format_ms;

impl BuiltinCrm {
    pub async fn board(&self, sub_account: &SubAccountId, number_format: NumberFormat) -> CrmResult<CrmBoard> {
        let pipelines = self.pipelines(sub_account).await?;
        let cards: Vec<(OpportunityId, String, String, String, ContactId, String, f64)> = sqlx::query_as(
            "SELECT o.id, o.name, o.pipeline_id, o.stage_id, c.id, c.first_name || ' ' || c.last_name, o.monetary_value \
             FROM crm_opportunities o JOIN crm_contacts c ON c.id = o.contact_id \
             WHERE o.sub_account_id = $1 ORDER BY o.last_stage_change_at DESC, o.name",
        )
        .bind(sub_account)
        .fetch_all(self.store().pool())
        .await?;
        let board = pipelines
            .into_iter()
            .map(|pipeline| PipelineBoard {
                columns: pipeline
                    .stages
                    .iter()
                    .map(|stage| StageColumn {
                        stage_id: stage.id.clone(),
                        stage_name: stage.name.clone(),
                        opportunities: cards
                            .iter()
                            .filter(|card| card.2 == pipeline.id && card.3 == stage.id)
                            .map(|(id, name, _, _, contact_id, contact_name, value)| OpportunityCard {
                                id: id.clone(),
                                name: name.clone(),
                                contact_id: contact_id.clone(),
                                contact_name: contact_name.clone(),
                                monetary_value: *value,
                            })
                            .collect(),
                    })
                    .collect(),
                id: pipeline.id,
                name: pipeline.name,
            })
            .collect();
        let contacts: Vec<(ContactId, String, String, String)> = sqlx::query_as(
            "SELECT id, first_name || ' ' || last_name, email, phone FROM crm_contacts \
             WHERE sub_account_id = $1 ORDER BY first_name, last_name",
        )
        .bind(sub_account)
        .fetch_all(self.store().pool())
        .await?;
        Ok(CrmBoard {
            number_format,
            pipelines: board,
            contacts: contacts
                .into_iter()
                .map(|(id, name, email, phone)| ContactRow { id, name, email, phone })
                .collect(),
        })
    }

    pub async fn contact_detail(
        &self,
        sub_account: &SubAccountId,
        contact_id: &ContactId,
        zone: &str,
        number_format: NumberFormat,
    ) -> CrmResult<ContactDetail> {
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
            .map(|(name, data_type, value)| {
                let value = from_json::<CrmFieldValue>(&value)?;
                Ok((name, value.show(super::stored_field_type(&data_type)?, &number_format)))
            })
            .collect::<CrmResult<Vec<_>>>()?;
        let opportunities: Vec<(OpportunityId, String, String, String)> = sqlx::query_as(
            "SELECT o.id, o.name, p.name, s.name FROM crm_opportunities o \
             JOIN crm_pipelines p ON p.id = o.pipeline_id JOIN crm_stages s ON s.id = o.stage_id \
             WHERE o.contact_id = $1 AND o.sub_account_id = $2 ORDER BY o.name",
        )
        .bind(contact_id)
        .bind(sub_account)
        .fetch_all(pool)
        .await?;
        let notes: Vec<(String, i64)> = sqlx::query_as(
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
        let calls: Vec<(String, i64)> = sqlx::query_as(
            "SELECT summary, created_at FROM crm_calls WHERE contact_id = $1 AND sub_account_id = $2 ORDER BY created_at DESC",
        )
        .bind(contact_id)
        .bind(sub_account)
        .fetch_all(pool)
        .await?;
        Ok(ContactDetail {
            id: contact.id,
            name: contact.name,
            email: contact.email,
            phone: contact.phone,
            custom_fields,
            opportunities: opportunities
                .into_iter()
                .map(|(id, name, pipeline_name, stage_name)| ContactOpportunity { id, name, pipeline_name, stage_name })
                .collect(),
            notes: notes.into_iter().map(|(body, at)| NoteView { body, created_at: format_ms(at, zone) }).collect(),
            tasks: tasks
                .into_iter()
                .map(|(title, due, completed)| TaskView {
                    title,
                    due_date: due.get(..10).unwrap_or(&due).to_owned(),
                    completed: completed != 0,
                })
                .collect(),
            calls: calls
                .into_iter()
                .map(|(summary, at)| CallView { summary, created_at: format_ms(at, zone) })
                .collect(),
        })
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
        Ok(sqlx::query_as(
            "SELECT o.id AS opportunity_id, c.id AS contact_id, c.first_name || ' ' || c.last_name AS contact_name, \
               p.id AS pipeline_id, p.name AS pipeline_name, s.id AS stage_id, s.name AS stage_name \
             FROM crm_opportunities o JOIN crm_contacts c ON c.id = o.contact_id \
             JOIN crm_pipelines p ON p.id = o.pipeline_id JOIN crm_stages s ON s.pipeline_id = p.id \
             WHERE o.id = $1 AND o.sub_account_id = $2 AND s.id = $3",
        )
        .bind(opportunity_id)
        .bind(sub_account)
        .bind(stage_id)
        .fetch_optional(self.store().pool())
        .await?)
    }
}
