//! The scheduler of the two time-based events: `task_overdue` when an open task's due moment
//! passes (`crm_tasks.due_at`, the end of its due day in the sub-account's zone), and
//! `project_task_overdue` on the task's project as well.
//!
//! Each (task, due date) fires once, durably: a task is claimed by one conditional UPDATE that
//! records the due date it fired for (`overdue_fired_for`) in the transaction that stores the
//! events. Another instance's claim of the same task waits for the row and then finds it taken;
//! a restart finds it taken too. Moving the due date makes the task due again.

use std::time::Duration;

use app::model::{Cause, EventType, Module, RecordEvent, SubAccountId};
use serde_json::{Map, Value};
use sqlx::AnyConnection;

use super::BuiltinCrm;
use super::modules::{RecordError, RecordResult, lock, snapshot};
use crate::db::tenancy::Tenant;
use crate::db::{from_json, new_id, now_ms};
use crate::jobs;
use crate::supervise::Stop;
use crate::time;

/// How often the scheduler looks for tasks that fell due: an overdue event comes at most this
/// late.
pub const POLL: Duration = Duration::from_secs(5);
const BATCH: i64 = 200;

impl BuiltinCrm {
    /// Fires the overdue events of tasks whose due moment is at or before `now`; returns how
    /// many tasks fell due.
    pub async fn fire_overdue(&self, now: i64) -> RecordResult<usize> {
        let due: Vec<(String, SubAccountId)> = sqlx::query_as(
            "SELECT id, sub_account_id FROM crm_tasks WHERE due_at <= $1 \
               AND (overdue_fired_for IS NULL OR overdue_fired_for <> due_date) ORDER BY due_at LIMIT $2",
        )
        .bind(now)
        .bind(BATCH)
        .fetch_all(self.store().pool())
        .await?;
        let mut fired = 0;
        for (task_id, sub_account) in due {
            // The sub-account is the stored task's own.
            let tenant = Tenant::for_server_work(sub_account);
            let mut tx = self.store().begin().await?;
            // One task that cannot be fired (rolled back, tried again next round) does not hold
            // up the others.
            match self.fire_task_overdue(&mut tx, &tenant, &task_id, now).await {
                Ok(claimed) => {
                    tx.commit().await?;
                    fired += usize::from(claimed);
                }
                Err(error) => tracing::error!(%error, task = task_id, "a task's overdue events were not stored"),
            }
        }
        Ok(fired)
    }

    /// Gives the open tasks stored before the scheduler existed (no `due_at`) their moment.
    /// One already past is marked as fired without an event: it was overdue before, and is
    /// not announced late. Returns how many tasks it looked at.
    pub async fn backfill_due(&self, now: i64) -> RecordResult<usize> {
        let tasks: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT t.id, t.due_date, s.time_zone FROM crm_tasks t JOIN sub_accounts s ON s.id = t.sub_account_id \
             WHERE t.due_at IS NULL AND t.completed = 0 AND t.overdue_fired_for IS NULL",
        )
        .fetch_all(self.store().pool())
        .await?;
        for (id, due, zone) in &tasks {
            let (due_at, fired_for) = match time::overdue_at(due, zone) {
                Some(at) if at > now => (Some(at), None),
                // Past, or a due date no one can read: never fired now.
                _ => (None, Some(due)),
            };
            sqlx::query("UPDATE crm_tasks SET due_at = $1, overdue_fired_for = $2 WHERE id = $3 AND due_at IS NULL")
                .bind(due_at)
                .bind(fired_for)
                .bind(id)
                .execute(&mut *self.store().writer().await?)
                .await?;
        }
        Ok(tasks.len())
    }

    /// Runs the scheduler until the server stops.
    pub async fn run_overdue_worker(self, stop: Stop) {
        if let Err(error) = self.backfill_due(now_ms()).await {
            tracing::error!(%error, "the tasks stored before the overdue scheduler were not scheduled");
        }
        let round = || async { self.fire_overdue(now_ms()).await.map_err(RecordError::into_store) };
        jobs::run_worker("overdue", &stop, POLL, None, round).await;
    }

    async fn fire_task_overdue(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        task_id: &str,
        now: i64,
    ) -> RecordResult<bool> {
        // `caused_by`: the run whose step wrote the task last (see `modules::derived_columns`).
        let claimed: Option<(Option<String>,)> = sqlx::query_as(
            "UPDATE crm_tasks SET overdue_fired_for = due_date, due_at = NULL \
             WHERE id = $1 AND sub_account_id = $2 AND due_at <= $3 \
               AND (overdue_fired_for IS NULL OR overdue_fired_for <> due_date) RETURNING caused_by",
        )
        .bind(task_id)
        .bind(tenant.id())
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?;
        let Some((caused_by,)) = claimed else { return Ok(false) };
        let cause = Cause::Schedule { after: caused_by.as_deref().map(from_json).transpose()? };
        let Some(task) = snapshot(conn, tenant, Module::Tasks, task_id).await? else { return Ok(false) };
        let task_event = overdue_event(tenant, &cause, (Module::Tasks, EventType::TaskOverdue), task_id, task.clone());
        self.store_overdue(conn, tenant, &task_event).await?;
        let project_id = task.get("projectId").and_then(Value::as_str).map(str::to_owned);
        if let Some(project_id) = project_id
            && lock(conn, tenant, Module::Projects, &project_id).await?
            && let Some(mut project) = snapshot(conn, tenant, Module::Projects, &project_id).await?
        {
            // The project's event names the overdue task beside the project's own fields.
            project.insert("task".to_owned(), Value::Object(task));
            let event =
                overdue_event(tenant, &cause, (Module::Projects, EventType::ProjectTaskOverdue), &project_id, project);
            self.store_overdue(conn, tenant, &event).await?;
        }
        Ok(true)
    }

    /// Stores an overdue event; the claim above is what makes it once per (task, due date).
    async fn store_overdue(&self, conn: &mut AnyConnection, tenant: &Tenant, event: &RecordEvent) -> RecordResult<()> {
        self.store().insert_record_event(conn, tenant, event, "builtin", &event.id).await?;
        Ok(())
    }
}

fn overdue_event(
    tenant: &Tenant,
    cause: &Cause,
    (module, event_type): (Module, EventType),
    record_id: &str,
    record: Map<String, Value>,
) -> RecordEvent {
    RecordEvent {
        id: new_id().into(),
        sub_account_id: tenant.id().clone(),
        module,
        event_type,
        record_id: record_id.to_owned(),
        occurred_at: now_ms(),
        record,
        previous: Map::new(),
        cause: cause.clone(),
    }
}
