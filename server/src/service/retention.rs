//! The purge worker: every hour, deletes what ended and what is older than the retention
//! period (`--retention-days`, see `db::retention`).

use std::time::Duration;

use super::Service;
use crate::db::now_ms;

const EVERY: Duration = Duration::from_secs(3600);

impl Service {
    /// Purges now, then every hour, until the server stops.
    pub async fn run_purge_worker(self, retention: Duration) {
        let retention_ms = i64::try_from(retention.as_millis()).unwrap_or(i64::MAX);
        loop {
            let now = now_ms();
            match self.store.purge(now, now.saturating_sub(retention_ms)).await {
                Ok(purged) => tracing::info!(?purged, "purged ended sessions and old records"),
                Err(error) => tracing::error!(%error, "purge failed; trying again in an hour"),
            }
            if !self.stop.sleep(EVERY).await {
                return;
            }
        }
    }
}
