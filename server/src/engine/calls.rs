//! Calls out — webhooks, email, texts — run beside the engine's rounds, not in them: a round
//! starts them and goes on claiming and running the steps that only write OpsFlow's data, so a
//! host that never answers holds up its own calls and nothing else.
//!
//! - **Bounded and fair.** At most [`CALLS_AT_ONCE`] calls are in flight, and at most
//!   [`CALLS_PER_SUB_ACCOUNT`] of one sub-account's: one sub-account's slow calls cannot take
//!   every slot. While a sub-account's slots are all busy its calls are not claimed; one claimed
//!   anyway (a round takes several at once) is put off a moment, without counting an attempt.
//! - **A circuit breaker per host.** After [`BREAKER_FAILURES`] calls in a row to one host that
//!   got no answer (a timeout, a refused connection, a 5xx or 429), its calls pause for 30 s,
//!   then twice as long each time it fails again (up to 5 min): their steps are put off until
//!   then, without an attempt and without a slot. One answer closes it.
//!
//! The slots and breakers are the process's: each instance has its own.

use app::model::SubAccountId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::db::steps::Busy;

/// Calls in flight at once, over every sub-account.
pub const CALLS_AT_ONCE: usize = 32;
/// Calls in flight at once for one sub-account.
pub const CALLS_PER_SUB_ACCOUNT: usize = 4;
/// Calls in a row without an answer that pause a host.
pub const BREAKER_FAILURES: u32 = 5;
const FIRST_PAUSE_MS: i64 = 30_000;
const LONGEST_PAUSE_MS: i64 = 300_000;
/// A call whose sub-account has every slot busy is due again this much later.
pub(super) const BUSY_PUT_OFF_MS: i64 = 1_000;

/// The engine's calls in flight and its hosts' breakers (shared by its clones).
#[derive(Default)]
pub(super) struct Calls {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    in_flight: HashMap<SubAccountId, usize>,
    total: usize,
    breakers: HashMap<String, Breaker>,
    /// The latest moment a step was put off to because its sub-account was busy.
    put_off_until: i64,
}

#[derive(Default)]
struct Breaker {
    /// Calls in a row that got no answer.
    failures: u32,
    /// Times it opened since the host last answered.
    opened: u32,
    /// Until when calls to the host wait (Unix ms).
    paused_until: i64,
}

/// One call's slot, given back when dropped.
pub(super) struct Slot {
    calls: Arc<Calls>,
    sub_account: SubAccountId,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut state = self.calls.state();
        state.total = state.total.saturating_sub(1);
        if let Some(n) = state.in_flight.get_mut(&self.sub_account) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                state.in_flight.remove(&self.sub_account);
            }
        }
    }
}

impl Calls {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding it left counts, not broken invariants: go on with them.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A slot for one of the sub-account's calls, if it and the whole have one free.
    pub fn take(self: &Arc<Self>, sub_account: &SubAccountId) -> Option<Slot> {
        let mut state = self.state();
        let mine = state.in_flight.get(sub_account).copied().unwrap_or(0);
        if state.total >= CALLS_AT_ONCE || mine >= CALLS_PER_SUB_ACCOUNT {
            return None;
        }
        state.total += 1;
        state.in_flight.insert(sub_account.clone(), mine + 1);
        Some(Slot { calls: Arc::clone(self), sub_account: sub_account.clone() })
    }

    /// Whose calls a round is not to claim.
    pub fn busy(&self) -> Busy {
        let state = self.state();
        if state.total >= CALLS_AT_ONCE {
            return Busy::Everyone;
        }
        let mut full: Vec<SubAccountId> =
            state.in_flight.iter().filter(|(_, n)| **n >= CALLS_PER_SUB_ACCOUNT).map(|(id, _)| id.clone()).collect();
        if full.is_empty() {
            return Busy::Nobody;
        }
        full.sort();
        Busy::SubAccounts(full)
    }

    pub fn in_flight(&self) -> usize {
        self.state().total
    }

    /// Notes that a busy sub-account's step was put off to `at`.
    pub fn put_off_to(&self, at: i64) {
        let mut state = self.state();
        state.put_off_until = state.put_off_until.max(at);
    }

    /// Whether a step this engine put off (its sub-account busy) is not due yet.
    pub fn put_off_pending(&self) -> bool {
        self.state().put_off_until > crate::db::now_ms()
    }

    /// When calls to `host` may be made again, if its breaker is open at `now`.
    pub fn paused_until(&self, host: &str, now: i64) -> Option<i64> {
        self.state().breakers.get(host).map(|breaker| breaker.paused_until).filter(|until| *until > now)
    }

    /// Notes how a call to `host` ended: `answered` when the host answered (whatever it said).
    /// Returns until when the host is paused, when this call paused it.
    pub fn ended(&self, host: &str, answered: bool, now: i64) -> Option<i64> {
        let mut state = self.state();
        if answered {
            state.breakers.remove(host);
            return None;
        }
        let breaker = state.breakers.entry(host.to_owned()).or_default();
        // Calls that started before it opened end as they end: they do not open it again.
        if breaker.paused_until > now {
            return None;
        }
        breaker.failures += 1;
        if breaker.failures < BREAKER_FAILURES {
            return None;
        }
        breaker.opened += 1;
        let pause = FIRST_PAUSE_MS.saturating_mul(1 << breaker.opened.clamp(1, 8).saturating_sub(1));
        breaker.paused_until = now + pause.min(LONGEST_PAUSE_MS);
        // Half open: when the pause ends, the next call that gets no answer pauses it again.
        breaker.failures = BREAKER_FAILURES - 1;
        Some(breaker.paused_until)
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]
mod tests {
    use super::*;

    #[test]
    fn a_sub_account_takes_its_share_of_slots_and_gives_them_back() {
        let calls = Arc::new(Calls::default());
        let (a, b) = (SubAccountId::from("a"), SubAccountId::from("b"));
        let held: Vec<Slot> = (0..CALLS_PER_SUB_ACCOUNT).map(|_| calls.take(&a).unwrap()).collect();
        assert!(calls.take(&a).is_none(), "a's slots are all busy");
        assert_eq!(calls.busy(), Busy::SubAccounts(vec![a.clone()]));
        let other = calls.take(&b).unwrap();
        assert_eq!(calls.in_flight(), CALLS_PER_SUB_ACCOUNT + 1);
        drop(held);
        drop(other);
        assert_eq!((calls.in_flight(), calls.busy()), (0, Busy::Nobody));
        let everyone: Vec<Slot> = (0..CALLS_AT_ONCE)
            .map(|n| calls.take(&SubAccountId::from(format!("s{}", n / CALLS_PER_SUB_ACCOUNT))).unwrap())
            .collect();
        assert_eq!(calls.busy(), Busy::Everyone);
        assert!(calls.take(&b).is_none());
        drop(everyone);
        assert!(calls.take(&b).is_some());
    }

    #[test]
    fn a_host_that_keeps_not_answering_pauses_longer_each_time_until_it_answers() {
        let calls = Calls::default();
        let host = "hooks.example:443";
        for n in 1..BREAKER_FAILURES {
            assert_eq!(calls.ended(host, false, 1_000 + i64::from(n)), None);
        }
        assert_eq!(calls.ended(host, false, 2_000), Some(32_000));
        assert_eq!(calls.paused_until(host, 2_001), Some(32_000));
        assert_eq!(calls.paused_until("other.example:443", 2_001), None);
        assert_eq!(calls.ended(host, false, 3_000), None, "a call from before the pause");
        assert_eq!(calls.paused_until(host, 32_000), None, "the pause is over");
        assert_eq!(calls.ended(host, false, 33_000), Some(93_000), "one more failure: twice as long");
        assert_eq!(calls.ended(host, true, 94_000), None);
        assert_eq!(calls.paused_until(host, 94_000), None);
        for n in 1..BREAKER_FAILURES {
            assert_eq!(calls.ended(host, false, 95_000 + i64::from(n)), None, "an answer starts the count again");
        }
    }
}
