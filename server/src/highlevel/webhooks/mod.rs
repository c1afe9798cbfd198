//! `POST /webhooks/highlevel`: receive, check, store — and nothing more, so the answer is quick.
//! HighLevel retries a delivery only when it is answered 429 (reference §5.7), so every answer
//! but 429 must mean "kept" or "never acceptable": a webhook is answered 200 once it is durable,
//! a forged or stale one 401, and one OpsFlow cannot take now (too many stores in flight, too
//! long a backlog, the database failing) 429, so that HighLevel sends it again. Processing
//! happens afterwards, from the store.

pub mod payload;
pub mod process;

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use tokio::sync::{Notify, Semaphore};

use self::payload::{Envelope, PayloadError};
use super::signature::{AgeError, SignatureError, SignatureHeaders, WebhookKeys, check_age};
use crate::db::webhooks::NewWebhook;
use crate::db::{Store, StoreError, StoreResult};

/// How much the intake takes before it answers 429.
#[derive(Clone, Copy, Debug)]
pub struct IntakeLimits {
    /// Webhooks being stored at once.
    pub in_flight: usize,
    /// Stored webhooks not yet processed.
    pub backlog: i64,
}

impl Default for IntakeLimits {
    fn default() -> Self {
        Self { in_flight: 64, backlog: 20_000 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error(transparent)]
    Age(#[from] AgeError),
    #[error(transparent)]
    Payload(#[from] PayloadError),
    #[error("OpsFlow is busy; the webhook was not stored")]
    Overloaded,
    #[error("the webhook could not be stored: {0}")]
    Store(#[from] StoreError),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Receipt {
    Stored,
    /// Already stored (same `webhookId`, or the same body when there is none).
    Duplicate,
}

#[derive(Clone, Debug)]
pub struct Intake {
    store: Store,
    keys: WebhookKeys,
    limits: IntakeLimits,
    in_flight: Arc<Semaphore>,
    backlog: Arc<AtomicI64>,
    stored: Arc<Notify>,
}

impl Intake {
    /// An intake over `store`; the backlog starts at what the store holds unprocessed.
    pub async fn new(store: Store, keys: WebhookKeys, limits: IntakeLimits) -> StoreResult<Self> {
        let backlog = store.pending_webhook_count().await?;
        Ok(Self {
            store,
            keys,
            limits,
            in_flight: Arc::new(Semaphore::new(limits.in_flight)),
            backlog: Arc::new(AtomicI64::new(backlog)),
            stored: Arc::new(Notify::new()),
        })
    }

    /// Checks and stores one delivery. `now` is when it arrived.
    pub async fn receive(
        &self,
        headers: SignatureHeaders<'_>,
        body: &[u8],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Receipt, IntakeError> {
        self.keys.verify(headers, body)?;
        let json: Value = serde_json::from_slice(body).map_err(|_| PayloadError::NotAnObject)?;
        let envelope = Envelope::read(&json)?;
        if let Some(timestamp) = &envelope.timestamp {
            check_age(timestamp, now)?;
        }
        let _permit = self.in_flight.try_acquire().map_err(|_| IntakeError::Overloaded)?;
        if self.backlog.load(Ordering::Relaxed) >= self.limits.backlog {
            return Err(IntakeError::Overloaded);
        }
        let dedupe_key = dedupe_key(&envelope, body);
        let text = String::from_utf8_lossy(body);
        self.enqueue(&NewWebhook {
            dedupe_key: &dedupe_key,
            event_type: &envelope.event_type,
            location_id: envelope.location_id.as_deref(),
            company_id: envelope.company_id.as_deref(),
            body: &text,
        })
        .await
        .map_err(IntakeError::from)
    }

    /// Stores a webhook for processing: one received, or one OpsFlow made up itself for a
    /// change the catch-up job found.
    pub async fn enqueue(&self, webhook: &NewWebhook<'_>) -> StoreResult<Receipt> {
        Ok(match self.store.insert_webhook(webhook).await? {
            Some(_) => {
                self.backlog.fetch_add(1, Ordering::Relaxed);
                self.stored.notify_one();
                Receipt::Stored
            }
            None => Receipt::Duplicate,
        })
    }

    /// Wakes when a webhook was stored (the processor waits on this).
    pub fn stored(&self) -> &Notify {
        &self.stored
    }

    /// The processor took `count` webhooks off the backlog.
    pub fn drained(&self, count: i64) {
        self.backlog.fetch_sub(count, Ordering::Relaxed);
    }
}

/// The `webhookId`; without one, a hash of the body (reference §5.6), so an identical
/// redelivery is still recognised.
fn dedupe_key(envelope: &Envelope, body: &[u8]) -> String {
    match &envelope.webhook_id {
        Some(id) => format!("webhook:{id}"),
        None => {
            let digest = Sha256::digest(body);
            format!("body:{}", digest.iter().map(|byte| format!("{byte:02x}")).collect::<String>())
        }
    }
}
