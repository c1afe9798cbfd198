//! A round: the steps due now, claimed together, then run and recorded.
//!
//! - On **PostgreSQL** each step is a transaction of its own, a few at once: its writers work
//!   side by side, and one step's locks never hold up another's.
//! - On **SQLite**, where one writer commits at a time and every commit waits for the disk, the
//!   steps that only write OpsFlow's own data are recorded in **one transaction**, each inside
//!   a savepoint: a step that fails takes back its own writes and records its failure, the
//!   others stand, and the round pays for one commit instead of one per step. When another
//!   writer waits (an event's caller, a person saving), the steps done so far are committed and
//!   the rest queue behind it: the engine's work is the one that can wait. Steps that call out
//!   still commit one by one after their call, so a slow webhook never holds the write lock.
//!
//! Either way a step's effect and its completion commit together, and only if its fence holds
//! (`Store::complete_step`): grouping changes how many steps share a commit, not what one
//! promises.

use app::model::SubAccountId;
use app::model::workflow::ActionConfig;
use app::model::workflow::run::Position;
use serde_json::Value;
use sqlx::AnyConnection;
use std::sync::Arc;

use super::calls::{BREAKER_FAILURES, BUSY_PUT_OFF_MS};
use super::{Effect, Engine, Failure, LEASE_MARGIN_MS, StepRun, Trigger};
use crate::db::steps::ClaimedStep;
use crate::db::workflows::PinnedVersion;
use crate::db::{Backend, StoreError, StoreResult, WriteTx, from_json, now_ms};
use crate::jobs::{Next, Outcome};
use crate::time::rfc3339_ms;

/// Steps a worker looks for at once.
const BATCH: i64 = 64;

/// A claimed step made ready to run, or the reason it cannot.
enum Prepared {
    Ready(Ready),
    /// It fails without an attempt: out of attempts, or its action or settings do not read.
    Unrunnable {
        step: ClaimedStep,
        why: String,
        run_error: String,
    },
}

/// What a step needs to run: its claim, the version its run is pinned to, its action's
/// settings, the trigger and the settings as this run fills them in (the step's `input`).
struct Ready {
    step: ClaimedStep,
    pinned: Arc<PinnedVersion>,
    label: &'static str,
    config: ActionConfig,
    trigger: Trigger,
    input: Value,
}

impl Ready {
    fn run(&self) -> StepRun<'_> {
        StepRun { step: &self.step, pinned: &self.pinned, config: &self.config, trigger: &self.trigger }
    }
}

/// What recording a step came to.
#[derive(PartialEq)]
enum Recorded {
    Done,
    /// Done, and open inboxes and bells are to show what it made.
    TellPeople,
    /// Another attempt holds the step now: what this one wrote is to be taken back.
    Lost,
}

/// Open inboxes and bells show what a step made for people without a reload.
fn tells_people(config: &ActionConfig) -> bool {
    matches!(config, ActionConfig::CreateForm { .. } | ActionConfig::SendNotification { .. })
}

impl Engine {
    /// Runs the steps that are due now (their leases taken together); returns how many it took.
    pub async fn round(&self) -> StoreResult<usize> {
        let claimed = self.store.claim_due_steps(BATCH, self.timing.lease_ms, &self.calls.busy()).await?;
        let count = claimed.len();
        self.run_claimed(claimed).await;
        Ok(count)
    }

    /// Runs steps this worker claimed, as a round does (tests claim steps themselves to take
    /// some from under a round): calls out are started beside it, in slots (`calls`), and those
    /// whose sub-account has no slot free are put off a moment.
    pub async fn run_claimed(&self, claimed: Vec<ClaimedStep>) {
        let (calling, internal): (Vec<_>, Vec<_>) = claimed.into_iter().partition(|step| step.calls_out);
        let mut no_slot = Vec::new();
        for step in calling {
            match self.calls.take(&step.run.sub_account_id) {
                Some(slot) => {
                    let engine = self.clone();
                    tokio::spawn(async move {
                        left_to_lease(engine.run_alone(step).await);
                        drop(slot);
                    });
                }
                None => no_slot.push(step),
            }
        }
        if !no_slot.is_empty() {
            let at = now_ms() + BUSY_PUT_OFF_MS;
            left_to_lease(self.store.put_off(&no_slot, at, None).await);
            self.calls.put_off_to(at);
        }
        match self.store.backend() {
            Backend::Sqlite => self.run_together(internal).await,
            Backend::Postgres => self.run_side_by_side(internal).await,
        }
    }

    /// PostgreSQL: each step alone, eight at once.
    async fn run_side_by_side(&self, claimed: Vec<ClaimedStep>) {
        use futures::StreamExt;
        futures::stream::iter(claimed)
            .for_each_concurrent(8, |step| async move {
                left_to_lease(self.run_alone(step).await);
            })
            .await;
    }

    /// SQLite: the steps in one transaction.
    async fn run_together(&self, claimed: Vec<ClaimedStep>) {
        let mut together = Vec::with_capacity(claimed.len());
        for step in claimed {
            match self.prepare(step).await {
                Ok(prepared) => together.push(prepared),
                Err(error) => left_to_lease(Err(error)),
            }
        }
        left_to_lease(self.record_together(together).await);
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

    /// Reads what a claimed step needs to run. Attempts that ended with no decision (the
    /// database failed, the process died or panicked) are counted by their claims: past the
    /// bound, the step is given up.
    async fn prepare(&self, step: ClaimedStep) -> StoreResult<Prepared> {
        if step.attempt > self.timing.max_attempts {
            let why = format!(
                "Gave up after {} attempts that ended without an answer (the server stopped or its database failed).",
                step.attempt - 1
            );
            return Ok(Prepared::Unrunnable { step, run_error: why.clone(), why });
        }
        let pinned = self.pinned_version(&step).await?;
        let Some(action) = pinned.workflow.actions.iter().find(|action| action.id == step.action_id) else {
            let why = format!("Version {} has no action {}.", step.run.workflow_version, step.action_id);
            return Ok(Prepared::Unrunnable { step, run_error: why.clone(), why });
        };
        let label = action.action_type.label();
        let config = match pinned.workflow.stored_config(action, &pinned.custom_fields, &pinned.answer_fields) {
            Ok(config) => config,
            Err(problems) => {
                let why = problems.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
                let run_error = format!("{label} failed: {why}");
                return Ok(Prepared::Unrunnable { step, why, run_error });
            }
        };
        let trigger: Trigger = from_json(&step.run.trigger_snapshot)?;
        let mut ready = Ready { step, pinned, label, config, trigger, input: Value::Null };
        ready.input = ready.run().input();
        Ok(Prepared::Ready(ready))
    }

    /// The version the step's run is pinned to (versions never change: read once).
    async fn pinned_version(&self, step: &ClaimedStep) -> StoreResult<Arc<PinnedVersion>> {
        let (workflow, version) = (&step.run.workflow_id, step.run.workflow_version);
        if let Some(pinned) = self.store.cached_version(workflow, version) {
            return Ok(pinned);
        }
        let mut conn = self.store.pool().acquire().await?;
        self.store.version(&mut conn, workflow, version).await
    }

    /// One attempt of a claimed step, in transactions of its own. (Its settings are read here,
    /// after its turn came: a step that waited behind slow calls renews its claim first.)
    async fn run_alone(&self, step: ClaimedStep) -> StoreResult<()> {
        let Some(step) = self.keep_lease(step).await? else { return Ok(()) };
        let ready = match self.prepare(step).await? {
            Prepared::Ready(ready) => ready,
            Prepared::Unrunnable { step, why, run_error } => {
                let mut tx = self.store.begin().await?;
                self.store.fail_step(&mut tx, &step, &why, &run_error, &Value::Null).await?;
                return Ok(tx.commit().await?);
            }
        };
        let run = ready.run();
        let host = if ready.step.calls_out { self.host_of(&run).await } else { None };
        if let Some(host) = &host
            && let Some(until) = self.calls.paused_until(host, now_ms())
        {
            // Spread over a second, so the calls put off do not all come back at once.
            let at = until + rand::Rng::gen_range(&mut rand::thread_rng(), 0..1_000);
            let why = format!(
                "Calls to {host} are paused until {} ({BREAKER_FAILURES} calls in a row got no answer): this step \
                 waits, without using an attempt.",
                rfc3339_ms(until)
            );
            self.store.put_off(std::slice::from_ref(&ready.step), at, Some(&why)).await?;
            return Ok(());
        }
        let work = async {
            let called = self.call_out(&run).await?;
            let mut tx = self.store.begin().await?;
            let recorded = self.record(&mut tx, &run, &ready.input, called).await?;
            if recorded == Recorded::Lost {
                return Ok(tx.rollback().await?);
            }
            tx.commit().await?;
            if recorded == Recorded::TellPeople {
                self.notifier.changed(&ready.step.run.sub_account_id);
            }
            Ok(())
        };
        let next = self.timing.attempt(ready.step.attempt, async { outcome_of(work.await) }).await?;
        if let Some(host) = &host {
            let answered = !matches!(next, Next::RetryAt { .. } | Next::GaveUp(_));
            if let Some(until) = self.calls.ended(host, answered, now_ms()) {
                tracing::warn!(host, until = %rfc3339_ms(until), "calls to a host that does not answer are paused");
            }
        }
        if !matches!(next, Next::Done(())) {
            let mut tx = self.store.begin().await?;
            self.record_unfinished(&mut tx, &ready, next).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Performs and records steps that call nothing out, in one transaction with a savepoint
    /// for each (see the module's comment).
    async fn record_together(&self, steps: Vec<Prepared>) -> StoreResult<()> {
        if steps.is_empty() {
            return Ok(());
        }
        let mut tx = self.store.begin().await?;
        let mut told: Vec<SubAccountId> = Vec::new();
        for (n, prepared) in steps.into_iter().enumerate() {
            if n > 0 && tx.others_waiting() {
                // Someone waits to write (an event's caller, a person saving): what is done so
                // far is committed, and the rest of the round queues behind them.
                tx.commit().await?;
                self.tell(&mut told);
                tx = self.store.begin().await?;
            }
            // Never released: each step's savepoint shadows the one before (both databases allow
            // a name again), `ROLLBACK TO` goes back to the newest, and the commit ends them all
            // — one statement a step instead of two.
            sqlx::query("SAVEPOINT step").execute(&mut *tx).await?;
            match self.record_in_group(&mut tx, prepared).await {
                Ok(Some(sub_account)) if !told.contains(&sub_account) => told.push(sub_account),
                Ok(_) => {}
                Err(error) => {
                    // The step is left to its lease; the others stand.
                    take_back(&mut tx).await?;
                    left_to_lease(Err(error));
                }
            }
        }
        tx.commit().await?;
        self.tell(&mut told);
        Ok(())
    }

    /// One step of a shared transaction, after its savepoint: performed and recorded, or its
    /// writes taken back and its failure recorded in their place. The sub-account whose people
    /// are to be told, if any; an error leaves the step to its lease.
    async fn record_in_group(&self, tx: &mut WriteTx, prepared: Prepared) -> StoreResult<Option<SubAccountId>> {
        let ready = match prepared {
            Prepared::Ready(ready) => ready,
            Prepared::Unrunnable { step, why, run_error } => {
                self.store.fail_step(tx, &step, &why, &run_error, &Value::Null).await?;
                return Ok(None);
            }
        };
        let failure = match self.record(tx, &ready.run(), &ready.input, None).await {
            Ok(Recorded::Done) => return Ok(None),
            Ok(Recorded::TellPeople) => return Ok(Some(ready.step.run.sub_account_id.clone())),
            Ok(Recorded::Lost) => {
                take_back(tx).await?;
                return Ok(None);
            }
            Err(failure) => failure,
        };
        // What it wrote is taken back, whatever it was; what it failed with is recorded instead.
        take_back(tx).await?;
        let next = self.timing.decide(ready.step.attempt, outcome_of(Err(failure))?);
        self.record_unfinished(tx, &ready, next).await?;
        Ok(None)
    }

    /// Tells open inboxes and bells of the sub-accounts whose people a commit made something for.
    fn tell(&self, told: &mut Vec<SubAccountId>) {
        for sub_account in told.drain(..) {
            self.notifier.changed(&sub_account);
        }
    }

    /// Performs a step (or takes a call's output) and records its effect with the next step,
    /// on `conn`'s transaction.
    async fn record(
        &self,
        conn: &mut AnyConnection,
        run: &StepRun<'_>,
        input: &Value,
        called: Option<Value>,
    ) -> Result<Recorded, Failure> {
        let effect = match called {
            Some(output) => Effect::Done(output),
            None => self.perform(conn, run).await?,
        };
        let workflow = &run.pinned.workflow;
        let id = &run.step.action_id;
        let held = match effect {
            Effect::Done(output) => {
                let next = workflow.next_action(Position::After(id));
                self.store.complete_step(conn, run.step, (input, &output), next).await?
            }
            Effect::Chose(path, output) => {
                let next = workflow.next_action(Position::Chose(id, path));
                self.store.complete_step(conn, run.step, (input, &output), next).await?
            }
            Effect::Sleep(resume_at) => self.store.sleep_step(conn, run.step, input, resume_at).await?,
        };
        Ok(match held {
            false => Recorded::Lost,
            true if tells_people(run.config) => Recorded::TellPeople,
            true => Recorded::Done,
        })
    }

    /// Records an attempt that did not finish the step: due again later, or failed with its run.
    async fn record_unfinished(&self, conn: &mut AnyConnection, ready: &Ready, next: Next<()>) -> StoreResult<()> {
        let step = &ready.step;
        match next {
            Next::Done(()) => {}
            Next::RetryAt { why, at } => {
                self.store.retry_step(conn, step, &why, at, &ready.input).await?;
            }
            Next::Failed(why) | Next::GaveUp(why) => {
                let run_error = format!("{} failed: {why}", ready.label);
                self.store.fail_step(conn, step, &why, &run_error, &ready.input).await?;
            }
        }
        Ok(())
    }
}

/// Takes back what was written since the last `SAVEPOINT step`: the current step's writes.
async fn take_back(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    sqlx::query("ROLLBACK TO step").execute(conn).await?;
    Ok(())
}

/// What an attempt came to, as the job runner reads it; a store error decides nothing.
fn outcome_of(attempt: Result<(), Failure>) -> Result<Outcome<()>, StoreError> {
    match attempt {
        Ok(()) => Ok(Outcome::Done(())),
        Err(Failure::Refused(why)) => Ok(Outcome::Fail(why)),
        Err(Failure::Later(why)) => Ok(Outcome::Retry(why)),
        Err(Failure::Store(error)) => Err(error),
    }
}

/// A step whose attempt failed in the store is tried again when its lease runs out.
fn left_to_lease(outcome: StoreResult<()>) {
    if let Err(error) = outcome {
        tracing::error!(%error, "a workflow step failed to run");
    }
}
