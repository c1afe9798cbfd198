//! Triggers of a sub-account.

use app::model::{EventType, TemplateId, TriggerConfig, TriggerEvent, TriggerId, Writebacks};
use sqlx::{AnyConnection, FromRow};

use super::tenancy::{Admin, Tenant};
use super::{Store, StoreResult, from_json, new_id, now_ms, to_json};

#[derive(Clone, Debug, FromRow)]
struct TriggerRow {
    id: TriggerId,
    template_id: TemplateId,
    template_name: String,
    event_type: String,
    pipeline_id: Option<String>,
    stage_id: Option<String>,
    writebacks: String,
}

#[derive(Clone, Debug)]
pub struct StoredTrigger {
    pub id: TriggerId,
    pub template_id: TemplateId,
    pub template_name: String,
    pub config: TriggerConfig,
}

impl TriggerRow {
    fn into_trigger(self) -> super::StoreResult<StoredTrigger> {
        let event = match (self.event_type.parse::<EventType>(), self.pipeline_id, self.stage_id) {
            (Ok(EventType::StageChanged), Some(pipeline_id), Some(stage_id)) => {
                TriggerEvent::StageChanged { pipeline_id, stage_id }
            }
            (Ok(EventType::CallCompleted), _, _) => TriggerEvent::CallCompleted,
            _ => {
                let found = &self.event_type;
                return Err(super::StoreError::Corrupt(format!("trigger {} has event `{found}`", self.id)));
            }
        };
        let writebacks: Writebacks = from_json(&self.writebacks)?;
        Ok(StoredTrigger {
            id: self.id,
            template_name: self.template_name,
            config: TriggerConfig { event, template_id: self.template_id.clone(), writebacks },
            template_id: self.template_id,
        })
    }
}

const SELECT_TRIGGERS: &str = "SELECT g.id, g.template_id, t.name AS template_name, g.event_type, g.pipeline_id, \
     g.stage_id, g.writebacks FROM triggers g JOIN templates t ON t.id = g.template_id";

impl Store {
    /// Adds a trigger, or returns `None` when the sub-account already has one for the same event
    /// and template (a unique index decides, so two admins adding it at once get one).
    pub async fn insert_trigger(&self, admin: &Admin, config: &TriggerConfig) -> StoreResult<Option<TriggerId>> {
        let id = new_id();
        let (pipeline_id, stage_id) = match &config.event {
            TriggerEvent::StageChanged { pipeline_id, stage_id } => {
                (Some(pipeline_id.as_str()), Some(stage_id.as_str()))
            }
            TriggerEvent::CallCompleted => (None, None),
        };
        let done = sqlx::query(
            "INSERT INTO triggers (id, sub_account_id, template_id, event_type, pipeline_id, stage_id, writebacks, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        )
        .bind(&id)
        .bind(admin.id())
        .bind(&config.template_id)
        .bind(config.event.event_type().as_str())
        .bind(pipeline_id)
        .bind(stage_id)
        .bind(to_json(&config.writebacks)?)
        .bind(now_ms())
        .execute(&mut *self.writer().await?)
        .await?;
        Ok((done.rows_affected() == 1).then_some(id.into()))
    }

    pub async fn triggers(&self, tenant: &Tenant) -> StoreResult<Vec<StoredTrigger>> {
        let sql = format!("{SELECT_TRIGGERS} WHERE g.sub_account_id = $1 ORDER BY g.created_at");
        let rows: Vec<TriggerRow> = sqlx::query_as(&sql).bind(tenant.id()).fetch_all(self.pool()).await?;
        rows.into_iter().map(TriggerRow::into_trigger).collect()
    }

    /// Triggers listening for one kind of event, read inside the ingesting transaction.
    pub async fn triggers_for_event(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        event_type: EventType,
    ) -> StoreResult<Vec<StoredTrigger>> {
        let sql = format!("{SELECT_TRIGGERS} WHERE g.sub_account_id = $1 AND g.event_type = $2 ORDER BY g.created_at");
        let rows: Vec<TriggerRow> =
            sqlx::query_as(&sql).bind(tenant.id()).bind(event_type.as_str()).fetch_all(conn).await?;
        rows.into_iter().map(TriggerRow::into_trigger).collect()
    }

    /// Removes a trigger; forms it already created keep their own copy of its writebacks.
    pub async fn delete_trigger(&self, admin: &Admin, trigger_id: &TriggerId) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM triggers WHERE id = $1 AND sub_account_id = $2")
            .bind(trigger_id.as_str())
            .bind(admin.id())
            .execute(&mut *self.writer().await?)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
