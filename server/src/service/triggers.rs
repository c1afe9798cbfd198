//! Adding and removing triggers (admins), checked against the CRM and the template.

use app::api::AppError;
use app::api::ports::{AppResult, TriggersPort};
use app::api::types::{SessionUser, TriggerView};
use app::model::trigger::check_trigger;
use app::model::{SubAccountId, TriggerConfig, TriggerId, TriggerProblem};
use async_trait::async_trait;

use super::settings::trigger_view;
use super::{Service, crm_error};
use crate::db::StoreError;
use crate::db::triggers::StoredTrigger;

#[async_trait]
impl TriggersPort for Service {
    async fn add_trigger(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        config: TriggerConfig,
    ) -> AppResult<TriggerView> {
        let admin = self.admin_member(user, sub_account).await?;
        let mut conn = self.store.pool().acquire().await.map_err(StoreError::from)?;
        let template = self
            .store
            .current_template(&mut conn, &admin, &config.template_id)
            .await?
            .ok_or_else(|| AppError::not_found("That template"))?;
        drop(conn);
        let crm = self.crm_for(sub_account).await?;
        let pipelines = crm.pipelines(sub_account).await.map_err(crm_error)?;
        let crm_fields = crm.custom_fields(sub_account).await.map_err(crm_error)?;
        let problems = check_trigger(&config, &template.template, &pipelines, &crm_fields);
        if !problems.is_empty() {
            return Err(AppError::InvalidTrigger(problems));
        }
        let id = self.store.insert_trigger(&admin, &config).await?;
        let id = id.ok_or_else(|| AppError::InvalidTrigger(vec![TriggerProblem::AlreadyExists]))?;
        let stored = StoredTrigger {
            id,
            template_id: config.template_id.clone(),
            template_name: template.template.name.clone(),
            config,
        };
        Ok(trigger_view(stored, &pipelines))
    }

    async fn remove_trigger(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        trigger_id: &TriggerId,
    ) -> AppResult<()> {
        let admin = self.admin_member(user, sub_account).await?;
        if self.store.delete_trigger(&admin, trigger_id).await? {
            Ok(())
        } else {
            Err(AppError::not_found("That trigger"))
        }
    }
}
