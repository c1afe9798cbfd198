//! The workflow engine's step runner. Runs start in the event's transaction (`db::runs`); each
//! step is then a job (`crate::jobs`, `db::steps`): a worker claims a due step, reads the
//! version its run is pinned to, and performs the action.
//!
//! - **OpsFlow's own writes** (the built-in CRM's records, forms, notifications, the branch's
//!   choice, a wait) happen in one transaction with the step's completion and the next step's
//!   creation, which checks the lease's fence on the step's row (and takes everything back when
//!   the lease was lost): a step that is claimed twice (a worker died, a lease ran out) writes
//!   once, and a crash leaves nothing half-done.
//! - **Calls out** (webhooks, email, texts) happen before that transaction, beside the rounds
//!   in bounded, per-sub-account slots with a breaker per host (`calls`); a webhook's retry
//!   carries the same `Idempotency-Key` (the step's id), so the receiver can tell a repeat.
//!
//! How a round's steps share transactions (one for many on SQLite) is `round`'s business.
//!
//! An attempt that may work later (a timeout, a 5xx, a 429, a busy database) is retried with
//! backoff; one that never will (refused, not found) fails the step and its run, which an admin
//! can retry from that step.

mod calls;
mod email;
mod outbound;
mod perform;
mod round;
mod twilio;
mod webhook;

use app::model::workflow::{ActionConfig, BranchPath, Workflow};
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;

use crate::crm::builtin::BuiltinCrm;
use crate::db::steps::ClaimedStep;
use crate::db::workflows::PinnedVersion;
use crate::db::{Store, StoreResult};
use crate::highlevel::secrets::SecretBox;
use crate::jobs::{self, JobTiming};
use crate::notify::Notifier;
use crate::supervise::Stop;

pub use twilio::TwilioClient;
pub use webhook::WebhookClient;

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
    /// Calls in flight and hosts' breakers, shared by the engine's clones.
    calls: Arc<calls::Calls>,
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

/// How often each instance adds the runs it started and the API calls it took to the stored
/// per-minute counts, and reads every instance's (`db::minute_counts`): instances together may
/// pass the runs-per-minute budget and the API's rate by what they take in this time.
const RUN_COUNTS_EVERY: Duration = Duration::from_secs(1);
/// How often the queued steps are counted: a burst may pass that budget by what one
/// sub-account queues in this time.
const QUEUE_COUNT_EVERY: Duration = Duration::from_secs(5);

/// Keeps the budgets' counts (`db::budgets`) and the API's calls a minute until the server stops.
pub async fn run_budget_counter(store: Store, stop: Stop) {
    let counted = std::sync::Mutex::new(None::<std::time::Instant>);
    jobs::run_worker("budget counts", &stop, RUN_COUNTS_EVERY, None, || async {
        store.sync_minute_counts().await?;
        let due = counted
            .lock()
            .map(|mut last| {
                let due = last.is_none_or(|at| at.elapsed() >= QUEUE_COUNT_EVERY);
                if due {
                    *last = Some(std::time::Instant::now());
                }
                due
            })
            .unwrap_or(true);
        if due {
            store.count_queued_steps().await?;
        }
        Ok(0)
    })
    .await;
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
            calls: Arc::default(),
        }
    }

    /// Runs rounds until the server stops.
    pub async fn run_worker(self, stop: Stop) {
        jobs::run_worker("workflow steps", &stop, POLL, None, || self.round()).await;
        // The calls in flight finish (within the server's drain timeout).
        while self.calls.in_flight() > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Runs rounds until no step is due and every call it started has ended (tests and
    /// benchmarks drive the engine with this); how many steps it claimed.
    pub async fn run_until_idle(&self) -> StoreResult<usize> {
        let mut total = 0;
        loop {
            match self.round().await? {
                0 if self.calls.in_flight() == 0 && !self.calls.put_off_pending() => return Ok(total),
                // A call is still in flight, or a step put off is not due yet.
                0 => tokio::time::sleep(Duration::from_millis(10)).await,
                n => total += n,
            }
        }
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
