//! Password guessing, slowed down. Every password check runs Argon2, which is slow and
//! memory-hungry on purpose (19 MiB a hash): at most one per core runs at a time, and a crowd
//! of sign-ins beyond a short queue is told to come back instead of piling up in memory.
//! Attempts are counted before the password is checked (a burst sent at once counts whole), and
//! a right password takes its attempt back. From the fifth attempt for one account, or the
//! twentieth from one client address, each further try must wait twice as long as the last
//! (1 s, 2 s, 4 s... up to 15 minutes) and one try goes ahead per wait, whether the email exists
//! or not, so the answer says nothing about which accounts exist. Attempts are forgotten a day
//! after the last one.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Attempts for one account that go ahead at once. One person mistyping stays under it.
pub const ACCOUNT_ATTEMPTS: i64 = 5;
/// Attempts from one address that go ahead at once: an office behind one address has many people.
pub const ADDRESS_ATTEMPTS: i64 = 20;
/// A key's attempts are forgotten this long after its last one — longer than the longest wait,
/// so waiting it out does not start the count over.
pub const FORGET_AFTER_MS: i64 = 24 * 3600 * 1000;
const MAX_DELAY_MS: i64 = 15 * 60 * 1000;

/// The wait the `attempts`-th attempt starts, when `allowed` go ahead freely (none before the
/// `allowed`-th).
pub fn delay_ms(attempts: i64, allowed: i64) -> Option<i64> {
    let over = attempts.checked_sub(allowed).filter(|over| *over >= 0)?;
    Some(1000_i64.saturating_mul(1_i64 << over.min(20)).min(MAX_DELAY_MS))
}

/// Whole seconds to wait for `ms` milliseconds (at least one).
pub fn retry_after_seconds(ms: i64) -> u64 {
    u64::try_from((ms + 999) / 1000).unwrap_or(1).max(1)
}

/// Bounds the password checks running at once, and the queue waiting for them.
#[derive(Clone, Debug)]
pub struct PasswordChecks {
    running: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
}

impl Default for PasswordChecks {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self::new(cores, cores * 16)
    }
}

impl PasswordChecks {
    pub fn new(at_once: usize, max_waiting: usize) -> Self {
        Self { running: Arc::new(Semaphore::new(at_once)), waiting: Arc::default(), max_waiting }
    }

    /// Runs `check` on a blocking thread once a slot is free; `None` when the queue is full.
    pub async fn run<T: Send + 'static>(&self, check: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let permit = {
            // Leaves the queue however the wait ends, a dropped request's included.
            let _place = Waiting::join(&self.waiting, self.max_waiting)?;
            self.running.clone().acquire_owned().await.ok()?
        };
        let result = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            check()
        })
        .await;
        result.ok()
    }
}

/// At most `limit` requests a `window` per key (a client address), in this process: for routes
/// that cost something whoever calls them (decrypting an SSO context, asking HighLevel about
/// the user).
#[derive(Debug)]
pub struct RequestRate {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
    limit: u32,
    window: Duration,
}

impl RequestRate {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self { windows: Mutex::default(), limit, window }
    }

    /// Counts a request for `key`: `Err` with the seconds to wait when it is over the limit.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > 10_000 {
            windows.retain(|_, (started, _)| now.duration_since(*started) < self.window);
        }
        let (started, count) = windows.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(*started) >= self.window {
            (*started, *count) = (now, 0);
        }
        *count += 1;
        if *count > self.limit {
            let left = self.window.saturating_sub(now.duration_since(*started));
            return Err(left.as_secs().max(1));
        }
        Ok(())
    }
}

/// A place in the queue, given back when dropped.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn join(waiting: &'a AtomicUsize, max: usize) -> Option<Self> {
        let place = Waiting(waiting);
        (waiting.fetch_add(1, Ordering::SeqCst) < max).then_some(place)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]

    use super::*;

    #[test]
    fn a_key_over_its_rate_waits_for_its_window_and_others_do_not() {
        let rate = RequestRate::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert_eq!(rate.check("10.0.0.1"), Ok(()));
        }
        assert!(matches!(rate.check("10.0.0.1"), Err(wait) if (59..=60).contains(&wait)));
        assert_eq!(rate.check("10.0.0.2"), Ok(()));
    }

    #[test]
    fn each_failure_past_the_allowance_doubles_the_wait() {
        assert_eq!(delay_ms(4, 5), None);
        assert_eq!(delay_ms(5, 5), Some(1000));
        assert_eq!(delay_ms(6, 5), Some(2000));
        assert_eq!(delay_ms(9, 5), Some(16_000));
        assert_eq!(delay_ms(40, 5), Some(MAX_DELAY_MS));
        assert_eq!(delay_ms(i64::MAX, 5), Some(MAX_DELAY_MS));
        assert_eq!((retry_after_seconds(1), retry_after_seconds(1000), retry_after_seconds(1001)), (1, 1, 2));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn checks_run_at_most_n_at_once_and_the_queue_is_bounded() {
        let checks = PasswordChecks::new(2, 4);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let attempts = (0..20).map(|_| {
            let (checks, running, most) = (checks.clone(), running.clone(), most.clone());
            tokio::spawn(async move {
                checks
                    .run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(50));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
            })
        });
        let outcomes = futures::future::join_all(attempts).await;
        let done = outcomes.iter().filter(|outcome| matches!(outcome, Ok(Some(())))).count();
        assert!(most.load(Ordering::SeqCst) <= 2, "at most two at once");
        assert!((2..=6).contains(&done), "two running and four waiting at most get through: {done}");
        assert_eq!(checks.waiting.load(Ordering::SeqCst), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_dropped_while_waiting_gives_its_place_back() {
        let checks = PasswordChecks::new(1, 2);
        let busy = tokio::spawn({
            let checks = checks.clone();
            async move { checks.run(|| std::thread::sleep(Duration::from_millis(300))).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        for _ in 0..10 {
            // Waits for the slot, and is dropped (a client that went away) before it gets it.
            let waited = tokio::time::timeout(Duration::from_millis(10), checks.run(|| ())).await;
            assert!(waited.is_err());
        }
        assert_eq!(checks.waiting.load(Ordering::SeqCst), 0);
        busy.await.unwrap();
        assert_eq!(checks.run(|| 7).await, Some(7), "the queue is open again");
    }
}
