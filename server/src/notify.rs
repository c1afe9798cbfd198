//! Tells open inboxes that something changed in a sub-account, so new forms appear without a
//! reload. In-process only: with several instances on PostgreSQL, each instance's inbox stream
//! also re-checks periodically (see `http::inbox_stream`).

use tokio::sync::broadcast;

#[derive(Clone, Debug)]
pub struct Notifier {
    sender: broadcast::Sender<String>,
}

impl Default for Notifier {
    fn default() -> Self {
        Self { sender: broadcast::channel(1024).0 }
    }
}

impl Notifier {
    /// Announces a change in a sub-account (nobody listening is fine).
    pub fn changed(&self, sub_account_id: &str) {
        let _ = self.sender.send(sub_account_id.to_owned());
    }

    pub fn subscribe(&self) -> broadcast::Receiver<String> {
        self.sender.subscribe()
    }
}
