//! Staying inside HighLevel's rate limits (reference §3.3): at most 100 requests per 10 seconds
//! per resource (a location or a company). Each resource has a sliding window of its recent
//! requests; a request waits for a free slot instead of being sent to be refused. When
//! HighLevel says more — `X-RateLimit-Remaining: 0` or a 429 with `Retry-After` — the resource
//! is paused until then.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

pub const BURST: usize = 100;
pub const WINDOW: Duration = Duration::from_secs(10);
/// The longest pause HighLevel can impose. A `Retry-After` is whatever a response says: a huge
/// one would overflow the clock (a panic) or stop a sub-account's writebacks for good.
pub const MAX_PAUSE: Duration = Duration::from_secs(10 * 60);

#[derive(Debug, Default)]
struct Window {
    sent: VecDeque<Instant>,
    paused_until: Option<Instant>,
}

impl Window {
    /// How long until a request may go, or `None` when it may go now (and is counted).
    fn admit(&mut self, now: Instant, burst: usize, window: Duration) -> Option<Duration> {
        while self.sent.front().is_some_and(|sent| now.duration_since(*sent) >= window) {
            self.sent.pop_front();
        }
        if let Some(until) = self.paused_until.filter(|until| *until > now) {
            return Some(until - now);
        }
        if self.sent.len() >= burst {
            return self.sent.front().map(|oldest| window.saturating_sub(now.duration_since(*oldest)));
        }
        self.sent.push_back(now);
        None
    }
}

/// Per-resource windows, shared by every caller in this process.
#[derive(Clone, Debug)]
pub struct RateLimiter {
    windows: Arc<Mutex<HashMap<String, Window>>>,
    burst: usize,
    window: Duration,
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::new(BURST, WINDOW)
    }
}

impl RateLimiter {
    pub fn new(burst: usize, window: Duration) -> Self {
        Self { windows: Arc::default(), burst, window }
    }

    /// Waits until a request for `resource` may be sent, and counts it.
    pub async fn acquire(&self, resource: &str) {
        loop {
            let wait = {
                let mut windows = self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                windows.entry(resource.to_owned()).or_default().admit(Instant::now(), self.burst, self.window)
            };
            match wait {
                None => return,
                Some(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    /// HighLevel asked for a pause (`Retry-After`, or no requests remaining in its window), of
    /// at most [`MAX_PAUSE`].
    pub fn pause(&self, resource: &str, duration: Duration) {
        let until = Instant::now() + duration.min(MAX_PAUSE);
        let mut windows = self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let window = windows.entry(resource.to_owned()).or_default();
        window.paused_until = Some(window.paused_until.map_or(until, |current| current.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_hundred_and_first_request_in_ten_seconds_waits_for_the_first_to_age_out() {
        let limiter = RateLimiter::default();
        let start = Instant::now();
        for _ in 0..BURST {
            limiter.acquire("loc-1").await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        // Another resource has its own window.
        limiter.acquire("loc-2").await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        limiter.acquire("loc-1").await;
        assert_eq!(start.elapsed(), WINDOW);
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_requests_until_it_ends() {
        let limiter = RateLimiter::default();
        let start = Instant::now();
        limiter.pause("loc-1", Duration::from_secs(30));
        limiter.pause("loc-1", Duration::from_secs(5)); // a shorter pause does not shorten it
        limiter.acquire("loc-1").await;
        assert_eq!(start.elapsed(), Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn an_absurd_pause_is_clamped_instead_of_overflowing_the_clock() {
        let limiter = RateLimiter::default();
        let start = Instant::now();
        limiter.pause("loc-1", Duration::from_secs(u64::MAX));
        limiter.acquire("loc-1").await;
        assert_eq!(start.elapsed(), MAX_PAUSE);
    }
}
