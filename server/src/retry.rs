//! When to try again: the backoff shared by the jobs that call HighLevel (stored webhooks and
//! writebacks), and how long one attempt may hold its job.

use rand::Rng;
use std::time::Duration;

/// A job's lease, and the bound on one attempt. The bound is shorter than the lease, so an
/// attempt stuck on a CRM that never answers is cut off while it still holds the job: nobody
/// else can start the job meanwhile, and it never finishes after someone else did.
#[derive(Clone, Copy, Debug)]
pub struct JobTiming {
    pub lease_ms: i64,
    pub attempt_limit: Duration,
}

impl Default for JobTiming {
    fn default() -> Self {
        Self { lease_ms: 120_000, attempt_limit: Duration::from_secs(90) }
    }
}

/// 2ⁿ seconds after the n-th failed attempt (capped at an hour), plus up to a quarter more at
/// random, so jobs that failed together do not all come back together.
pub fn backoff_ms(attempt: i64) -> i64 {
    let base = 1000_i64.saturating_mul(1_i64 << attempt.clamp(0, 12)).min(3_600_000);
    base + rand::thread_rng().gen_range(0..=base / 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_with_jitter_and_a_cap() {
        for attempt in 1..=20 {
            let base = (1000_i64 << attempt.min(12)).min(3_600_000);
            let delay = backoff_ms(attempt);
            assert!(delay >= base && delay <= base + base / 4, "attempt {attempt}: {delay}");
        }
    }
}
