//! Workflows and their immutable versions. A workflow's row holds what lists and event matching
//! read; each save writes a new version (`version` + 1) and a stale one stores nothing. The
//! active flag is the row's: enabling or disabling a workflow is not a new version.

use app::model::form_event::AnswerField;
use app::model::workflow::{Workflow, WorkflowSpec};
use app::model::{CrmField, EventType, TriggerModule, WorkflowId};
use sqlx::{AnyConnection, FromRow};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::tenancy::{Editor, Tenant};
use super::{Store, StoreResult, from_json, new_id, now_ms, to_json};
use crate::time::rfc3339_ms;

#[derive(FromRow)]
struct WorkflowRow {
    id: WorkflowId,
    is_active: i64,
    current_version: i64,
    created_at: i64,
    updated_at: i64,
    definition: String,
}

impl WorkflowRow {
    fn into_workflow(self) -> StoreResult<Workflow> {
        let mut spec: WorkflowSpec = from_json(&self.definition)?;
        spec.is_active = self.is_active != 0;
        Ok(Workflow::new(self.id, spec, self.current_version, rfc3339_ms(self.created_at), rfc3339_ms(self.updated_at)))
    }
}

const COLUMNS: &str = "w.id, w.is_active, w.current_version, w.created_at, w.updated_at, v.definition";
const FROM: &str =
    "FROM workflows w JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.current_version";

/// A saved version with the fields it was checked against — custom fields, templates' answers —
/// which its filters compare as the types they had then: what runs start from and run.
/// Versions never change once saved, so each is read and parsed once per process
/// ([`VersionCache`]).
#[derive(Debug)]
pub struct PinnedVersion {
    pub workflow: Workflow,
    pub custom_fields: Vec<CrmField>,
    pub answer_fields: Vec<AnswerField>,
}

/// The sub-account's fields a version is checked against when it is saved, and kept with it.
#[derive(Clone, Copy, Debug)]
pub struct CheckedFields<'a> {
    pub custom_fields: &'a [CrmField],
    pub answer_fields: &'a [AnswerField],
}

/// Parsed versions by workflow and number, shared by a store's clones.
#[derive(Debug, Default)]
pub struct VersionCache(Mutex<HashMap<(WorkflowId, i64), Arc<PinnedVersion>>>);

/// Versions kept in memory at most (one that falls out is read again when needed).
const KEPT_VERSIONS: usize = 1024;

impl VersionCache {
    fn get(&self, key: &(WorkflowId, i64)) -> Option<Arc<PinnedVersion>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(key).cloned()
    }

    fn put(&self, key: (WorkflowId, i64), version: Arc<PinnedVersion>) {
        let mut versions = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if versions.len() >= KEPT_VERSIONS {
            versions.clear();
        }
        versions.insert(key, version);
    }
}

/// What became of an update.
#[derive(Debug)]
pub enum UpdateOutcome {
    Saved(Workflow),
    /// The workflow is at another version than the one the update was based on: as it is now.
    Stale(Workflow),
    Missing,
}

/// Why a workflow's unfinished runs were cancelled, as their run pages say.
const SWITCHED_OFF: &str = "Cancelled: the workflow was switched off.";
const DELETED: &str = "Cancelled: the workflow was deleted.";

impl Store {
    /// Stores a new workflow at version 1, checked against `fields`.
    pub async fn create_workflow(
        &self,
        editor: &Editor,
        spec: &WorkflowSpec,
        fields: CheckedFields<'_>,
    ) -> StoreResult<Workflow> {
        let id = new_id();
        let now = now_ms();
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO workflows (id, sub_account_id, name, trigger_module, trigger_type, is_active, \
             current_version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7)",
        )
        .bind(&id)
        .bind(editor.id())
        .bind(&spec.name)
        .bind(spec.trigger_module.as_str())
        .bind(spec.trigger_type.as_str())
        .bind(i64::from(spec.is_active))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        insert_version(&mut tx, &id, 1, (spec, fields), editor.by(), now).await?;
        tx.commit().await?;
        Ok(Workflow::new(id.into(), spec.clone(), 1, rfc3339_ms(now), rfc3339_ms(now)))
    }

    /// The sub-account's live workflows, by name; only one module's when asked.
    pub async fn workflows(&self, tenant: &Tenant, module: Option<TriggerModule>) -> StoreResult<Vec<Workflow>> {
        let sql = format!(
            "SELECT {COLUMNS} {FROM} WHERE w.sub_account_id = $1 AND w.deleted_at IS NULL \
             AND ($2 = '' OR w.trigger_module = $2) ORDER BY w.name, w.id"
        );
        let rows: Vec<WorkflowRow> = sqlx::query_as(&sql)
            .bind(tenant.id())
            .bind(module.map_or("", TriggerModule::as_str))
            .fetch_all(self.pool())
            .await?;
        rows.into_iter().map(WorkflowRow::into_workflow).collect()
    }

    /// A live workflow of the sub-account, at its current version.
    pub async fn workflow(&self, tenant: &Tenant, id: &WorkflowId) -> StoreResult<Option<Workflow>> {
        let mut conn = self.pool().acquire().await?;
        current(&mut conn, tenant, id).await
    }

    /// The active workflows that start on an event type, each at its current version.
    pub async fn active_workflows(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        trigger: EventType,
    ) -> StoreResult<Vec<Arc<PinnedVersion>>> {
        let current: Vec<(WorkflowId, i64)> = sqlx::query_as(
            "SELECT id, current_version FROM workflows WHERE sub_account_id = $1 AND trigger_type = $2 \
             AND is_active = 1 AND deleted_at IS NULL ORDER BY created_at, id",
        )
        .bind(tenant.id())
        .bind(trigger.as_str())
        .fetch_all(&mut *conn)
        .await?;
        let mut active = Vec::with_capacity(current.len());
        for (id, version) in current {
            active.push(self.version(conn, &id, version).await?);
        }
        Ok(active)
    }

    /// A version read before, without a connection.
    pub fn cached_version(&self, workflow: &WorkflowId, version: i64) -> Option<Arc<PinnedVersion>> {
        self.versions().get(&(workflow.clone(), version))
    }

    /// A saved version of a workflow (its history is kept after a delete: runs read it).
    pub async fn version(
        &self,
        conn: &mut AnyConnection,
        workflow: &WorkflowId,
        version: i64,
    ) -> StoreResult<Arc<PinnedVersion>> {
        if let Some(cached) = self.cached_version(workflow, version) {
            return Ok(cached);
        }
        let (definition, custom_fields, answer_fields, created_at): (String, String, String, i64) = sqlx::query_as(
            "SELECT definition, custom_fields, answer_fields, created_at FROM workflow_versions \
             WHERE workflow_id = $1 AND version = $2",
        )
        .bind(workflow.as_str())
        .bind(version)
        .fetch_one(&mut *conn)
        .await?;
        let when = rfc3339_ms(created_at);
        let pinned = Arc::new(PinnedVersion {
            workflow: Workflow::new(workflow.clone(), from_json(&definition)?, version, when.clone(), when),
            custom_fields: from_json(&custom_fields)?,
            answer_fields: from_json(&answer_fields)?,
        });
        self.versions().put((workflow.clone(), version), pinned.clone());
        Ok(pinned)
    }

    /// Stores `spec` as the next version, if the workflow is still at `base` (when given) and
    /// `spec` says something else than the current version. The conditional update is the
    /// guard: of two saves from one version, one stores nothing.
    pub async fn update_workflow(
        &self,
        editor: &Editor,
        id: &WorkflowId,
        base: Option<i64>,
        spec: &WorkflowSpec,
        fields: CheckedFields<'_>,
    ) -> StoreResult<UpdateOutcome> {
        let mut tx = self.begin().await?;
        let Some(now_current) = current(&mut tx, editor, id).await? else { return Ok(UpdateOutcome::Missing) };
        let version = now_current.version;
        if base.is_some_and(|base| base != version) {
            return Ok(UpdateOutcome::Stale(now_current));
        }
        // A save that changes nothing makes no version (the history would show a change).
        if now_current.spec() == *spec {
            return Ok(UpdateOutcome::Saved(now_current));
        }
        let next = version + 1;
        let now = now_ms();
        let updated = sqlx::query(
            "UPDATE workflows SET current_version = $1, name = $2, trigger_module = $3, trigger_type = $4, \
             is_active = $5, updated_at = $6 \
             WHERE id = $7 AND sub_account_id = $8 AND current_version = $9 AND deleted_at IS NULL",
        )
        .bind(next)
        .bind(&spec.name)
        .bind(spec.trigger_module.as_str())
        .bind(spec.trigger_type.as_str())
        .bind(i64::from(spec.is_active))
        .bind(now)
        .bind(id.as_str())
        .bind(editor.id())
        .bind(version)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            drop(tx);
            let mut conn = self.pool().acquire().await?;
            return Ok(match current(&mut conn, editor, id).await? {
                Some(workflow) => UpdateOutcome::Stale(workflow),
                None => UpdateOutcome::Missing,
            });
        }
        if now_current.is_active && !spec.is_active {
            self.cancel_unfinished_runs(&mut tx, editor, id, SWITCHED_OFF).await?;
        }
        insert_version(&mut tx, id, next, (spec, fields), editor.by(), now).await?;
        let saved = current(&mut tx, editor, id).await?;
        tx.commit().await?;
        Ok(saved.map_or(UpdateOutcome::Missing, UpdateOutcome::Saved))
    }

    /// Enables or disables a live workflow if it is still at `version` (not a new version);
    /// `None` when it is not (deleted, or changed meanwhile). Disabled, its unfinished runs are
    /// cancelled: nothing it queued runs any more.
    pub async fn set_workflow_active(
        &self,
        editor: &Editor,
        id: &WorkflowId,
        version: i64,
        active: bool,
    ) -> StoreResult<Option<Workflow>> {
        let mut tx = self.begin().await?;
        let updated = sqlx::query(
            "UPDATE workflows SET is_active = $1, updated_at = $2 \
             WHERE id = $3 AND sub_account_id = $4 AND current_version = $5 AND deleted_at IS NULL",
        )
        .bind(i64::from(active))
        .bind(now_ms())
        .bind(id.as_str())
        .bind(editor.id())
        .bind(version)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Ok(None);
        }
        if !active {
            self.cancel_unfinished_runs(&mut tx, editor, id, SWITCHED_OFF).await?;
        }
        let workflow = current(&mut tx, editor, id).await?;
        tx.commit().await?;
        Ok(workflow)
    }

    /// Deletes a workflow: it starts nothing more and is listed no more, and its unfinished runs
    /// are cancelled; its versions and runs stay, so their history can still be read. `false`
    /// when there is no such live workflow.
    pub async fn delete_workflow(&self, editor: &Editor, id: &WorkflowId) -> StoreResult<bool> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE workflows SET deleted_at = $1, is_active = 0, updated_at = $1 \
             WHERE id = $2 AND sub_account_id = $3 AND deleted_at IS NULL",
        )
        .bind(now)
        .bind(id.as_str())
        .bind(editor.id())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        self.cancel_unfinished_runs(&mut tx, editor, id, DELETED).await?;
        tx.commit().await?;
        Ok(true)
    }
}

async fn current(conn: &mut AnyConnection, tenant: &Tenant, id: &WorkflowId) -> StoreResult<Option<Workflow>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE w.id = $1 AND w.sub_account_id = $2 AND w.deleted_at IS NULL");
    let row: Option<WorkflowRow> =
        sqlx::query_as(&sql).bind(id.as_str()).bind(tenant.id()).fetch_optional(&mut *conn).await?;
    row.map(WorkflowRow::into_workflow).transpose()
}

async fn insert_version(
    conn: &mut AnyConnection,
    id: &str,
    version: i64,
    (spec, fields): (&WorkflowSpec, CheckedFields<'_>),
    by: &str,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO workflow_versions (workflow_id, version, definition, custom_fields, answer_fields, saved_by, \
           created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(version)
    .bind(to_json(spec)?)
    .bind(to_json(&fields.custom_fields)?)
    .bind(to_json(&fields.answer_fields)?)
    .bind(by)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
