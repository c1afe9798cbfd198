//! The workflow engine's step runner. Runs start in the event's transaction (`db::runs`); each
//! step is then a job (`crate::jobs`, `db::steps`): a worker claims a due step, reads the
//! version its run is pinned to, and performs the action.
//!
//! - **OpsFlow's own writes** (the built-in CRM's records, forms, notifications, the branch's
//!   choice, a wait) happen in one transaction with the step's completion and the next step's
//!   creation, after the lease's fence is checked on the step's row: a step that is claimed
//!   twice (a worker died, a lease ran out) writes once, and a crash leaves nothing half-done.
//! - **Calls out** (webhooks) happen before that transaction; a retry carries the same
//!   `Idempotency-Key` (the step's id), so the receiver can tell a repeat.
//!
//! An attempt that may work later (a timeout, a 5xx, a 429, a busy database) is retried with
//! backoff; one that never will (refused, not found) fails the step and its run, which an admin
//! can retry from that step.

mod email;
mod outbound;
mod perform;
mod twilio;
mod webhook;

use app::model::workflow::run::Position;
use app::model::workflow::{ActionConfig, BranchPath, Workflow};
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;

use crate::crm::builtin::BuiltinCrm;
use crate::db::steps::ClaimedStep;
use crate::db::workflows::PinnedVersion;
use crate::db::{Store, StoreError, StoreResult, from_json, now_ms};
use crate::highlevel::secrets::SecretBox;
use crate::jobs::{self, JobTiming, Next, Outcome};
use crate::notify::Notifier;
use crate::supervise::Stop;

pub use twilio::TwilioClient;
pub use webhook::WebhookClient;

/// Steps a worker looks for at once.
const BATCH: i64 = 64;
/// How often a worker looks for due steps: new runs and ended waits start within this.
const POLL: Duration = Duration::from_millis(250);
/// What a lease must have left beyond an attempt's limit for a step to start on it.
const LEASE_MARGIN_MS: i64 = 5_000;

/// What the engine needs: the store, the built-in CRM it writes, who to tell about new forms,
/// and how it calls out.
#[derive(Clone)]
pub struct Engine {
    store: Store,
    crm: BuiltinCrm,
    notifier: Notifier,
    webhooks: WebhookClient,
    twilio: TwilioClient,
    secrets: Option<SecretBox>,
    mail_may_use_private_hosts: bool,
    timing: JobTiming,
}

/// How the engine runs and reaches out.
#[derive(Clone)]
pub struct EngineOptions {
    pub timing: JobTiming,
    pub webhooks_may_call_private_hosts: bool,
    pub mail_may_use_private_hosts: bool,
    pub twilio_api_base: String,
    /// Opens sub-accounts' SMTP passwords and Twilio tokens.
    pub secrets: Option<SecretBox>,
}

/// The trigger as the run's snapshot holds it.
#[derive(serde::Deserialize)]
struct Trigger {
    record: Map<String, Value>,
    #[serde(default)]
    previous: Map<String, Value>,
}

/// What a performed step comes to.
#[derive(Debug)]
enum Effect {
    /// Done, with what it did; the run goes on after it.
    Done(Value),
    /// A branch chose a path.
    Chose(BranchPath, Value),
    /// A wait sleeps until then (Unix ms).
    Sleep(i64),
    /// The run ends here: its workflow was deleted before a wait.
    Cancel,
}

/// Why a step did not do its work.
#[derive(Debug)]
enum Failure {
    /// It never will: refused, not found, not possible.
    Refused(String),
    /// It may later.
    Later(String),
    Store(crate::db::StoreError),
}

impl From<crate::db::StoreError> for Failure {
    fn from(error: crate::db::StoreError) -> Self {
        Failure::Store(error)
    }
}

impl From<sqlx::Error> for Failure {
    fn from(error: sqlx::Error) -> Self {
        Failure::Store(error.into())
    }
}

impl From<crate::crm::builtin::modules::RecordError> for Failure {
    fn from(error: crate::crm::builtin::modules::RecordError) -> Self {
        use crate::crm::builtin::modules::RecordError;
        match error {
            RecordError::Store(error) => Failure::Store(error),
            RecordError::NotFound(module) => Failure::Refused(format!("The record ({module}) no longer exists.")),
            refused => Failure::Refused(format!("The CRM refused: {refused}.")),
        }
    }
}

/// Every string of a JSON value filled in.
fn fill(value: &Value, text: &dyn Fn(&str) -> String) -> Value {
    match value {
        Value::String(s) => Value::String(text(s)),
        Value::Array(items) => Value::Array(items.iter().map(|item| fill(item, text)).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), fill(v, text))).collect()),
        other => other.clone(),
    }
}

impl Engine {
    pub fn new(store: Store, notifier: Notifier, options: EngineOptions) -> Self {
        Self {
            crm: BuiltinCrm::new(store.clone()),
            store,
            notifier,
            webhooks: WebhookClient::new(options.webhooks_may_call_private_hosts),
            twilio: TwilioClient::new(&options.twilio_api_base),
            secrets: options.secrets,
            mail_may_use_private_hosts: options.mail_may_use_private_hosts,
            timing: options.timing,
        }
    }

    /// Runs rounds until the server stops.
    pub async fn run_worker(self, stop: Stop) {
        jobs::run_worker("workflow steps", &stop, POLL, None, || self.round()).await;
    }

    /// Runs the steps that are due now (their leases taken together), a few at once; returns
    /// how many it took.
    pub async fn round(&self) -> StoreResult<usize> {
        use futures::StreamExt;
        let claimed = self.store.claim_due_steps(BATCH, self.timing.lease_ms).await?;
        let count = claimed.len();
        let failed = futures::stream::iter(claimed)
            .map(|step| async move {
                match self.keep_lease(step).await? {
                    Some(step) => self.run(step).await,
                    None => Ok(()),
                }
            })
            .buffer_unordered(self.parallel_steps())
            .filter_map(|outcome| async move { outcome.err() })
            .collect::<Vec<StoreError>>()
            .await;
        for error in failed {
            // Left to its lease: the step is tried again when that runs out.
            tracing::error!(%error, "a workflow step failed to run");
        }
        Ok(count)
    }

    /// A step claimed with others may wait its turn behind slow ones (webhooks): before it runs,
    /// its lease is renewed when less than an attempt's worth of it is left, so no other worker
    /// takes it while it runs. `None` when one already did.
    async fn keep_lease(&self, mut step: ClaimedStep) -> StoreResult<Option<ClaimedStep>> {
        let attempt_ms = i64::try_from(self.timing.attempt_limit.as_millis()).unwrap_or(i64::MAX);
        if step.lease_until - now_ms() > attempt_ms.saturating_add(LEASE_MARGIN_MS) {
            return Ok(Some(step));
        }
        Ok(self.store.renew_lease(&mut step, self.timing.lease_ms).await?.then_some(step))
    }

    /// Steps one worker runs at once: SQLite writes one transaction at a time, so more would
    /// only queue for its lock (and time out there); PostgreSQL runs them side by side.
    fn parallel_steps(&self) -> usize {
        match self.store.backend() {
            crate::db::Backend::Sqlite => 1,
            crate::db::Backend::Postgres => 8,
        }
    }

    /// Runs rounds until no step is due (tests and benchmarks drive the engine with this).
    pub async fn run_until_idle(&self) -> StoreResult<usize> {
        let mut total = 0;
        loop {
            match self.round().await? {
                0 => return Ok(total),
                n => total += n,
            }
        }
    }

    /// One attempt of a claimed step.
    async fn run(&self, step: ClaimedStep) -> StoreResult<()> {
        // Attempts that ended with no decision (the database failed, the process died or
        // panicked) are counted by their claims: past the bound, the step is given up.
        if step.attempt > self.timing.max_attempts {
            let why = format!(
                "Gave up after {} attempts that ended without an answer (the server stopped or its database failed).",
                step.attempt - 1
            );
            self.store.fail_step(&step, &why, &why, &Value::Null).await?;
            return Ok(());
        }
        let pinned = self.pinned_version(&step).await?;
        let Some(action) = pinned.workflow.actions.iter().find(|action| action.id == step.action_id) else {
            let why = format!("Version {} has no action {}.", step.run.workflow_version, step.action_id);
            self.store.fail_step(&step, &why, &why, &Value::Null).await?;
            return Ok(());
        };
        let config = match pinned.workflow.stored_config(action, &pinned.custom_fields, &pinned.answer_fields) {
            Ok(config) => config,
            Err(problems) => {
                let why = problems.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
                let run_error = format!("{} failed: {why}", action.action_type.label());
                // No input: the stored settings did not read, so nothing says which are secret.
                self.store.fail_step(&step, &why, &run_error, &Value::Null).await?;
                return Ok(());
            }
        };
        let trigger: Trigger = from_json(&step.run.trigger_snapshot)?;
        let step_run = StepRun { step: &step, pinned: &pinned, config: &config, trigger: &trigger };
        let input = step_run.input();
        let work = async {
            match self.attempt(&step_run, &input).await {
                Ok(()) => Ok(Outcome::Done(())),
                Err(Failure::Refused(why)) => Ok(Outcome::Fail(why)),
                Err(Failure::Later(why)) => Ok(Outcome::Retry(why)),
                Err(Failure::Store(error)) => Err(error),
            }
        };
        match self.timing.attempt(step.attempt, work).await? {
            Next::Done(()) => {}
            Next::RetryAt { why, at } => {
                self.store.retry_step(&step, &why, at, &input).await?;
            }
            Next::Failed(why) | Next::GaveUp(why) => {
                let run_error = format!("{} failed: {why}", action.action_type.label());
                self.store.fail_step(&step, &why, &run_error, &input).await?;
            }
        }
        Ok(())
    }

    /// The version the step's run is pinned to.
    async fn pinned_version(&self, step: &ClaimedStep) -> StoreResult<Arc<PinnedVersion>> {
        let mut conn = self.store.pool().acquire().await?;
        self.store.version(&mut conn, &step.run.workflow_id, step.run.workflow_version).await
    }

    /// Performs the step and records it with the next step, in one transaction (see the
    /// module's comment); a call out is made before it.
    async fn attempt(&self, run: &StepRun<'_>, input: &Value) -> Result<(), Failure> {
        let called = self.call_out(run).await?;
        let mut tx = self.store.begin().await?;
        if !self.store.hold_step(&mut tx, run.step).await? {
            // Someone else holds the step now: their attempt records it.
            return Ok(());
        }
        let effect = match called {
            Some(output) => Effect::Done(output),
            None => self.perform(&mut tx, run).await?,
        };
        let workflow = &run.pinned.workflow;
        let id = &run.step.action_id;
        // Open inboxes and bells show what a step made for people without a reload.
        let tells_people =
            matches!(run.config, ActionConfig::CreateForm { .. } | ActionConfig::SendNotification { .. });
        match effect {
            Effect::Done(output) => {
                let next = workflow.next_action(Position::After(id));
                self.store.complete_step(&mut tx, run.step, (input, &output), next).await?;
            }
            Effect::Chose(path, output) => {
                let next = workflow.next_action(Position::Chose(id, path));
                self.store.complete_step(&mut tx, run.step, (input, &output), next).await?;
            }
            Effect::Sleep(resume_at) => self.store.sleep_step(&mut tx, run.step, input, resume_at).await?,
            Effect::Cancel => self.store.cancel_step(&mut tx, run.step).await?,
        }
        tx.commit().await?;
        if tells_people {
            self.notifier.changed(&run.step.run.sub_account_id);
        }
        Ok(())
    }
}

/// One step being run: the claim, the version, its action's settings and the trigger.
struct StepRun<'a> {
    step: &'a ClaimedStep,
    pinned: &'a PinnedVersion,
    config: &'a ActionConfig,
    trigger: &'a Trigger,
}

impl StepRun<'_> {
    fn workflow(&self) -> &Workflow {
        &self.pinned.workflow
    }

    fn fields(&self) -> app::model::workflow::TriggerFields<'_> {
        let pinned = self.pinned;
        app::model::workflow::TriggerFields::new(
            self.workflow().trigger_module,
            &pinned.custom_fields,
            &pinned.answer_fields,
        )
    }
}
