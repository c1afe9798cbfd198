//! The settings page: what the CRM offers, the triggers, the number format.

use app::api::ports::{ApiKeysPort, AppResult, SettingsPort};
use app::api::types::{SessionUser, SettingsData, TemplateChoice, TriggerView};
use app::model::{NumberFormat, Pipeline, SubAccountId, Template, TriggerEvent};
use async_trait::async_trait;

use super::{Service, crm_error};
use crate::db::from_json;
use crate::db::triggers::StoredTrigger;

#[async_trait]
impl SettingsPort for Service {
    async fn settings(&self, user: &SessionUser, sub_account: &SubAccountId) -> AppResult<SettingsData> {
        let member = self.member(user, sub_account).await?;
        let crm = self.crm_for(sub_account).await?;
        let pipelines = crm.pipelines(sub_account).await.map_err(crm_error)?;
        let crm_fields = crm.custom_fields(sub_account).await.map_err(crm_error)?;
        let summaries = self.store.template_summaries(&member).await?;
        let templates = summaries
            .into_iter()
            .map(|t| {
                let template: Template = from_json(&t.definition)?;
                Ok(TemplateChoice { id: t.id, name: t.name, fields: template.fields })
            })
            .collect::<AppResult<Vec<_>>>()?;
        let triggers = self.store.triggers(&member).await?;
        let triggers = triggers.into_iter().map(|t| trigger_view(t, &pipelines)).collect();
        let crm_source = self.connected_to_highlevel(sub_account).await?.then(|| "HighLevel".to_owned());
        let api_keys = if member.is_admin() { self.api_keys(user, sub_account).await? } else { Vec::new() };
        let messaging = if member.is_admin() { Some(self.messaging_view(&member).await?) } else { None };
        Ok(SettingsData {
            crm_source,
            pipelines,
            crm_fields,
            templates,
            triggers,
            number_format: member.sub_account().number_format(),
            number_format_origin: member.sub_account().number_format_origin(),
            api_keys,
            messaging,
        })
    }

    async fn refresh_crm(&self, user: &SessionUser, sub_account: &SubAccountId) -> AppResult<()> {
        self.admin_member(user, sub_account).await?;
        if let Some(highlevel) = &self.highlevel
            && self.connected_to_highlevel(sub_account).await?
        {
            highlevel.crm.forget_cache(sub_account);
        }
        Ok(())
    }

    async fn set_number_format(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        format: NumberFormat,
    ) -> AppResult<()> {
        let admin = self.admin_member(user, sub_account).await?;
        self.store.set_number_format(&admin, format).await?;
        tracing::info!(
            %sub_account,
            locale = format.locale.as_str(),
            currency = format.currency.as_str(),
            "number format set"
        );
        Ok(())
    }
}

/// A trigger as the settings page lists it: its event and stage move named from the CRM.
pub(super) fn trigger_view(trigger: StoredTrigger, pipelines: &[Pipeline]) -> TriggerView {
    let (event_label, move_to_label) = match &trigger.config.event {
        TriggerEvent::StageChanged { pipeline_id, stage_id } => {
            let pipeline = pipelines.iter().find(|p| &p.id == pipeline_id);
            let stage_name =
                |id: &str| pipeline.and_then(|p| p.stage(id)).map_or("(removed stage)", |s| &s.name).to_owned();
            let label = format!("{} › {}", pipeline.map_or("(removed pipeline)", |p| &p.name), stage_name(stage_id));
            (label, trigger.config.writebacks.move_to_stage.as_deref().map(stage_name))
        }
        TriggerEvent::CallCompleted => ("Call Completed".to_owned(), None),
    };
    TriggerView {
        id: trigger.id,
        event: trigger.config.event,
        event_label,
        template_id: trigger.template_id,
        template_name: trigger.template_name,
        writebacks: trigger.config.writebacks,
        move_to_label,
    }
}
