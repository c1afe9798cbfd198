//! Templates: the list, and what the builder does with one — open, save a new version, create,
//! duplicate, import, export, delete. Only admins change templates; everyone in the sub-account
//! may read them.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::error::AppError;
use super::types::{TemplateDraft, TemplateMappings, TemplateSummary};
use crate::model::{SubAccountId, Template, TemplateId};

#[server(prefix = "/api", endpoint = "templates/list")]
pub async fn list_templates(sub_account: SubAccountId) -> Result<Vec<TemplateSummary>, AppError> {
    use super::session::{backend, current_user};
    backend()?.templates(&current_user().await?, &sub_account).await
}

#[server(prefix = "/api", endpoint = "templates/delete")]
pub async fn delete_template(sub_account: SubAccountId, template_id: TemplateId) -> Result<(), AppError> {
    use super::session::{backend, current_user};
    backend()?.delete_template(&current_user().await?, &sub_account, &template_id).await
}

#[server(prefix = "/api", endpoint = "templates/get")]
pub async fn get_template(sub_account: SubAccountId, template_id: TemplateId) -> Result<TemplateDraft, AppError> {
    use super::session::{backend, current_user};
    backend()?.template(&current_user().await?, &sub_account, &template_id).await
}

/// Saves an edit as the next version, if `base_version` is still the current one.
#[server(prefix = "/api", endpoint = "templates/save", input = Json)]
pub async fn save_template(
    sub_account: SubAccountId,
    template_id: TemplateId,
    base_version: i64,
    template: Template,
) -> Result<TemplateDraft, AppError> {
    use super::session::{backend, current_user};
    backend()?.save_template(&current_user().await?, &sub_account, &template_id, base_version, template).await
}

#[server(prefix = "/api", endpoint = "templates/create", input = Json)]
pub async fn create_template(sub_account: SubAccountId, template: Template) -> Result<TemplateDraft, AppError> {
    use super::session::{backend, current_user};
    backend()?.create_template(&current_user().await?, &sub_account, template).await
}

#[server(prefix = "/api", endpoint = "templates/duplicate")]
pub async fn duplicate_template(sub_account: SubAccountId, template_id: TemplateId) -> Result<TemplateDraft, AppError> {
    use super::session::{backend, current_user};
    backend()?.duplicate_template(&current_user().await?, &sub_account, &template_id).await
}

/// Creates a template from the text of an exported file.
#[server(prefix = "/api", endpoint = "templates/import", input = Json)]
pub async fn import_template(sub_account: SubAccountId, file: String) -> Result<TemplateDraft, AppError> {
    use super::session::{backend, current_user};
    backend()?.import_template(&current_user().await?, &sub_account, &file).await
}

/// The exported file's text.
#[server(prefix = "/api", endpoint = "templates/export")]
pub async fn export_template(sub_account: SubAccountId, template_id: TemplateId) -> Result<String, AppError> {
    use super::session::{backend, current_user};
    backend()?.export_template(&current_user().await?, &sub_account, &template_id).await
}

/// The writebacks of the triggers that use a template, so the builder can flag an edit that
/// breaks one before the save does.
#[server(prefix = "/api", endpoint = "templates/mappings")]
pub async fn load_template_mappings(
    sub_account: SubAccountId,
    template_id: TemplateId,
) -> Result<TemplateMappings, AppError> {
    use super::session::{backend, current_user};
    backend()?.template_mappings(&current_user().await?, &sub_account, &template_id).await
}
