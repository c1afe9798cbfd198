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
use crate::db::{new_id, now_ms};
use crate::jobs;
use crate::supervise::Stop;

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
            if self.fire_task_overdue(&mut tx, &tenant, &task_id, now).await? {
                fired += 1;
            }
            tx.commit().await?;
        }
        Ok(fired)
    }

    /// Runs the scheduler until the server stops.
    pub async fn run_overdue_worker(self, stop: Stop) {
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
        let claimed = sqlx::query(
            "UPDATE crm_tasks SET overdue_fired_for = due_date, due_at = NULL \
             WHERE id = $1 AND sub_account_id = $2 AND due_at <= $3 \
               AND (overdue_fired_for IS NULL OR overdue_fired_for <> due_date)",
        )
        .bind(task_id)
        .bind(tenant.id())
        .bind(now)
        .execute(&mut *conn)
        .await?;
        if claimed.rows_affected() == 0 {
            return Ok(false);
        }
        let Some(task) = snapshot(conn, tenant, Module::Tasks, task_id).await? else { return Ok(false) };
        let due = task.get("dueDate").and_then(Value::as_str).unwrap_or_default().to_owned();
        let task_event = overdue_event(tenant, Module::Tasks, EventType::TaskOverdue, task_id, task.clone());
        self.store_overdue(conn, tenant, &task_event, &format!("task_overdue:{task_id}:{due}")).await?;
        let project_id = task.get("projectId").and_then(Value::as_str).map(str::to_owned);
        if let Some(project_id) = project_id
            && lock(conn, tenant, Module::Projects, &project_id).await?
            && let Some(mut project) = snapshot(conn, tenant, Module::Projects, &project_id).await?
        {
            // The project's event names the overdue task beside the project's own fields.
            project.insert("task".to_owned(), Value::Object(task));
            let event = overdue_event(tenant, Module::Projects, EventType::ProjectTaskOverdue, &project_id, project);
            self.store_overdue(conn, tenant, &event, &format!("project_task_overdue:{task_id}:{due}")).await?;
        }
        Ok(true)
    }

    async fn store_overdue(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        event: &RecordEvent,
        external_id: &str,
    ) -> RecordResult<()> {
        let seq = self.store().next_record_seq(conn, tenant, event.module, &event.record_id).await?;
        self.store().insert_record_event(conn, tenant, event, seq, "builtin", external_id).await?;
        Ok(())
    }
}

fn overdue_event(
    tenant: &Tenant,
    module: Module,
    event_type: EventType,
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
        cause: Cause::Schedule,
    }
}
