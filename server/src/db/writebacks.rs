//! Writeback jobs: one row per writeback of a completed form, keyed by (form, kind) — the
//! writeback's idempotency key. A row is queued with the submit, run at once by the submitter,
//! and run again by the worker while it is pending and due: after a retryable failure (its
//! backoff), or when whoever ran it died (its lease). The claim and finish below are the lease
//! and fence the job runner (`crate::jobs`) describes.

use app::model::{ContactId, FormId, SubAccountId, WritebackKind, WritebackResult, WritebackState};
use sqlx::AnyConnection;
use std::collections::HashSet;

use super::tenancy::Tenant;
use super::{Store, StoreError, StoreResult, now_ms};

/// Queues a completed form's writebacks as jobs, in the order they run, held by the submitter
/// until `lease` (it runs them at once). Part of the submit's transaction: a form is completed
/// together with its jobs, or not at all.
pub(super) async fn queue_writebacks(
    conn: &mut AnyConnection,
    form_id: &FormId,
    kinds: &[WritebackKind],
    lease: i64,
) -> StoreResult<()> {
    let now = now_ms();
    for (position, kind) in kinds.iter().enumerate() {
        sqlx::query(
            "INSERT INTO writeback_jobs (form_id, kind, position, state, message, updated_at, due_at) \
             VALUES ($1, $2, $3, 'pending', '', $4, $5)",
        )
        .bind(form_id.as_str())
        .bind(kind_name(*kind))
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(now)
        .bind(lease)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A writeback the worker may run now.
#[derive(Clone, Debug, PartialEq)]
pub struct DueWriteback {
    pub form_id: FormId,
    pub sub_account_id: SubAccountId,
    pub kind: WritebackKind,
}

/// The attempt a claim starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// Since the submit or the last admin retry, from 1.
    pub number: i64,
    /// Whether an earlier attempt ran, whose note or task may exist though its answer was lost.
    pub after_another: bool,
    /// The lease's fencing token: the row's attempt count when it was claimed. A later claim
    /// (after this lease ran out) counts again, so this attempt can no longer finish the row.
    pub fence: i64,
}

/// How an attempt ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Finish {
    Succeeded {
        message: String,
        created_id: Option<String>,
    },
    /// Pending again, due at `at` (Unix ms).
    Retry {
        message: String,
        at: i64,
    },
    Failed {
        message: String,
    },
}

pub(super) fn kind_name(kind: WritebackKind) -> &'static str {
    match kind {
        WritebackKind::Note => "note",
        WritebackKind::CustomFields => "custom_fields",
        WritebackKind::Task => "task",
        WritebackKind::PipelineMove => "pipeline_move",
    }
}

fn parse_kind(name: &str) -> StoreResult<WritebackKind> {
    WritebackKind::ORDER
        .into_iter()
        .find(|k| kind_name(*k) == name)
        .ok_or_else(|| StoreError::Corrupt(format!("writeback kind `{name}`")))
}

fn parse_state(name: &str) -> StoreResult<WritebackState> {
    match name {
        "pending" => Ok(WritebackState::Pending),
        "succeeded" => Ok(WritebackState::Succeeded),
        "failed" => Ok(WritebackState::Failed),
        other => Err(StoreError::Corrupt(format!("writeback state `{other}`"))),
    }
}

impl Store {
    /// Starts an attempt: takes the lease of a pending writeback that is due, or whose lease
    /// `held` is (the submitter's, from [`Store::complete_form`]). `None` when someone else has
    /// it, it is not due yet, or it is finished — a conditional update, so instances sharing
    /// PostgreSQL never run one writeback twice at once.
    pub async fn claim_writeback(
        &self,
        form_id: &FormId,
        kind: WritebackKind,
        held: Option<i64>,
        lease_ms: i64,
    ) -> StoreResult<Option<Attempt>> {
        let now = now_ms();
        let row: Option<(i64, i64)> = sqlx::query_as(
            "UPDATE writeback_jobs SET due_at = $1, attempts = attempts + 1, total_attempts = total_attempts + 1 \
             WHERE form_id = $2 AND kind = $3 AND state = 'pending' AND (due_at <= $4 OR due_at = $5) \
             RETURNING attempts, total_attempts",
        )
        .bind(now + lease_ms)
        .bind(form_id.as_str())
        .bind(kind_name(kind))
        .bind(now)
        .bind(held.unwrap_or(-1))
        .fetch_optional(&mut *self.writer().await?)
        .await?;
        Ok(row.map(|(number, total)| Attempt { number, after_another: total > 1, fence: total }))
    }

    /// Records how an attempt ended and gives up its lease — only while the lease is still the
    /// attempt's (`fence`); `false` when it was lost and someone else has the row now.
    pub async fn finish_writeback(
        &self,
        form_id: &FormId,
        kind: WritebackKind,
        fence: i64,
        finish: &Finish,
    ) -> StoreResult<bool> {
        let (state, message, due_at, created_id) = match finish {
            Finish::Succeeded { message, created_id } => ("succeeded", message, 0, created_id.as_deref()),
            Finish::Retry { message, at } => ("pending", message, *at, None),
            Finish::Failed { message } => ("failed", message, 0, None),
        };
        let done = sqlx::query(
            "UPDATE writeback_jobs SET state = $1, message = $2, due_at = $3, created_id = $4, updated_at = $5 \
             WHERE form_id = $6 AND kind = $7 AND state = 'pending' AND total_attempts = $8",
        )
        .bind(state)
        .bind(message)
        .bind(due_at)
        .bind(created_id)
        .bind(now_ms())
        .bind(form_id.as_str())
        .bind(kind_name(kind))
        .bind(fence)
        .execute(&mut *self.writer().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Pending writebacks that are due, oldest first, and within a form in writeback order.
    pub async fn due_writebacks(&self, limit: i64) -> StoreResult<Vec<DueWriteback>> {
        let rows: Vec<(FormId, SubAccountId, String)> = sqlx::query_as(
            "SELECT w.form_id, f.sub_account_id, w.kind FROM writeback_jobs w JOIN forms f ON f.id = w.form_id \
             WHERE w.state = 'pending' AND w.due_at <= $1 ORDER BY w.due_at, w.form_id, w.position LIMIT $2",
        )
        .bind(now_ms())
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(form_id, sub_account_id, kind)| {
                Ok(DueWriteback { form_id, sub_account_id, kind: parse_kind(&kind)? })
            })
            .collect()
    }

    /// Queues a failed writeback again, with a fresh retry budget. False when it had not failed
    /// (it succeeded, or is already pending).
    pub async fn retry_writeback(&self, form_id: &FormId, kind: WritebackKind, message: &str) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE writeback_jobs SET state = 'pending', attempts = 0, due_at = 0, message = $1, updated_at = $2 \
             WHERE form_id = $3 AND kind = $4 AND state = 'failed'",
        )
        .bind(message)
        .bind(now_ms())
        .bind(form_id.as_str())
        .bind(kind_name(kind))
        .execute(&mut *self.writer().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The notes and tasks OpsFlow's writebacks created on a contact: a retry looking for what
    /// an earlier attempt made must not take one of these for its own.
    pub async fn created_on_contact(&self, tenant: &Tenant, contact_id: &ContactId) -> StoreResult<HashSet<String>> {
        let ids: Vec<(String,)> = sqlx::query_as(
            "SELECT w.created_id FROM writeback_jobs w JOIN forms f ON f.id = w.form_id \
             WHERE f.sub_account_id = $1 AND f.contact_id = $2 AND w.created_id IS NOT NULL",
        )
        .bind(tenant.id())
        .bind(contact_id.as_str())
        .fetch_all(self.pool())
        .await?;
        Ok(ids.into_iter().map(|(id,)| id).collect())
    }

    pub async fn writeback_results(&self, form_id: &FormId) -> StoreResult<Vec<WritebackResult>> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT kind, state, message FROM writeback_jobs WHERE form_id = $1 ORDER BY position")
                .bind(form_id.as_str())
                .fetch_all(self.pool())
                .await?;
        rows.into_iter()
            .map(|(kind, state, message)| {
                Ok(WritebackResult { kind: parse_kind(&kind)?, state: parse_state(&state)?, message })
            })
            .collect()
    }
}
