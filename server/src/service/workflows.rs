//! Workflows (seed 001) as the REST API and the Workflows page ask for them: every read scoped
//! to the caller's sub-account (another tenant's workflow answers 404 like a missing one), every
//! write checked by the model against what the sub-account has — its users, pipelines, custom
//! fields, templates and the answers they ask for — and, for a sub-account connected to
//! HighLevel, refused on an event HighLevel cannot send, saying why.

use app::api::AppError;
use app::model::form_event::answer_fields;
use app::model::locale::NumberFormat;
use app::model::workflow::history::{Run, RunPage};
use app::model::workflow::secrets::{hide_secrets, restore_secrets};
use app::model::workflow::{self, CatalogData, Problem, Workflow, WorkflowSpec};
use app::model::{ActionId, EventType, RunId, Template, TriggerModule, UserId, WorkflowId};
use serde_json::Value;

use super::{Service, crm_error};
use crate::db::steps::RetryOutcome;
use crate::db::tenancy::{Editor, Tenant};
use crate::db::workflows::{CheckedFields, UpdateOutcome};
use crate::db::{from_json, new_id};
use crate::highlevel::events::{Availability, availability};

/// A workflow as it is shown (the REST API, the editor): its credentials hidden
/// (`model::workflow::secrets`).
fn shown(mut workflow: Workflow) -> Workflow {
    hide_secrets(&mut workflow.actions);
    workflow
}

impl Service {
    pub async fn workflows(&self, tenant: &Tenant, module: Option<TriggerModule>) -> Result<Vec<Workflow>, AppError> {
        Ok(self.store.workflows(tenant, module).await?.into_iter().map(shown).collect())
    }

    pub async fn workflow(&self, tenant: &Tenant, id: &WorkflowId) -> Result<Workflow, AppError> {
        self.store.workflow(tenant, id).await?.map(shown).ok_or_else(not_found)
    }

    pub async fn create_workflow(&self, editor: &Editor, body: &Value) -> Result<Workflow, AppError> {
        let (spec, parts) = self.check_workflow(editor, body).await?;
        Ok(shown(self.store.create_workflow(editor, &spec, checked(&parts)).await?))
    }

    /// Replaces the workflow with `body` as its next version. A `version` in the body is the
    /// version the change was made to: another one now answers 409. Credentials sent back as
    /// they were shown (hidden) keep their stored values.
    pub async fn update_workflow(&self, editor: &Editor, id: &WorkflowId, body: &Value) -> Result<Workflow, AppError> {
        let stored = self.store.workflow(editor, id).await?.ok_or_else(not_found)?;
        let mut body = body.clone();
        if let Some(actions) = body.get_mut("actions") {
            restore_secrets(actions, &stored.actions);
        }
        let (spec, parts) = self.check_workflow(editor, &body).await?;
        // The check took a `version` only as a whole number from 1.
        let base = body.get("version").and_then(Value::as_i64);
        match self.store.update_workflow(editor, id, base, &spec, checked(&parts)).await? {
            UpdateOutcome::Saved(workflow) => Ok(shown(workflow)),
            UpdateOutcome::Stale(now) => Err(AppError::Conflict(match base {
                Some(base) => format!(
                    "The workflow is at version {} now, not {base}: read it again and make the change to that.",
                    now.version
                ),
                None => format!("Someone saved version {} of the workflow meanwhile: read it again.", now.version),
            })),
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
        let active = active.unwrap_or(!workflow.is_active);
        if active {
            let mut body = serde_json::to_value(&workflow).map_err(|error| AppError::Internal(error.to_string()))?;
            body["isActive"] = Value::Bool(true);
            self.check_workflow(editor, &body).await?;
        }
        // Set only on the version just read (and checked): a change meanwhile answers 409.
        match self.store.set_workflow_active(editor, id, workflow.version, active).await? {
            Some(workflow) => Ok(shown(workflow)),
            None if self.store.workflow(editor, id).await?.is_some() => Err(AppError::Conflict(
                "The workflow changed while it was being enabled or disabled: read it again.".to_owned(),
            )),
            None => Err(not_found()),
        }
    }

    /// A page of the workflow's runs, newest first (`page` from 1, `limit` 1 to 100).
    pub async fn workflow_runs(
        &self,
        tenant: &Tenant,
        id: &WorkflowId,
        page: i64,
        limit: i64,
    ) -> Result<RunPage, AppError> {
        let (data, total, workflow_deleted) = self.store.runs(tenant, id, page, limit).await?.ok_or_else(not_found)?;
        Ok(RunPage { data, page, limit, total, workflow_deleted })
    }

    /// A run with its steps.
    pub async fn workflow_run(&self, tenant: &Tenant, id: &RunId) -> Result<Run, AppError> {
        self.store.run(tenant, id).await?.ok_or_else(|| AppError::not_found("That run"))
    }

    /// Runs a failed run again from the step that failed; its completed steps stay done.
    pub async fn retry_workflow_run(&self, editor: &Editor, id: &RunId) -> Result<Run, AppError> {
        match self.store.retry_run(editor, id).await? {
            RetryOutcome::Retried => self.workflow_run(editor, id).await,
            RetryOutcome::NotFailed(status) => {
                Err(AppError::Conflict(format!("Only a failed run can be retried; this one is {}.", status.as_str())))
            }
            RetryOutcome::WorkflowDeleted => {
                Err(AppError::Conflict("The run's workflow was deleted: its actions do not run any more.".to_owned()))
            }
            RetryOutcome::WorkflowOff => Err(AppError::Conflict(
                "The run's workflow is switched off: switch it on to retry its runs.".to_owned(),
            )),
            RetryOutcome::Missing => Err(AppError::not_found("That run")),
        }
    }

    pub async fn delete_workflow(&self, editor: &Editor, id: &WorkflowId) -> Result<(), AppError> {
        if self.store.delete_workflow(editor, id).await? { Ok(()) } else { Err(not_found()) }
    }

    /// The model's check against what the sub-account has (returned too: a version keeps the
    /// custom fields it was checked against), and what its CRM can send.
    async fn check_workflow(&self, tenant: &Tenant, body: &Value) -> Result<(WorkflowSpec, CatalogData), AppError> {
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
        Ok((spec, parts))
    }

    /// What the sub-account's workflows may name (the editor gets it too).
    pub(crate) async fn catalog_parts(&self, tenant: &Tenant) -> Result<CatalogData, AppError> {
        let sub_account = tenant.id();
        let crm = self.crm_for(sub_account).await?;
        let custom_fields = crm.custom_fields(sub_account).await.map_err(crm_error)?;
        let (users, user_names) =
            crm.users(sub_account).await.map_err(crm_error)?.into_iter().map(|u| (UserId::from(u.id), u.name)).unzip();
        let pipelines = crm.pipelines(sub_account).await.map_err(crm_error)?;
        let (mut templates, mut template_names, mut current) = (Vec::new(), Vec::new(), Vec::new());
        for summary in self.store.template_summaries(tenant).await? {
            current.push(from_json::<Template>(&summary.definition)?);
            templates.push(summary.id);
            template_names.push(summary.name);
        }
        let answer_fields = answer_fields(&current);
        let private_hosts = self.options.webhooks_may_call_private_hosts;
        Ok(CatalogData {
            custom_fields,
            answer_fields,
            users,
            user_names,
            pipelines,
            templates,
            template_names,
            private_hosts,
            number_format: NumberFormat::default(),
        })
    }
}

/// Why HighLevel cannot send an event, when it cannot.
fn unavailable(event_type: EventType) -> Option<&'static str> {
    match availability(event_type) {
        Availability::No { why } => Some(why),
        Availability::Yes { .. } | Availability::Partly { .. } => None,
    }
}

/// What a version is saved with: the fields it was checked against.
fn checked(parts: &CatalogData) -> CheckedFields<'_> {
    CheckedFields { custom_fields: &parts.custom_fields, answer_fields: &parts.answer_fields }
}

fn not_found() -> AppError {
    AppError::not_found("That workflow")
}
