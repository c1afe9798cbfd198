//! Templates: the list, versioned edits with their conflicts, copies, import and export.

use app::api::AppError;
use app::api::ports::{AppResult, TemplatesPort};
use app::api::types::{PendingVersion, SessionUser, TemplateDraft, TemplateMappings, TemplateSummary};
use app::model::transfer;
use app::model::trigger::{FieldMapping, broken_mappings};
use app::model::{SubAccountId, Template, TemplateId, UserId};
use async_trait::async_trait;

use super::{Service, crm_error};
use crate::db::templates::{DeleteBlock, NewerVersion, SaveOutcome};
use crate::db::tenancy::{Admin, Tenant};
use crate::db::{StoreError, from_json};
use crate::time::format_ms;

#[async_trait]
impl TemplatesPort for Service {
    async fn templates(&self, user: &SessionUser, sub_account: &SubAccountId) -> AppResult<Vec<TemplateSummary>> {
        let member = self.member(user, sub_account).await?;
        let rows = self.store.template_summaries(&member).await?;
        let pending = self.store.pending_versions(&member).await?;
        rows.into_iter()
            .map(|t| {
                let template: Template = from_json(&t.definition)?;
                let pending_versions = pending
                    .iter()
                    .filter(|(id, _, _)| *id == t.id)
                    .map(|&(_, version, forms)| PendingVersion { version, forms })
                    .collect();
                Ok(TemplateSummary {
                    id: t.id,
                    name: t.name,
                    version: t.current_version,
                    field_count: template.fields.iter().filter(|f| f.kind.takes_answer()).count(),
                    pending_forms: t.pending_forms,
                    pending_versions,
                    trigger_count: t.trigger_count,
                    updated_at: format_ms(t.updated_at, &member.sub_account().time_zone),
                })
            })
            .collect()
    }

    async fn delete_template(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        template_id: &TemplateId,
    ) -> AppResult<()> {
        let admin = self.admin_member(user, sub_account).await?;
        match self.store.delete_template(&admin, template_id).await? {
            None => Err(AppError::not_found("That template")),
            Some(Ok(())) => Ok(()),
            Some(Err(DeleteBlock::PendingForms(count))) => Err(AppError::Conflict(format!(
                "This template has {count} pending form{}. Complete {} before deleting the template.",
                plural(count),
                if count == 1 { "it" } else { "them" }
            ))),
            Some(Err(DeleteBlock::Triggers(count))) => Err(AppError::Conflict(format!(
                "This template is used by {count} trigger{}. Remove {} in Settings first.",
                plural(count),
                if count == 1 { "it" } else { "them" }
            ))),
        }
    }

    async fn template_mappings(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        template_id: &TemplateId,
    ) -> AppResult<TemplateMappings> {
        let admin = self.admin_member(user, sub_account).await?;
        self.current_draft(&admin, template_id).await?;
        self.mappings_of(&admin, template_id).await
    }

    async fn template(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        template_id: &TemplateId,
    ) -> AppResult<TemplateDraft> {
        let member = self.member(user, sub_account).await?;
        self.current_draft(&member, template_id).await
    }

    async fn save_template(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        template_id: &TemplateId,
        base_version: i64,
        template: Template,
    ) -> AppResult<TemplateDraft> {
        let admin = self.admin_member(user, sub_account).await?;
        let mut problems = template.problems();
        let context = self.mappings_of(&admin, template_id).await?;
        if !context.mappings.is_empty() {
            let base = self.current_draft(&admin, template_id).await?.template;
            problems.extend(broken_mappings(&context.mappings, &template, &base, &context.crm_fields));
        }
        if !problems.is_empty() {
            return Err(AppError::InvalidTemplate(problems));
        }
        match self.store.save_template_version(&admin, template_id, base_version, &template, admin.user()).await {
            Ok(SaveOutcome::Saved(version)) => Ok(TemplateDraft { id: template_id.clone(), version, template }),
            Ok(SaveOutcome::Stale(newer)) => {
                Err(AppError::Conflict(stale_edit(&newer, admin.user(), &admin.sub_account().time_zone)))
            }
            Ok(SaveOutcome::Missing) => Err(AppError::not_found("That template")),
            Err(error) => Err(error.into()),
        }
    }

    async fn create_template(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        template: Template,
    ) -> AppResult<TemplateDraft> {
        let admin = self.admin_member(user, sub_account).await?;
        let problems = template.problems();
        if !problems.is_empty() {
            return Err(AppError::InvalidTemplate(problems));
        }
        self.insert_template(&admin, template).await
    }

    async fn duplicate_template(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        template_id: &TemplateId,
    ) -> AppResult<TemplateDraft> {
        let admin = self.admin_member(user, sub_account).await?;
        let mut template = self.current_draft(&admin, template_id).await?.template;
        template.name = Template::copy_name(&template.name);
        self.insert_template(&admin, template).await
    }

    async fn import_template(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        file: &str,
    ) -> AppResult<TemplateDraft> {
        let admin = self.admin_member(user, sub_account).await?;
        let template = transfer::import_template(file)
            .map_err(|problems| AppError::InvalidImport(problems.iter().map(ToString::to_string).collect()))?;
        self.insert_template(&admin, template).await
    }

    async fn export_template(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        template_id: &TemplateId,
    ) -> AppResult<String> {
        let member = self.member(user, sub_account).await?;
        Ok(transfer::export_template(&self.current_draft(&member, template_id).await?.template))
    }
}

impl Service {
    async fn current_draft(&self, tenant: &Tenant, template_id: &TemplateId) -> AppResult<TemplateDraft> {
        let mut conn = self.store.pool().acquire().await.map_err(StoreError::from)?;
        let current = self.store.current_template(&mut conn, tenant, template_id).await?;
        let current = current.ok_or_else(|| AppError::not_found("That template"))?;
        Ok(TemplateDraft { id: current.template_id, version: current.version, template: current.template })
    }

    /// Adds a template saved by the admin, renamed “… (2)” when the sub-account already has one
    /// of that name.
    async fn insert_template(&self, admin: &Admin, mut template: Template) -> AppResult<TemplateDraft> {
        let taken: Vec<String> = self.store.template_names(admin).await?.into_iter().map(|(_, name)| name).collect();
        template.name = Template::unused_name(&template.name, &taken);
        let mut tx = self.store.begin().await?;
        let id = self.store.create_template(&mut tx, admin, &template, Some(admin.user())).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(TemplateDraft { id, version: 1, template })
    }

    /// The custom field mappings of the triggers that use a template, with the CRM fields they
    /// map to (read from the CRM only when there are mappings).
    async fn mappings_of(&self, tenant: &Tenant, template_id: &TemplateId) -> AppResult<TemplateMappings> {
        let triggers = self.store.triggers(tenant).await?;
        let mappings: Vec<FieldMapping> = triggers
            .into_iter()
            .filter(|t| t.template_id == *template_id)
            .flat_map(|t| t.config.writebacks.custom_fields)
            .collect();
        let crm_fields = if mappings.is_empty() {
            Vec::new()
        } else {
            self.crm_for(tenant.id()).await?.custom_fields(tenant.id()).await.map_err(crm_error)?
        };
        Ok(TemplateMappings { mappings, crm_fields })
    }
}

/// Why a save was refused: who saved first and when — the same person in another tab or window
/// is told so — and that nothing of this edit was lost yet.
fn stale_edit(newer: &NewerVersion, user: &UserId, zone: &str) -> String {
    let who = match (&newer.saved_by, &newer.saved_by_name) {
        (Some(id), _) if id == user => "You saved it in another tab or window".to_owned(),
        (_, Some(name)) => format!("{name} saved it"),
        _ => "Someone saved it".to_owned(),
    };
    format!(
        "This template changed while you were editing: {who} as version {} at {}. Your changes are not \
         saved yet — reload to see the new version, or save yours as a copy.",
        newer.version,
        format_ms(newer.saved_at, zone)
    )
}

fn plural(count: i64) -> &'static str {
    if count == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use app::model::UserId;

    use super::stale_edit;
    use crate::db::templates::NewerVersion;

    #[test]
    fn a_stale_edit_says_who_saved_first() {
        let user = UserId::from("u1");
        let newer = |saved_by: Option<&str>, name: Option<&str>| NewerVersion {
            version: 4,
            saved_by: saved_by.map(UserId::from),
            saved_by_name: name.map(str::to_owned),
            saved_at: 1_782_900_000_000,
        };
        let message = stale_edit(&newer(Some("u2"), Some("Jordan Lee")), &user, "Europe/London");
        assert_eq!(
            message,
            "This template changed while you were editing: Jordan Lee saved it as version 4 at 2026-07-01 11:00 \
             BST. Your changes are not saved yet — reload to see the new version, or save yours as a copy."
        );
        assert!(
            stale_edit(&newer(Some("u1"), Some("Avery Admin")), &user, "UTC").contains("You saved it in another tab")
        );
        assert!(stale_edit(&newer(None, None), &user, "UTC").contains("Someone saved it as version 4"));
    }
}
