//! Workflows (seed 001) as the REST API and the Workflows page ask for them: every read scoped
//! to the caller's sub-account (another tenant's workflow answers 404 like a missing one), every
//! write checked by the model against what the sub-account has — its users, pipelines, custom
//! fields and templates — and, for a sub-account connected to HighLevel, refused on an event
//! HighLevel cannot send, saying why.

use app::api::AppError;
use app::model::workflow::{self, Catalog, Problem, Workflow, WorkflowSpec};
use app::model::{ActionId, EventType, Module, TemplateId, UserId, WorkflowId};
use serde_json::Value;

use super::{Service, crm_error};
use crate::db::new_id;
use crate::db::tenancy::{Editor, Tenant};
use crate::db::workflows::UpdateOutcome;
use crate::highlevel::events::{Availability, availability};

/// What a sub-account's workflows may name, read once per check.
struct CatalogParts {
    custom_fields: Vec<app::model::CrmField>,
    users: Vec<UserId>,
    pipelines: Vec<app::model::Pipeline>,
    templates: Vec<TemplateId>,
}

impl CatalogParts {
    fn catalog(&self) -> Catalog<'_> {
        Catalog {
            custom_fields: &self.custom_fields,
            users: &self.users,
            pipelines: &self.pipelines,
            templates: &self.templates,
        }
    }
}

impl Service {
    pub async fn workflows(&self, tenant: &Tenant, module: Option<Module>) -> Result<Vec<Workflow>, AppError> {
        Ok(self.store.workflows(tenant, module).await?)
    }

    pub async fn workflow(&self, tenant: &Tenant, id: &WorkflowId) -> Result<Workflow, AppError> {
        self.store.workflow(tenant, id).await?.ok_or_else(not_found)
    }

    pub async fn create_workflow(&self, editor: &Editor, body: &Value) -> Result<Workflow, AppError> {
        let spec = self.check_workflow(editor, body).await?;
        Ok(self.store.create_workflow(editor, &spec).await?)
    }

    /// Replaces the workflow with `body` as its next version. A `version` in the body is the
    /// version the change was made to: another one now answers 409.
    pub async fn update_workflow(&self, editor: &Editor, id: &WorkflowId, body: &Value) -> Result<Workflow, AppError> {
        let base = match body.get("version") {
            None | Some(Value::Null) => None,
            Some(value) => Some(value.as_i64().filter(|v| *v >= 1).ok_or_else(|| {
                AppError::InvalidWorkflow(vec![Problem::new(
                    "version",
                    "Takes the version the change was made to (1 or more).",
                )])
            })?),
        };
        self.store.workflow(editor, id).await?.ok_or_else(not_found)?;
        let spec = self.check_workflow(editor, body).await?;
        match self.store.update_workflow(editor, id, base, &spec).await? {
            UpdateOutcome::Saved(workflow) => Ok(workflow),
            UpdateOutcome::Stale(now) => Err(AppError::Conflict(format!(
                "The workflow is at version {} now, not {}: read it again and make the change to that.",
                now.version,
                base.unwrap_or_default()
            ))),
            UpdateOutcome::Missing => Err(not_found()),
        }
    }

    /// Enables or disables a workflow (flips it without `active`). Enabling checks it again
    /// against the sub-account as it is now: a user it names may have left since.
    pub async fn toggle_workflow(
        &self,
        editor: &Editor,
        id: &WorkflowId,
        active: Option<bool>,
    ) -> Result<Workflow, AppError> {
        let workflow = self.store.workflow(editor, id).await?.ok_or_else(not_found)?;
        if active.unwrap_or(!workflow.is_active) {
            let mut body = serde_json::to_value(&workflow).map_err(|error| AppError::Internal(error.to_string()))?;
            body["isActive"] = Value::Bool(true);
            self.check_workflow(editor, &body).await?;
        }
        self.store.set_workflow_active(editor, id, active).await?.ok_or_else(not_found)
    }

    pub async fn delete_workflow(&self, editor: &Editor, id: &WorkflowId) -> Result<(), AppError> {
        if self.store.delete_workflow(editor, id).await? { Ok(()) } else { Err(not_found()) }
    }

    /// The model's check against what the sub-account has, and what its CRM can send.
    async fn check_workflow(&self, tenant: &Tenant, body: &Value) -> Result<WorkflowSpec, AppError> {
        let parts = self.catalog_parts(tenant).await?;
        let mut new_action_id = || ActionId::from(new_id());
        let spec = workflow::check(body, &parts.catalog(), &mut new_action_id).map_err(AppError::InvalidWorkflow)?;
        if self.connected_to_highlevel(tenant.id()).await?
            && let Some(why) = unavailable(spec.trigger_type)
        {
            return Err(AppError::InvalidWorkflow(vec![Problem::new(
                "triggerType",
                format!(
                    "This sub-account's CRM is HighLevel, which cannot send `{}`: {why}.",
                    spec.trigger_type.as_str()
                ),
            )]));
        }
        Ok(spec)
    }

    async fn catalog_parts(&self, tenant: &Tenant) -> Result<CatalogParts, AppError> {
        let sub_account = tenant.id();
        let crm = self.crm_for(sub_account).await?;
        let custom_fields = crm.custom_fields(sub_account).await.map_err(crm_error)?;
        let users = crm.users(sub_account).await.map_err(crm_error)?.into_iter().map(|u| UserId::from(u.id)).collect();
        let pipelines = crm.pipelines(sub_account).await.map_err(crm_error)?;
        let templates = self.store.template_names(tenant).await?.into_iter().map(|(id, _)| id).collect();
        Ok(CatalogParts { custom_fields, users, pipelines, templates })
    }
}

/// Why HighLevel cannot send an event, when it cannot.
fn unavailable(event_type: EventType) -> Option<&'static str> {
    match availability(event_type) {
        Availability::No { why } => Some(why),
        Availability::Yes { .. } | Availability::Partly { .. } => None,
    }
}

fn not_found() -> AppError {
    AppError::not_found("That workflow")
}
