//! Forms: created pending by events, completed once by a submit — which, in the same
//! transaction, queues their writeback jobs (`writebacks::queue_writebacks`) and fires their
//! `form_submitted` event, starting the workflows it matches.

use app::model::form_event::Submitted;
use app::model::{
    Cause, Chain, CleanAnswer, ContactId, EventId, EventType, FormId, FormStatus, OpportunityId, RunTrace,
    SubAccountId, TemplateId, TriggerId, UserId, WritebackKind, Writebacks,
};
use serde_json::{Map, json};
use sqlx::{AnyConnection, FromRow};

use super::runs::Occurrence;
use super::tenancy::Tenant;
use super::writebacks::queue_writebacks;
use super::{Store, StoreError, StoreResult, from_json, new_id, now_ms, to_json};
use crate::time::rfc3339_seconds;

/// Where a `form_submitted` event comes from: its dedupe key is the form's id there.
const SUBMITTED_SOURCE: &str = "inbox";

/// A new pending form, with everything it needs to render and write back later: the template
/// version, the CRM context and a copy of its trigger's writebacks.
pub struct NewForm<'a> {
    pub tenant: &'a Tenant,
    pub template_id: &'a TemplateId,
    pub template_version: i64,
    /// The form trigger that made it; none for a workflow's `create_form`.
    pub trigger_id: Option<&'a TriggerId>,
    pub event_id: &'a EventId,
    pub contact_id: &'a ContactId,
    pub contact_name: &'a str,
    pub opportunity_id: Option<&'a OpportunityId>,
    pub pipeline_id: Option<&'a str>,
    pub stage_id: Option<&'a str>,
    pub context: &'a str,
    pub writebacks: &'a Writebacks,
    /// The workflow run whose `create_form` made it: its `form_submitted` continues the run's
    /// chain of causes.
    pub caused_by: Option<&'a RunTrace>,
}

#[derive(Clone, Debug, FromRow)]
pub struct FormRow {
    pub id: FormId,
    pub sub_account_id: SubAccountId,
    pub template_id: TemplateId,
    pub template_version: i64,
    pub template_name: String,
    pub contact_id: ContactId,
    pub contact_name: String,
    pub opportunity_id: Option<OpportunityId>,
    pub pipeline_id: Option<String>,
    pub stage_id: Option<String>,
    pub context: String,
    pub writebacks: String,
    pub status: String,
    pub created_at: i64,
    pub submitted_at: Option<i64>,
    pub submitted_by: Option<UserId>,
    pub submitted_by_name: Option<String>,
    pub answers: Option<String>,
}

impl FormRow {
    pub fn status(&self) -> StoreResult<FormStatus> {
        FormStatus::parse(&self.status)
            .ok_or_else(|| StoreError::Corrupt(format!("form {} has status `{}`", self.id, self.status)))
    }

    pub fn writebacks(&self) -> StoreResult<Writebacks> {
        from_json(&self.writebacks)
    }

    pub fn clean_answers(&self) -> StoreResult<Vec<CleanAnswer>> {
        self.answers.as_deref().map(from_json).transpose().map(Option::unwrap_or_default)
    }
}

const SELECT_FORMS: &str = "SELECT f.id, f.sub_account_id, f.template_id, f.template_version, t.name AS template_name, \
     f.contact_id, f.contact_name, f.opportunity_id, f.pipeline_id, f.stage_id, f.context, f.writebacks, f.status, \
     f.created_at, f.submitted_at, f.submitted_by, f.submitted_by_name, f.answers \
     FROM forms f JOIN templates t ON t.id = f.template_id";

/// Which forms of a tab: a template (empty for all), a search in the contact, template and
/// submitter names (empty for none), and the page as a limit and offset.
pub struct InboxFilter<'a> {
    pub template_id: &'a TemplateId,
    pub search: &'a str,
    pub limit: i64,
    pub offset: i64,
}

/// A form as an inbox row shows it, with its writebacks counted by state.
#[derive(Clone, Debug, FromRow)]
pub struct InboxFormRow {
    pub id: FormId,
    pub template_version: i64,
    pub template_name: String,
    pub contact_name: String,
    pub context: String,
    pub created_at: i64,
    pub submitted_at: Option<i64>,
    pub submitted_by_name: Option<String>,
    pub writebacks: i64,
    pub pending_writebacks: i64,
    pub failed_writebacks: i64,
}

/// `%text%` with LIKE's wildcards escaped by `!`, or empty for no search. Folded to lower case
/// as the databases' `LOWER` folds (ASCII only), so a name is found as it is written.
fn like_pattern(search: &str) -> String {
    let search = search.trim().to_ascii_lowercase();
    if search.is_empty() {
        return String::new();
    }
    let escaped = search.replace('!', "!!").replace('%', "!%").replace('_', "!_");
    format!("%{escaped}%")
}

/// What a submit records: who, the cleaned answers, and the writebacks to queue.
pub struct FormCompletion<'a> {
    pub user_id: &'a UserId,
    pub user_name: &'a str,
    pub answers: &'a [CleanAnswer],
    pub writebacks: &'a [WritebackKind],
}

impl Store {
    pub async fn insert_form(&self, conn: &mut AnyConnection, form: &NewForm<'_>) -> StoreResult<FormId> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO forms (id, sub_account_id, template_id, template_version, trigger_id, event_id, contact_id, \
               contact_name, opportunity_id, pipeline_id, stage_id, context, writebacks, status, created_at, caused_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'pending', $14, $15)",
        )
        .bind(&id)
        .bind(form.tenant.id())
        .bind(form.template_id)
        .bind(form.template_version)
        .bind(form.trigger_id)
        .bind(form.event_id)
        .bind(form.contact_id)
        .bind(form.contact_name)
        .bind(form.opportunity_id)
        .bind(form.pipeline_id)
        .bind(form.stage_id)
        .bind(form.context)
        .bind(to_json(form.writebacks)?)
        .bind(now_ms())
        .bind(form.caused_by.map(to_json).transpose()?)
        .execute(conn)
        .await?;
        Ok(id.into())
    }

    /// One page of a sub-account's forms with `status`, newest first (created for pending forms,
    /// submitted for completed ones), narrowed by `filter`; with how many match in all.
    pub async fn inbox_forms(
        &self,
        tenant: &Tenant,
        status: FormStatus,
        filter: &InboxFilter<'_>,
    ) -> StoreResult<(Vec<InboxFormRow>, i64)> {
        let order = match status {
            FormStatus::Pending => "f.created_at DESC",
            FormStatus::Completed => "f.submitted_at DESC",
        };
        // An empty search or template matches everything; `!` escapes LIKE's wildcards in the search.
        let matching = "FROM forms f JOIN templates t ON t.id = f.template_id \
             WHERE f.sub_account_id = $1 AND f.status = $2 AND ($3 = '' OR f.template_id = $3) \
               AND ($4 = '' OR LOWER(f.contact_name) LIKE $4 ESCAPE '!' OR LOWER(t.name) LIKE $4 ESCAPE '!' \
                    OR LOWER(COALESCE(f.submitted_by_name, '')) LIKE $4 ESCAPE '!')";
        let pattern = like_pattern(filter.search);
        let sql = format!(
            "SELECT f.id, f.template_version, t.name AS template_name, f.contact_name, f.context, f.created_at, \
               f.submitted_at, f.submitted_by_name, \
               (SELECT COUNT(*) FROM writeback_jobs w WHERE w.form_id = f.id) AS writebacks, \
               (SELECT COUNT(*) FROM writeback_jobs w WHERE w.form_id = f.id AND w.state = 'pending') \
                 AS pending_writebacks, \
               (SELECT COUNT(*) FROM writeback_jobs w WHERE w.form_id = f.id AND w.state = 'failed') \
                 AS failed_writebacks \
             {matching} ORDER BY {order}, f.id LIMIT $5 OFFSET $6"
        );
        let rows = sqlx::query_as(&sql)
            .bind(tenant.id())
            .bind(status.as_str())
            .bind(filter.template_id)
            .bind(&pattern)
            .bind(filter.limit)
            .bind(filter.offset)
            .fetch_all(self.pool())
            .await?;
        let (total,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) {matching}"))
            .bind(tenant.id())
            .bind(status.as_str())
            .bind(filter.template_id)
            .bind(&pattern)
            .fetch_one(self.pool())
            .await?;
        Ok((rows, total))
    }

    pub async fn form(&self, tenant: &Tenant, form_id: &FormId) -> StoreResult<Option<FormRow>> {
        let sql = format!("{SELECT_FORMS} WHERE f.id = $1 AND f.sub_account_id = $2");
        Ok(sqlx::query_as(&sql).bind(form_id.as_str()).bind(tenant.id()).fetch_optional(self.pool()).await?)
    }

    /// Completes a pending form with its cleaned answers, queues its writebacks and fires its
    /// `form_submitted` event (which starts the workflows it matches), all in one transaction.
    /// The submitter holds the new jobs' lease (so it runs them now and no worker takes them
    /// meanwhile); the lease is returned for [`Store::claim_writeback`]. `None` when the form was
    /// no longer pending: of two simultaneous submits exactly one wins, so the writebacks are
    /// queued and the event fired once.
    pub async fn complete_form(
        &self,
        tenant: &Tenant,
        form_id: &FormId,
        submission: &FormCompletion<'_>,
        lease_ms: i64,
    ) -> StoreResult<Option<i64>> {
        let FormCompletion { user_id, user_name, answers, writebacks } = submission;
        let mut tx = self.begin().await?;
        let now = now_ms();
        let claimed = sqlx::query(
            "UPDATE forms SET status = 'completed', submitted_at = $1, submitted_by = $2, submitted_by_name = $3, \
               answers = $4 WHERE id = $5 AND sub_account_id = $6 AND status = 'pending'",
        )
        .bind(now)
        .bind(user_id)
        .bind(user_name)
        .bind(to_json(answers)?)
        .bind(form_id.as_str())
        .bind(tenant.id())
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() != 1 {
            return Ok(None);
        }
        let lease = now + lease_ms;
        queue_writebacks(&mut tx, form_id, writebacks, lease).await?;
        self.fire_submitted(&mut tx, tenant, form_id, submission, now).await?;
        tx.commit().await?;
        Ok(Some(lease))
    }

    /// Stores a just-completed form's `form_submitted` event — once per form: its id is the
    /// event's key — and starts the runs it starts, on the completion's transaction.
    async fn fire_submitted(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        form_id: &FormId,
        submission: &FormCompletion<'_>,
        now: i64,
    ) -> StoreResult<()> {
        let (template_id, template_name, contact_id, contact_name, caused_by): (
            String,
            String,
            String,
            String,
            Option<String>,
        ) = sqlx::query_as(
            "SELECT f.template_id, t.name, f.contact_id, f.contact_name, f.caused_by FROM forms f \
             JOIN templates t ON t.id = f.template_id WHERE f.id = $1 AND f.sub_account_id = $2",
        )
        .bind(form_id.as_str())
        .bind(tenant.id())
        .fetch_one(&mut *conn)
        .await?;
        let submitted_at = rfc3339_seconds(now);
        let record = Submitted {
            form_id: form_id.as_str(),
            template_id: &template_id,
            template_name: &template_name,
            contact_id: &contact_id,
            contact_name: &contact_name,
            submitted_by: submission.user_id.as_str(),
            submitted_at: &submitted_at,
            answers: submission.answers,
        }
        .record();
        let cause = Cause::Person { user_id: submission.user_id.clone() };
        let payload = to_json(&json!({ "formId": form_id, "record": record, "cause": cause }))?;
        let event_type = EventType::FormSubmitted;
        let stored = self.insert_event(conn, tenant, SUBMITTED_SOURCE, form_id.as_str(), event_type, &payload).await?;
        let Some(event_id) = stored else { return Ok(()) };
        let previous = Map::new();
        // A person submits it, but a form a workflow made continues that run's chain of causes:
        // a workflow on `form_submitted` that makes forms meets the loop limit.
        let chain = match caused_by {
            Some(trace) => from_json::<RunTrace>(&trace)?.chain(),
            None => Chain::starting_at(event_id.as_str()),
        };
        let occurrence = Occurrence {
            event_id: event_id.as_str(),
            event_type,
            record_id: form_id.as_str(),
            record: &record,
            previous: &previous,
            chain,
        };
        self.start_runs(conn, tenant, &occurrence).await?;
        Ok(())
    }
}

impl Store {
    /// Changes whenever a form of the sub-account is created or completed, or one of its
    /// writebacks finishes.
    pub async fn inbox_fingerprint(&self, tenant: &Tenant) -> StoreResult<(i64, i64, i64, i64)> {
        Ok(sqlx::query_as(
            "SELECT COUNT(*), COALESCE(MAX(created_at), 0), COALESCE(MAX(submitted_at), 0), \
               (SELECT COALESCE(MAX(w.updated_at), 0) FROM writeback_jobs w JOIN forms wf ON wf.id = w.form_id \
                WHERE wf.sub_account_id = $1) \
             FROM forms WHERE sub_account_id = $1",
        )
        .bind(tenant.id())
        .fetch_one(self.pool())
        .await?)
    }
}
