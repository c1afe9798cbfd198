//! Password guessing, slowed down. Every password check runs Argon2, which is slow and
//! memory-hungry on purpose (19 MiB a hash): at most one per core runs at a time, and a crowd
//! of sign-ins beyond a short queue is told to come back instead of piling up in memory.
//! Past a few failures for one account, or many for one client address, each further try waits
//! twice as long as the last (1 s, 2 s, 4 s... up to 15 minutes), whether the email exists or
//! not, so the answer says nothing about which accounts exist.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Failures of one account before it waits. One person mistyping stays under it.
pub const ACCOUNT_FAILURES: i64 = 5;
/// Failures from one address before it waits: an office behind one address has many people.
pub const ADDRESS_FAILURES: i64 = 20;
/// Failures older than this are forgotten.
pub const FORGET_AFTER_MS: i64 = 15 * 60 * 1000;
const MAX_DELAY_MS: i64 = 15 * 60 * 1000;

/// How long to block after the `failures`-th failure, when `allowed` come free.
pub fn delay_ms(failures: i64, allowed: i64) -> Option<i64> {
    let over = failures.checked_sub(allowed).filter(|over| *over >= 0)?;
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
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        let permit = self.running.clone().acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let permit = permit.ok()?;
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

#[cfg(test)]
mod tests {
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
    }
}
