//! The Workflows screens and the notification bell: a signed-in member, checked, then the same
//! calls the REST API makes. Workflows are for admins only — their settings may hold a webhook's
//! credentials — so staff are told so, and another tenant's ids answer 404 as in the API.

use app::api::AppError;
use app::api::ports::{AppResult, WorkflowsPort};
use app::api::types::SessionUser;
use app::api::workflows::{
    LastRun, NotificationList, NotificationView, RunDetail, RunHistory, WorkflowEditorData, WorkflowRow,
};
use app::model::workflow::Workflow;
use app::model::workflow::history::Run;
use app::model::{RunId, SubAccountId, TriggerModule, WorkflowId};
use async_trait::async_trait;
use serde_json::Value;

use super::Service;
use crate::db::tenancy::{Admin, Editor};
use crate::time::{format_ms, format_rfc3339};

/// Run history pages hold this many runs.
const RUNS_PER_PAGE: i64 = 25;
/// The notifications list shows the newest this many.
const NOTIFICATIONS_SHOWN: i64 = 50;

impl Service {
    async fn workflow_admin(&self, user: &SessionUser, sub_account: &SubAccountId) -> AppResult<Admin> {
        self.member(user, sub_account)
            .await?
            .admin()
            .ok_or_else(|| AppError::Forbidden("Only admins can see and change workflows.".to_owned()))
    }
}

fn row(workflow: Workflow, runs: i64, last_run: Option<LastRun>) -> WorkflowRow {
    WorkflowRow {
        id: workflow.id,
        name: workflow.name,
        description: workflow.description,
        module: workflow.trigger_module,
        trigger: workflow.trigger_type,
        is_active: workflow.is_active,
        version: workflow.version,
        actions: workflow.actions.len(),
        runs,
        last_run,
    }
}

#[async_trait]
impl WorkflowsPort for Service {
    async fn workflow_rows(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        module: Option<TriggerModule>,
    ) -> AppResult<Vec<WorkflowRow>> {
        let admin = self.workflow_admin(user, sub_account).await?;
        let zone = admin.sub_account().time_zone.clone();
        let mut rows = Vec::new();
        for workflow in self.workflows(&admin, module).await? {
            let newest = self.workflow_runs(&admin, &workflow.id, 1, 1).await?;
            let last_run = newest.data.into_iter().next().map(|run| LastRun {
                id: run.id,
                status: run.status,
                started_at: local(&run.started_at, &zone),
            });
            rows.push(row(workflow, newest.total, last_run));
        }
        Ok(rows)
    }

    async fn workflow_editor(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        workflow: Option<&WorkflowId>,
    ) -> AppResult<WorkflowEditorData> {
        let admin = self.workflow_admin(user, sub_account).await?;
        let workflow = match workflow {
            Some(id) => Some(self.workflow(&admin, id).await?),
            None => None,
        };
        let mut catalog = self.catalog_parts(&admin).await?;
        catalog.number_format = admin.sub_account().number_format();
        Ok(WorkflowEditorData { workflow, catalog })
    }

    async fn save_workflow(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        workflow: Option<&WorkflowId>,
        body: &Value,
    ) -> AppResult<Workflow> {
        let editor = Editor::from(&self.workflow_admin(user, sub_account).await?);
        match workflow {
            Some(id) => self.update_workflow(&editor, id, body).await,
            None => self.create_workflow(&editor, body).await,
        }
    }

    async fn toggle_workflow(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        workflow: &WorkflowId,
        active: bool,
    ) -> AppResult<()> {
        let editor = Editor::from(&self.workflow_admin(user, sub_account).await?);
        Service::toggle_workflow(self, &editor, workflow, Some(active)).await.map(drop)
    }

    async fn delete_workflow(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        workflow: &WorkflowId,
    ) -> AppResult<()> {
        let editor = Editor::from(&self.workflow_admin(user, sub_account).await?);
        Service::delete_workflow(self, &editor, workflow).await
    }

    async fn run_history(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        workflow: &WorkflowId,
        page: i64,
    ) -> AppResult<RunHistory> {
        let admin = self.workflow_admin(user, sub_account).await?;
        let name = self.workflow(&admin, workflow).await?.name;
        let mut runs = self.workflow_runs(&admin, workflow, page.max(1), RUNS_PER_PAGE).await?;
        let zone = &admin.sub_account().time_zone;
        runs.data.iter_mut().for_each(|run| local_times(run, zone));
        Ok(RunHistory { workflow: workflow.clone(), name, runs })
    }

    async fn run_detail(&self, user: &SessionUser, sub_account: &SubAccountId, run: &RunId) -> AppResult<RunDetail> {
        let admin = self.workflow_admin(user, sub_account).await?;
        let mut run = self.workflow_run(&admin, run).await?;
        local_times(&mut run, &admin.sub_account().time_zone);
        let workflow = self.store.workflow(&admin, &run.workflow_id).await?;
        let current = workflow.as_ref().map(|workflow| (workflow.version, workflow.is_active));
        Ok(RunDetail { run, workflow_name: workflow.map(|workflow| workflow.name), current })
    }

    async fn retry_run(&self, user: &SessionUser, sub_account: &SubAccountId, run: &RunId) -> AppResult<()> {
        let editor = Editor::from(&self.workflow_admin(user, sub_account).await?);
        self.retry_workflow_run(&editor, run).await.map(drop)
    }

    async fn notifications(&self, user: &SessionUser, sub_account: &SubAccountId) -> AppResult<NotificationList> {
        let member = self.member(user, sub_account).await?;
        let zone = member.sub_account().time_zone.clone();
        let (rows, unread) = self.store.notifications(&member, NOTIFICATIONS_SHOWN).await?;
        let items = rows
            .into_iter()
            .map(|row| NotificationView {
                id: row.id,
                title: row.title,
                message: row.message,
                link: row.link,
                created_at: format_ms(row.created_at, &zone),
                read: row.read_at.is_some(),
            })
            .collect();
        Ok(NotificationList { items, unread })
    }

    async fn unread_notifications(&self, user: &SessionUser, sub_account: &SubAccountId) -> AppResult<i64> {
        let member = self.member(user, sub_account).await?;
        Ok(self.store.unread_notifications(&member).await?)
    }

    async fn mark_read(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        notification: Option<&str>,
    ) -> AppResult<()> {
        let member = self.member(user, sub_account).await?;
        self.store.mark_notifications_read(&member, notification).await?;
        self.notifier().changed(sub_account);
        Ok(())
    }
}

/// A moment as people of the sub-account read it (`2026-12-01 15:46 CST`); the REST API keeps
/// RFC 3339 in UTC.
fn local(rfc3339: &str, zone: &str) -> String {
    format_rfc3339(rfc3339, zone).unwrap_or_else(|| rfc3339.to_owned())
}

/// A run's and its steps' times, for its pages.
fn local_times(run: &mut Run, zone: &str) {
    run.started_at = local(&run.started_at, zone);
    for time in [&mut run.finished_at, &mut run.resume_at].into_iter().flatten() {
        *time = local(time, zone);
    }
    for step in run.steps.iter_mut().flatten() {
        for time in [&mut step.started_at, &mut step.finished_at].into_iter().flatten() {
            *time = local(time, zone);
        }
    }
}
