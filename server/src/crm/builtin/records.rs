//! Creating built-in CRM records: the demo data, and calls logged from the CRM view.

use app::model::{ContactId, CrmFieldType, OpportunityId, Pipeline, Stage, SubAccountId};
use sqlx::AnyConnection;

use super::BuiltinCrm;
use crate::db::{StoreResult, new_id, now_ms, to_json};

pub struct NewContact<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
}

pub struct NewCustomField<'a> {
    pub name: &'a str,
    pub key: &'a str,
    pub data_type: CrmFieldType,
    pub options: &'a [&'a str],
    pub position: i64,
}

pub struct NewOpportunity<'a> {
    pub contact_id: &'a ContactId,
    pub pipeline_id: &'a str,
    pub stage_id: &'a str,
    pub name: &'a str,
    pub monetary_value: f64,
}

impl BuiltinCrm {
    pub async fn insert_contact(
        &self,
        conn: &mut AnyConnection,
        sub_account: &SubAccountId,
        contact: &NewContact<'_>,
    ) -> StoreResult<ContactId> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO crm_contacts (id, sub_account_id, first_name, last_name, email, phone, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(sub_account)
        .bind(contact.first_name)
        .bind(contact.last_name)
        .bind(contact.email)
        .bind(contact.phone)
        .bind(now_ms())
        .execute(conn)
        .await?;
        Ok(id.into())
    }

    pub async fn insert_custom_field(
        &self,
        conn: &mut AnyConnection,
        sub_account: &SubAccountId,
        field: &NewCustomField<'_>,
    ) -> StoreResult<String> {
        let id = new_id();
        let data_type = to_json(&field.data_type)?.trim_matches('"').to_owned();
        sqlx::query(
            "INSERT INTO crm_custom_fields (id, sub_account_id, name, field_key, data_type, options, position) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(sub_account)
        .bind(field.name)
        .bind(field.key)
        .bind(data_type)
        .bind(to_json(&field.options)?)
        .bind(field.position)
        .execute(conn)
        .await?;
        Ok(id)
    }

    /// Creates a pipeline with its stages in order.
    pub async fn insert_pipeline(
        &self,
        conn: &mut AnyConnection,
        sub_account: &SubAccountId,
        name: &str,
        stages: &[&str],
        position: i64,
    ) -> StoreResult<Pipeline> {
        let id = new_id();
        sqlx::query("INSERT INTO crm_pipelines (id, sub_account_id, name, position) VALUES ($1, $2, $3, $4)")
            .bind(&id)
            .bind(sub_account)
            .bind(name)
            .bind(position)
            .execute(&mut *conn)
            .await?;
        let mut created = Vec::new();
        for (position, stage) in (0_i64..).zip(stages) {
            let stage_id = new_id();
            sqlx::query("INSERT INTO crm_stages (id, pipeline_id, name, position) VALUES ($1, $2, $3, $4)")
                .bind(&stage_id)
                .bind(&id)
                .bind(*stage)
                .bind(position)
                .execute(&mut *conn)
                .await?;
            created.push(Stage { id: stage_id, name: (*stage).to_owned() });
        }
        Ok(Pipeline { id, name: name.to_owned(), stages: created })
    }

    pub async fn insert_opportunity(
        &self,
        conn: &mut AnyConnection,
        sub_account: &SubAccountId,
        opportunity: &NewOpportunity<'_>,
    ) -> StoreResult<OpportunityId> {
        let id = new_id();
        let now = now_ms();
        sqlx::query(
            "INSERT INTO crm_opportunities (id, sub_account_id, contact_id, pipeline_id, stage_id, name, monetary_value, \
               status, last_stage_change_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $8)",
        )
        .bind(&id)
        .bind(sub_account)
        .bind(opportunity.contact_id)
        .bind(opportunity.pipeline_id)
        .bind(opportunity.stage_id)
        .bind(opportunity.name)
        .bind(opportunity.monetary_value)
        .bind(now)
        .execute(conn)
        .await?;
        Ok(id.into())
    }

    /// Records a finished Voice AI call and returns its id.
    pub async fn insert_call(
        &self,
        sub_account: &SubAccountId,
        contact_id: &ContactId,
        summary: &str,
        transcript: &str,
    ) -> StoreResult<String> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO crm_calls (id, sub_account_id, contact_id, summary, transcript, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(sub_account)
        .bind(contact_id)
        .bind(summary)
        .bind(transcript)
        .bind(now_ms())
        .execute(self.store().pool())
        .await?;
        Ok(id)
    }
}
