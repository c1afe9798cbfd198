//! Tells open inboxes that something changed in a sub-account, so new forms appear without a
//! reload, and that a session ended, so its inboxes stop listening. In-process only: with
//! several instances on PostgreSQL, each instance's inbox stream also re-checks periodically
//! (see `http::inbox_stream`).
//!
//! Open inbox streams are counted: a few per user (tabs), and a bound for the whole process, so
//! streams left open cannot pile up.

use app::model::{SubAccountId, UserId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Inbox streams one user may have open at once (one per tab).
pub const STREAMS_PER_USER: usize = 10;
/// Inbox streams this process keeps open at once.
pub const STREAMS_IN_ALL: usize = 2_000;

#[derive(Clone, Debug)]
pub struct Notifier {
    sender: broadcast::Sender<SubAccountId>,
    ended_sessions: broadcast::Sender<String>,
    open: Arc<Mutex<HashMap<UserId, usize>>>,
}

impl Default for Notifier {
    fn default() -> Self {
        Self { sender: broadcast::channel(1024).0, ended_sessions: broadcast::channel(256).0, open: Arc::default() }
    }
}

/// An open inbox stream's place in the count; given back when dropped.
#[derive(Debug)]
pub struct StreamSlot {
    open: Arc<Mutex<HashMap<UserId, usize>>>,
    user_id: UserId,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = open.get_mut(&self.user_id) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.user_id);
            }
        }
    }
}

impl Notifier {
    /// Announces a change in a sub-account (nobody listening is fine).
    pub fn changed(&self, sub_account: &SubAccountId) {
        let _ = self.sender.send(sub_account.clone());
    }

    pub fn subscribe(&self) -> broadcast::Receiver<SubAccountId> {
        self.sender.subscribe()
    }

    /// A session ended (signed out): its inbox streams end.
    pub fn session_ended(&self, session_hash: &str) {
        let _ = self.ended_sessions.send(session_hash.to_owned());
    }

    pub fn ended_sessions(&self) -> broadcast::Receiver<String> {
        self.ended_sessions.subscribe()
    }

    /// A place for one more inbox stream of this user; `None` when the user, or the process,
    /// has as many open as it may.
    pub fn open_stream(&self, user_id: &UserId) -> Option<StreamSlot> {
        let mut open = self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let in_all: usize = open.values().sum();
        let mine = open.get(user_id).copied().unwrap_or(0);
        if mine >= STREAMS_PER_USER || in_all >= STREAMS_IN_ALL {
            return None;
        }
        open.insert(user_id.clone(), mine + 1);
        Some(StreamSlot { open: self.open.clone(), user_id: user_id.clone() })
    }
}
