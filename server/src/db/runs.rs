//! Workflow runs and their steps. An event stored in the stream starts, in the same
//! transaction, one run of each active workflow on its type whose filters its record passes
//! (at most once per workflow and event), pinned to the workflow's current version; the first
//! step is then due. Runs are read back a page at a time, and one with its steps.

use app::model::workflow::history::{Run, RunStatus, Step, StepStatus};
use app::model::workflow::run::Position;
use app::model::workflow::{DEEPEST_RUN, TriggerFields, Workflow};
use app::model::{Chain, EventType, RecordEvent, RunId, WorkflowId};
use serde_json::{Map, Value, json};
use sqlx::{AnyConnection, FromRow};

use super::budgets::{Budget, WITHIN_CHAIN_BUDGET};
use super::steps::insert_step;
use super::tenancy::Tenant;
use super::{Store, StoreResult, from_json, new_id, now_ms, to_json};
use crate::time::rfc3339_ms;

#[derive(FromRow)]
struct RunRow {
    id: RunId,
    workflow_id: WorkflowId,
    workflow_version: i64,
    trigger_type: String,
    record_id: String,
    status: String,
    started_at: i64,
    finished_at: Option<i64>,
    resume_at: Option<i64>,
    error: Option<String>,
    trigger_snapshot: String,
}

const RUN_COLUMNS: &str = "r.id, r.workflow_id, r.workflow_version, r.trigger_type, r.record_id, r.status, \
                           r.started_at, r.finished_at, r.resume_at, r.error, r.trigger_snapshot";

impl RunRow {
    fn into_run(self, detail: bool) -> StoreResult<Run> {
        Ok(Run {
            id: self.id,
            workflow_id: self.workflow_id,
            workflow_version: self.workflow_version,
            trigger_type: parse(&self.trigger_type)?,
            record_id: self.record_id,
            status: named(RunStatus::ALL, RunStatus::as_str, &self.status)?,
            started_at: rfc3339_ms(self.started_at),
            finished_at: self.finished_at.map(rfc3339_ms),
            resume_at: self.resume_at.map(rfc3339_ms),
            error: self.error,
            trigger: if detail { Some(from_json(&self.trigger_snapshot)?) } else { None },
            steps: None,
        })
    }
}

#[derive(FromRow)]
struct StepRow {
    id: String,
    action_id: String,
    action_type: String,
    status: String,
    attempts: i64,
    started_at: Option<i64>,
    finished_at: Option<i64>,
    input: Option<String>,
    output: Option<String>,
    error: Option<String>,
}

impl StepRow {
    fn into_step(self) -> StoreResult<Step> {
        let json = |text: Option<String>| text.map(|text| from_json::<Value>(&text)).transpose();
        Ok(Step {
            id: self.id,
            action_id: self.action_id.into(),
            action_type: parse(&self.action_type)?,
            status: named(StepStatus::ALL, StepStatus::as_str, &self.status)?,
            attempts: self.attempts,
            started_at: self.started_at.map(rfc3339_ms),
            finished_at: self.finished_at.map(rfc3339_ms),
            input: json(self.input)?,
            output: json(self.output)?,
            error: self.error,
        })
    }
}

fn parse<T: std::str::FromStr>(text: &str) -> StoreResult<T>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|error: T::Err| super::StoreError::Corrupt(error.to_string()))
}

fn named<T: Copy, const N: usize>(all: [T; N], name: fn(T) -> &'static str, text: &str) -> StoreResult<T> {
    all.into_iter()
        .find(|value| name(*value) == text)
        .ok_or_else(|| super::StoreError::Corrupt(format!("unknown status {text}")))
}

/// An event as it starts runs: its type, the record it is about with the changed fields'
/// previous values, and the chain of causes it continues. A module event of the stream is one; so is a form
/// submitted in the inbox (`form_submitted`, about the form).
pub(crate) struct Occurrence<'a> {
    pub event_id: &'a str,
    pub event_type: EventType,
    pub record_id: &'a str,
    pub record: &'a Map<String, Value>,
    pub previous: &'a Map<String, Value>,
    /// The chain of causes the event belongs to: its runs are one deeper.
    pub chain: Chain,
}

impl<'a> From<&'a RecordEvent> for Occurrence<'a> {
    fn from(event: &'a RecordEvent) -> Self {
        Occurrence {
            event_id: event.id.as_str(),
            event_type: event.event_type,
            record_id: &event.record_id,
            record: &event.record,
            previous: &event.previous,
            chain: event.cause.chain(event.id.as_str()),
        }
    }
}

/// A workflow an event matched that started no run, and why: what the step whose write it was
/// says in its output (`notStarted`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotStarted {
    pub workflow_id: WorkflowId,
    pub reason: String,
}

/// The columns a run is inserted with, in the order of its parameters.
const RUN_INSERT_COLUMNS: &str = "id, sub_account_id, workflow_id, workflow_version, event_id, trigger_type, \
    record_id, depth, status, trigger_snapshot, started_at, finished_at, chain_id";

impl Store {
    /// Starts the runs a just-stored event starts, in its transaction; returns the workflows
    /// the loop limit or a budget kept from starting (`db::budgets`).
    pub(crate) async fn start_runs(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        event: &Occurrence<'_>,
    ) -> StoreResult<Vec<NotStarted>> {
        let depth = event.chain.depth.saturating_add(1);
        let mut not_started = Vec::new();
        for candidate in self.active_workflows(conn, tenant, event.event_type).await? {
            let workflow = &candidate.workflow;
            let fields =
                TriggerFields::new(workflow.trigger_module, &candidate.custom_fields, &candidate.answer_fields);
            let passes = match workflow.trigger_filters.compile(&fields, event.event_type, "triggerFilters") {
                Ok(filters) => filters.matches(event.record, event.previous),
                // Checked when saved against the same fields: a version that no longer compiles
                // is the store's problem, not the event's.
                Err(problems) => {
                    tracing::error!(workflow = %workflow.id, ?problems, "a stored workflow's filters do not compile");
                    false
                }
            };
            if !passes {
                continue;
            }
            if depth > DEEPEST_RUN {
                tracing::warn!(workflow = %workflow.id, event = event.event_id, depth, "workflow loop stopped");
                let reason = format!("Loop limit: a run {DEEPEST_RUN} deep starts no more runs.");
                not_started.push(NotStarted { workflow_id: workflow.id.clone(), reason });
                continue;
            }
            let id = new_id();
            let now = now_ms();
            let snapshot = json!({ "record": event.record, "previous": event.previous });
            let first = workflow.next_action(Position::Start);
            let status = if first.is_some() { RunStatus::Running } else { RunStatus::Completed };
            let minute = now / 60_000;
            if let Some(budget) = self.budget_reached(tenant, minute) {
                not_started.push(self.over_budget(conn, tenant, workflow, budget).await?);
                continue;
            }
            // A run a chain's own run starts is counted against the chain in its insert.
            let chained = depth >= 2;
            let sql = if chained {
                format!(
                    "INSERT INTO workflow_runs ({RUN_INSERT_COLUMNS}) \
                     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 WHERE {WITHIN_CHAIN_BUDGET} \
                     ON CONFLICT (workflow_id, event_id) DO NOTHING"
                )
            } else {
                format!(
                    "INSERT INTO workflow_runs ({RUN_INSERT_COLUMNS}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                     ON CONFLICT (workflow_id, event_id) DO NOTHING"
                )
            };
            let mut insert = sqlx::query(&sql)
                .bind(&id)
                .bind(tenant.id())
                .bind(workflow.id.as_str())
                .bind(workflow.version)
                .bind(event.event_id)
                .bind(event.event_type.as_str())
                .bind(event.record_id)
                .bind(i64::from(depth))
                .bind(status.as_str())
                .bind(to_json(&snapshot)?)
                .bind(now)
                .bind(first.is_none().then_some(now))
                .bind(&event.chain.id);
            if chained {
                insert = insert.bind(self.budgets().runs_per_chain);
            }
            if insert.execute(&mut *conn).await?.rows_affected() == 0 {
                // Started before (a redelivered event), or kept from starting by the chain's budget.
                if chained && !self.run_exists(conn, &workflow.id, event.event_id).await? {
                    not_started.push(self.over_budget(conn, tenant, workflow, Budget::RunsPerChain).await?);
                }
                continue;
            }
            self.run_started(tenant, minute);
            if let Some(action) = first {
                insert_step(conn, &RunId::from(id), action, 1, now).await?;
            }
        }
        Ok(not_started)
    }

    /// A workflow that a budget kept from starting a run: the admins are told (once an hour),
    /// and the step that caused the event says why.
    async fn over_budget(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        workflow: &Workflow,
        budget: Budget,
    ) -> StoreResult<NotStarted> {
        self.alert_budget(conn, tenant, (&workflow.id, &workflow.name), budget).await?;
        let reason = format!("Budget reached: {}.", budget.reached(self.budgets()));
        Ok(NotStarted { workflow_id: workflow.id.clone(), reason })
    }

    async fn run_exists(&self, conn: &mut AnyConnection, workflow: &WorkflowId, event_id: &str) -> StoreResult<bool> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM workflow_runs WHERE workflow_id = $1 AND event_id = $2")
                .bind(workflow.as_str())
                .bind(event_id)
                .fetch_optional(&mut *conn)
                .await?;
        Ok(found.is_some())
    }

    /// A page of a live workflow's runs, newest first, with how many it has; `None` when the
    /// sub-account has no such workflow.
    pub async fn runs(
        &self,
        tenant: &Tenant,
        workflow: &WorkflowId,
        page: i64,
        limit: i64,
    ) -> StoreResult<Option<(Vec<Run>, i64, bool)>> {
        // A deleted workflow's runs stay listed, as their details stay readable.
        let deleted_at: Option<Option<i64>> =
            sqlx::query_scalar("SELECT deleted_at FROM workflows WHERE id = $1 AND sub_account_id = $2")
                .bind(workflow.as_str())
                .bind(tenant.id())
                .fetch_optional(self.pool())
                .await?;
        let Some(deleted_at) = deleted_at else { return Ok(None) };
        let deleted = deleted_at.is_some();
        // The count and the page from one snapshot, so the page is where the count says.
        let mut tx = self.begin_read().await?;
        // Kept by a trigger (migration 0017). PostgreSQL sums BIGINTs as NUMERIC.
        let total: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(runs), 0) AS BIGINT) FROM workflow_run_counts WHERE workflow_id = $1",
        )
        .bind(workflow.as_str())
        .fetch_one(&mut *tx)
        .await?;
        let Some(slice) = PageSlice::of(total, page, limit) else {
            return Ok(Some((Vec::new(), total, deleted)));
        };
        // The workflow is the tenant's (checked above), so its runs are: filtering them by the
        // sub-account again would make each skipped row a table lookup. The page's ids come
        // from the index alone (skipping rows costs no table lookups); only its rows are read.
        let order = if slice.from_oldest { "ASC" } else { "DESC" };
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM workflow_runs r WHERE r.id IN (SELECT id FROM workflow_runs \
               WHERE workflow_id = $1 ORDER BY started_at {order}, id {order} LIMIT $2 OFFSET $3) \
             ORDER BY r.started_at DESC, r.id DESC"
        );
        let rows: Vec<RunRow> =
            sqlx::query_as(&sql).bind(workflow.as_str()).bind(slice.limit).bind(slice.skip).fetch_all(&mut *tx).await?;
        tx.commit().await?;
        let runs = rows.into_iter().map(|row| row.into_run(false)).collect::<StoreResult<Vec<_>>>()?;
        Ok(Some((runs, total, deleted)))
    }

    /// One run of the sub-account with its trigger and steps (a deleted workflow's runs too:
    /// their history stays).
    pub async fn run(&self, tenant: &Tenant, id: &RunId) -> StoreResult<Option<Run>> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM workflow_runs r WHERE r.id = $1 AND r.sub_account_id = $2");
        let row: Option<RunRow> =
            sqlx::query_as(&sql).bind(id.as_str()).bind(tenant.id()).fetch_optional(self.pool()).await?;
        let Some(row) = row else { return Ok(None) };
        let steps: Vec<StepRow> = sqlx::query_as(
            "SELECT id, action_id, action_type, status, attempts, started_at, finished_at, input, output, error \
             FROM workflow_steps WHERE run_id = $1 ORDER BY position",
        )
        .bind(id.as_str())
        .fetch_all(self.pool())
        .await?;
        let mut run = row.into_run(true)?;
        run.steps = Some(steps.into_iter().map(StepRow::into_step).collect::<StoreResult<_>>()?);
        Ok(Some(run))
    }
}

/// Where a page of a newest-first list of `total` rows lies, read from the nearer end: an
/// offset walks that many index entries, so the last pages cost what the first ones do.
#[derive(Debug, PartialEq, Eq)]
struct PageSlice {
    /// Read oldest first (the page is sorted newest first after).
    from_oldest: bool,
    skip: i64,
    limit: i64,
}

impl PageSlice {
    /// `None` when the page is past the end.
    fn of(total: i64, page: i64, limit: i64) -> Option<Self> {
        debug_assert!(page >= 1 && limit >= 1, "pages and limits are checked when read");
        let start = (page - 1).saturating_mul(limit);
        if start >= total {
            return None;
        }
        let end = start.saturating_add(limit).min(total);
        let after = total - end;
        Some(if after < start {
            PageSlice { from_oldest: true, skip: after, limit: end - start }
        } else {
            PageSlice { from_oldest: false, skip: start, limit }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::PageSlice;

    #[test]
    fn a_page_is_read_from_the_nearer_end() {
        let newest = |skip, limit| Some(PageSlice { from_oldest: false, skip, limit });
        let oldest = |skip, limit| Some(PageSlice { from_oldest: true, skip, limit });
        assert_eq!(PageSlice::of(100_000, 1, 20), newest(0, 20));
        assert_eq!(PageSlice::of(100_000, 2_500, 20), newest(49_980, 20));
        assert_eq!(PageSlice::of(100_000, 2_501, 20), oldest(49_980, 20));
        assert_eq!(PageSlice::of(100_000, 5_000, 20), oldest(0, 20));
        // A last page that is not full: only the rows that are there.
        assert_eq!(PageSlice::of(45, 3, 20), oldest(0, 5));
        assert_eq!(PageSlice::of(45, 2, 20), oldest(5, 20));
        assert_eq!(PageSlice::of(45, 1, 20), newest(0, 20));
        assert_eq!(PageSlice::of(45, 4, 20), None);
        assert_eq!(PageSlice::of(0, 1, 20), None);
        assert_eq!(PageSlice::of(5, i64::MAX, 100), None);
    }
}
