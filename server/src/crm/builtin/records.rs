//! Creating built-in CRM records: the demo data, and calls logged from the CRM view.

use app::model::{ContactId, CrmFieldType, Pipeline, Stage, SubAccountId};
use sqlx::AnyConnection;

use super::BuiltinCrm;
use crate::db::{StoreResult, new_id, now_ms, to_json};

pub struct NewCustomField<'a> {
    pub name: &'a str,
    pub key: &'a str,
    pub data_type: CrmFieldType,
    pub options: &'a [&'a str],
    pub position: i64,
}

impl BuiltinCrm {
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
        .execute(&mut *self.store().writer().await?)
        .await?;
        Ok(id)
    }
}
