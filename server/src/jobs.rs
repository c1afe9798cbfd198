//! The job runner: what every durable background job shares — writebacks, stored webhooks and
//! the workflow engine's steps.
//!
//! A job is a row its store module can **claim** and **finish**:
//! - *claim* is one conditional update that takes the row's lease (until now + `lease_ms`) and
//!   counts the attempt in a count that only ever grows; its new value is the lease's **fence**.
//!   Of several instances asking at once, one gets the row. (Writebacks keep that count in
//!   `total_attempts`: their `attempts` starts again at an admin's retry, and a fence that can
//!   repeat would let an old attempt finish a new one.)
//! - *finish* records the outcome only while the row's count still equals the fence: an attempt
//!   that outlived its lease (someone else claimed the row since, counting again) changes nothing.
//!
//! Between the two, [`JobTiming::attempt`] runs the job's work **bounded** (shorter than the lease,
//! so an attempt never runs on after losing it) and decides what comes [`Next`]: done, another
//! try after a **backoff** (exponential, with jitter), or failed — refused, or out of attempts.
//! [`run_worker`] runs a job kind's rounds until the server stops, and `supervise` **restarts** a
//! worker that panics or returns.
//!
//! A new kind of job needs a table with a lease and an attempt count, its claim and finish
//! queries, and a round: claim, `attempt`, finish.

use rand::Rng;
use std::future::Future;
use std::time::Duration;
use tokio::sync::Notify;

use crate::db::{StoreError, now_ms};
use crate::supervise::Stop;

/// A job kind's lease, the bound on one attempt, and how many attempts it gets. The bound is
/// shorter than the lease, so an attempt stuck on a CRM that never answers is cut off while it
/// still holds the job: nobody else can start the job meanwhile, and it never finishes after
/// someone else did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobTiming {
    pub lease_ms: i64,
    pub attempt_limit: Duration,
    pub max_attempts: i64,
}

impl JobTiming {
    /// Writebacks: ten attempts, about 35 minutes of retries (then an admin can retry).
    pub const WRITEBACKS: JobTiming =
        JobTiming { lease_ms: 120_000, attempt_limit: Duration::from_secs(90), max_attempts: 10 };
    /// Stored HighLevel webhooks: eight attempts, about nine minutes.
    pub const WEBHOOKS: JobTiming =
        JobTiming { lease_ms: 120_000, attempt_limit: Duration::from_secs(90), max_attempts: 8 };
    /// Workflow steps: eight attempts, about four minutes of retries; an attempt is cut off
    /// after 40 s (a webhook waits at most 30 s).
    pub const STEPS: JobTiming =
        JobTiming { lease_ms: 60_000, attempt_limit: Duration::from_secs(40), max_attempts: 8 };

    /// Runs attempt `number` (from 1) of a claimed job and decides what comes next. `work`
    /// returning an error (the store failed) ends the attempt without a decision: the job is
    /// left to its lease, and tried again when that runs out.
    pub async fn attempt<T, E>(
        &self,
        number: i64,
        work: impl Future<Output = Result<Outcome<T>, E>>,
    ) -> Result<Next<T>, E> {
        let outcome = match tokio::time::timeout(self.attempt_limit, work).await {
            Ok(outcome) => outcome?,
            Err(_) => Outcome::Retry(format!("no answer within {}", duration_text(self.attempt_limit))),
        };
        Ok(self.decide(number, outcome))
    }

    /// What follows the `number`-th attempt, given what it came to.
    pub fn decide<T>(&self, number: i64, outcome: Outcome<T>) -> Next<T> {
        match outcome {
            Outcome::Done(value) => Next::Done(value),
            Outcome::Fail(why) => Next::Failed(why),
            Outcome::Retry(why) if number >= self.max_attempts => Next::GaveUp(why),
            Outcome::Retry(why) => Next::RetryAt { why, at: now_ms() + backoff_ms(number) },
        }
    }
}

/// What one attempt of a job came to, as the job's own code says.
#[derive(Debug, PartialEq)]
pub enum Outcome<T> {
    Done(T),
    /// Worth another attempt later (the CRM unavailable, rate-limited, slow).
    Retry(String),
    /// Will never work (refused, not found, malformed).
    Fail(String),
}

/// What the runner decided after an attempt: the job's finish records it.
#[derive(Debug, PartialEq)]
pub enum Next<T> {
    Done(T),
    /// Pending again, due at `at` (Unix ms).
    RetryAt {
        why: String,
        at: i64,
    },
    /// Refused: failed at once.
    Failed(String),
    /// It kept failing in a way worth retrying, and had all its attempts.
    GaveUp(String),
}

/// 2ⁿ seconds after the n-th failed attempt (capped at an hour), plus up to a quarter more at
/// random, so jobs that failed together do not all come back together.
pub fn backoff_ms(attempt: i64) -> i64 {
    let base = 1000_i64.saturating_mul(1_i64 << attempt.clamp(0, 12)).min(3_600_000);
    base + rand::thread_rng().gen_range(0..=base / 4)
}

/// Runs a job kind's `round` (which returns how many jobs it took) until the server stops: at
/// once again after a round that found work, otherwise after `poll` — or sooner, when `wake`
/// is notified (a new job stored). A round that fails is logged and the loop goes on.
pub async fn run_worker<F, Fut>(name: &'static str, stop: &Stop, poll: Duration, wake: Option<&Notify>, round: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<usize, StoreError>>,
{
    while !stop.requested() {
        match round().await {
            Ok(taken) if taken > 0 => continue,
            Ok(_) => {}
            Err(error) => tracing::error!(%error, worker = name, "job round failed"),
        }
        let woken = async {
            match wake {
                Some(wake) => wake.notified().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = tokio::time::sleep(poll) => {}
            () = woken => {}
            () = stop.wait() => return,
        }
    }
}

/// `90 s`, or `500 ms` when not whole seconds.
fn duration_text(duration: Duration) -> String {
    let ms = duration.as_millis();
    if ms.is_multiple_of(1000) { format!("{} s", ms / 1000) } else { format!("{ms} ms") }
}

#[cfg(test)]
#[expect(clippy::expect_used, reason = "a test stops at the first surprise")]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn backoff_grows_exponentially_with_jitter_and_a_cap() {
        for attempt in 1..=20 {
            let base = (1000_i64 << attempt.min(12)).min(3_600_000);
            let delay = backoff_ms(attempt);
            assert!(delay >= base && delay <= base + base / 4, "attempt {attempt}: {delay}");
        }
    }

    fn timing(max_attempts: i64) -> JobTiming {
        JobTiming { lease_ms: 1_000, attempt_limit: Duration::from_millis(50), max_attempts }
    }

    #[tokio::test]
    async fn an_attempt_ends_done_retried_failed_or_given_up() {
        let run = |number, outcome: Outcome<u8>| async move {
            timing(3).attempt(number, async { Ok::<_, StoreError>(outcome) }).await.map_err(|e| e.to_string())
        };
        assert_eq!(run(1, Outcome::Done(7)).await, Ok(Next::Done(7)));
        assert_eq!(run(1, Outcome::Fail("refused".into())).await, Ok(Next::Failed("refused".into())));
        let before = now_ms();
        match run(2, Outcome::Retry("503".into())).await {
            Ok(Next::RetryAt { why, at }) => {
                assert_eq!(why, "503");
                assert!(at >= before + 4_000 && at <= now_ms() + 5_000, "the second retry waits 4 to 5 s: {at}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(run(3, Outcome::Retry("503".into())).await, Ok(Next::GaveUp("503".into())));
    }

    #[tokio::test]
    async fn a_stuck_attempt_is_cut_off_and_retried() {
        let stuck = std::future::pending::<Result<Outcome<()>, StoreError>>();
        match timing(3).attempt(1, stuck).await {
            Ok(Next::RetryAt { why, .. }) => assert_eq!(why, "no answer within 50 ms"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_store_failure_leaves_the_job_to_its_lease() {
        let failed = async { Err::<Outcome<()>, _>(StoreError::Corrupt("row".into())) };
        assert!(matches!(timing(3).attempt(1, failed).await, Err(StoreError::Corrupt(_))));
    }

    #[tokio::test]
    async fn a_worker_runs_rounds_until_it_is_stopped_and_wakes_when_told() {
        let (switch, stop) = crate::supervise::StopSwitch::new();
        let wake = Arc::new(Notify::new());
        let rounds = Arc::new(AtomicUsize::new(0));
        let worker = {
            let (rounds, wake) = (rounds.clone(), wake.clone());
            tokio::spawn(async move {
                let round = || {
                    let rounds = rounds.clone();
                    async move {
                        // Work in the first two rounds, then none: the worker waits.
                        let n = rounds.fetch_add(1, Ordering::SeqCst);
                        if n == 3 { Err(StoreError::Corrupt("once".into())) } else { Ok(usize::from(n < 2)) }
                    }
                };
                run_worker("test", &stop, Duration::from_secs(3600), Some(&wake), round).await;
            })
        };
        while rounds.load(Ordering::SeqCst) < 3 {
            tokio::task::yield_now().await;
        }
        // Waiting an hour unless woken: a wake-up runs a round (which fails, and is logged)...
        wake.notify_one();
        while rounds.load(Ordering::SeqCst) < 4 {
            tokio::task::yield_now().await;
        }
        // ...and a stop ends the worker without waiting out its poll.
        switch.stop();
        tokio::time::timeout(Duration::from_secs(5), worker).await.expect("the worker stops").expect("no panic");
    }
}
