//! Running writeback jobs. A submit queues its form's writebacks and runs them at once, so the
//! person who submitted sees each result; whatever is left pending — a retryable failure
//! waiting out its backoff, or a run cut off by a crash — the worker runs when it is due.
//!
//! Each job runs through the job runner (`crate::jobs`): a retryable failure (the CRM
//! unavailable: 5xx, 429, a timeout) is tried again with exponential backoff and jitter, up to
//! the attempts of the service's job timing (`JobTiming::WRITEBACKS` unless configured); a refusal (4xx, not found) is final at once, with the
//! CRM's message. An admin can queue a failed writeback again.

use app::api::ports::AppResult;
use app::api::types::{WritebackKind, WritebackResult};
use app::model::{Cause, CleanAnswer, FormId, NumberFormat, Writebacks};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::OnceCell;

use super::Service;
use crate::crm::{Crm, CrmError, sentence_case};
use crate::db::forms::FormRow;
use crate::db::tenancy::Tenant;
use crate::db::writebacks::{Attempt, Finish};
use crate::db::{StoreError, StoreResult, now_ms};
use crate::jobs::{self, Next, Outcome};
use crate::time::{clock_ms, date_at, next_day_at_nine};
use crate::writeback::{self, WritebackJob, Written};

/// Writebacks run per worker round.
const BATCH: i64 = 32;
/// How often the worker looks for due writebacks.
const POLL: Duration = Duration::from_secs(2);

/// What every writeback of one form needs, loaded once and shared by its jobs: the form, its
/// answers and settings, the sub-account's time zone and number format, and its CRM.
pub(super) struct FormRun<'a> {
    form: FormRow,
    answers: Vec<CleanAnswer>,
    writebacks: Writebacks,
    /// The name of the template *version* the form was made from, as the note's header: the
    /// note records what staff filled in, and a later rename of the template does not change
    /// that (the inbox, a live list, shows the current name).
    template_name: String,
    zone: String,
    format: NumberFormat,
    crm: &'a dyn Crm,
}

/// A form's run, loaded by its first job that is claimed (a job that is not claimed loads
/// nothing), then shared by the others — for one submit, or one worker round (a sub-account
/// that changes its CRM or format meanwhile is seen so by the next round).
pub(super) type SharedRun<'a> = OnceCell<FormRun<'a>>;

impl Service {
    /// Runs the writebacks a submit just queued, holding the lease `held` the submit took, and
    /// reports each one's state after this first attempt.
    pub(crate) async fn run_submitted(
        &self,
        tenant: &Tenant,
        form_id: &FormId,
        kinds: &[WritebackKind],
        held: i64,
    ) -> AppResult<Vec<WritebackResult>> {
        let run = SharedRun::new();
        for kind in kinds {
            self.run_writeback(tenant, form_id, *kind, Some(held), &run).await?;
        }
        Ok(self.store.writeback_results(form_id).await?)
    }

    /// One round of the worker: runs the writebacks that are due (until the server stops).
    /// Returns how many it ran.
    pub async fn writeback_round(&self) -> StoreResult<usize> {
        let due = self.store.due_writebacks(BATCH).await?;
        let mut runs: HashMap<&FormId, SharedRun> = HashMap::new();
        let mut ran = 0;
        for job in &due {
            if self.stop.requested() {
                break;
            }
            let run = runs.entry(&job.form_id).or_default();
            // A job's sub-account is its form's, as stored when the form was submitted.
            let tenant = Tenant::for_server_work(job.sub_account_id.clone());
            if self.run_writeback(&tenant, &job.form_id, job.kind, None, run).await? {
                ran += 1;
            }
        }
        Ok(ran)
    }

    /// Runs rounds until the server stops.
    pub async fn run_writeback_worker(self) {
        jobs::run_worker("writebacks", &self.stop, POLL, None, || self.writeback_round()).await;
    }

    /// One attempt of one writeback, if it can be claimed. Returns whether it ran.
    pub(super) async fn run_writeback<'a>(
        &'a self,
        tenant: &Tenant,
        form_id: &FormId,
        kind: WritebackKind,
        held: Option<i64>,
        run: &SharedRun<'a>,
    ) -> StoreResult<bool> {
        let timing = self.options.jobs;
        let Some(attempt) = self.store.claim_writeback(form_id, kind, held, timing.lease_ms).await? else {
            return Ok(false);
        };
        let work = async {
            match self.attempt(tenant, form_id, kind, attempt, run).await {
                Ok(written) => Ok(Outcome::Done(written)),
                Err(Failure::Crm(CrmError::Unavailable(why))) => Ok(Outcome::Retry(why)),
                Err(Failure::Crm(error)) => Ok(Outcome::Fail(format!("{}.", sentence_case(&error.to_string())))),
                Err(Failure::Gone(what)) => Ok(Outcome::Fail(format!("{} no longer exists.", sentence_case(&what)))),
                Err(Failure::Store(error)) => Err(error),
            }
        };
        let next = timing.attempt(attempt.number, work).await.inspect_err(|error| {
            // The lease runs out and the worker tries again.
            tracing::error!(?kind, %form_id, %error, "writeback could not be run");
        })?;
        let finish = match next {
            Next::Done(written) => Finish::Succeeded { message: written.message, created_id: written.created_id },
            Next::RetryAt { why, at } => {
                let zone = self.store.sub_account(tenant.id()).await?.map(|s| s.time_zone).unwrap_or_default();
                let message = format!(
                    "Attempt {} of {} failed ({}); trying again at {}.",
                    attempt.number,
                    timing.max_attempts,
                    sentence_case(&why),
                    clock_ms(at, &zone)
                );
                tracing::warn!(?kind, %form_id, why, attempt = attempt.number, "writeback will be retried");
                Finish::Retry { message, at }
            }
            Next::Failed(message) => {
                tracing::warn!(?kind, %form_id, message, "writeback failed");
                Finish::Failed { message }
            }
            Next::GaveUp(why) => {
                let error = CrmError::Unavailable(why);
                tracing::warn!(?kind, %form_id, %error, "writeback failed");
                Finish::Failed { message: format!("Gave up after {} attempts: {error}.", timing.max_attempts) }
            }
        };
        if !self.store.finish_writeback(form_id, kind, attempt.fence, &finish).await? {
            // Only after a stall beyond the lease, which the attempt bound prevents: someone
            // else runs the writeback now, and what they record stands.
            tracing::error!(?kind, %form_id, "writeback attempt ended after losing its lease; its result is dropped");
            return Ok(false);
        }
        self.notifier.changed(tenant.id());
        Ok(true)
    }

    async fn attempt<'a>(
        &'a self,
        tenant: &Tenant,
        form_id: &FormId,
        kind: WritebackKind,
        attempt: Attempt,
        run: &SharedRun<'a>,
    ) -> Result<Written, Failure> {
        let run = run.get_or_try_init(|| self.load_run(tenant, form_id)).await?;
        let form = &run.form;
        let submitted_at = form.submitted_at.unwrap_or_else(now_ms);
        // The note's date and the task's due date are the submit's, however late a retry runs.
        let today = date_at(submitted_at, &run.zone);
        let cause = Cause::Form { form_id: form_id.clone(), user_id: form.submitted_by.clone() };
        let job = WritebackJob {
            sub_account: tenant.id(),
            contact_id: &form.contact_id,
            contact_name: &form.contact_name,
            opportunity_id: form.opportunity_id.as_ref(),
            pipeline_id: form.pipeline_id.as_deref(),
            template_name: &run.template_name,
            answers: &run.answers,
            writebacks: &run.writebacks,
            user_id: form.submitted_by.as_ref(),
            cause: &cause,
            today,
            task_due: next_day_at_nine(today, &run.zone),
            format: run.format,
        };
        let crm = run.crm;
        let claimed_by_others;
        let attempt = if attempt.after_another {
            claimed_by_others = self.store.created_on_contact(tenant, &form.contact_id).await?;
            writeback::Attempt::Again { claimed_by_others: &claimed_by_others }
        } else {
            writeback::Attempt::First
        };
        Ok(writeback::write(crm, &job, kind, attempt).await?)
    }

    async fn load_run(&self, tenant: &Tenant, form_id: &FormId) -> Result<FormRun<'_>, Failure> {
        let form = self.store.form(tenant, form_id).await?.ok_or_else(|| gone("the form"))?;
        let template = self
            .store
            .template_version(tenant, &form.template_id, form.template_version)
            .await?
            .ok_or_else(|| gone("the form's template version"))?;
        let row = self.store.sub_account(tenant.id()).await?.ok_or_else(|| gone("the sub-account"))?;
        let (answers, writebacks) = (form.clean_answers()?, form.writebacks()?);
        let crm = self
            .crm_for(tenant.id())
            .await
            .map_err(|_| CrmError::Unavailable("the store could not say which CRM this sub-account uses".to_owned()))?;
        Ok(FormRun {
            answers,
            writebacks,
            form,
            template_name: template.name,
            format: row.number_format(),
            zone: row.time_zone,
            crm,
        })
    }
}

/// Why an attempt did not succeed: the CRM's answer, something the writeback needs is gone
/// (both recorded), or the store failed (the lease runs out and the worker tries again).
enum Failure {
    Crm(CrmError),
    Gone(String),
    Store(StoreError),
}

impl From<CrmError> for Failure {
    fn from(error: CrmError) -> Self {
        Self::Crm(error)
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

fn gone(what: &str) -> Failure {
    Failure::Gone(what.to_owned())
}
