//! `POST /webhooks/highlevel`: receive, check, store — and nothing more, so the answer is quick.
//! HighLevel retries a delivery only when it is answered 429 (reference §5.7), so every answer
//! but 429 must mean "kept" or "never acceptable": a webhook is answered 200 once it is durable,
//! a forged or stale one 401, and one OpsFlow cannot take now (too many stores in flight, too
//! long a backlog, the database failing) 429, so that HighLevel sends it again. Processing
//! happens afterwards, from the store.
//!
//! Replays are refused three ways: the signature, the dedupe key (a stored id is stored once),
//! and — for an id never seen — the five-minute freshness window on `timestamp`. HighLevel sends
//! a 429'd webhook again ten minutes later with the same body, so the ids answered 429 are
//! recorded and their redelivery is accepted for [`DEFERRED_FOR_MS`] whatever its timestamp —
//! in the store for every instance, and in this process too, for when the store was what failed.
//!
//! The backlog is counted in the store, so every instance sharing it sees the same one.

pub mod payload;
pub mod process;
pub mod records;

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, Semaphore};

use self::payload::{Envelope, PayloadError};
use super::signature::{AgeError, SignatureError, SignatureHeaders, WebhookKeys, check_age};
use crate::db::webhooks::NewWebhook;
use crate::db::{Store, StoreError, StoreResult, now_ms};

/// How long the redelivery of a webhook answered 429 is accepted: HighLevel tries six more times,
/// ten minutes apart plus jitter (about 70 minutes); a margin on top.
pub const DEFERRED_FOR_MS: i64 = 2 * 3600 * 1000;

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
    stored: Arc<Notify>,
    /// Webhooks answered 429 by this process: what the store could not record.
    deferred: Arc<Mutex<Deferred>>,
}

/// Webhooks this process answered 429: when, by dedupe key, and the keys oldest first (so
/// forgetting the old ones never walks them all).
#[derive(Debug, Default)]
struct Deferred {
    at: HashMap<String, i64>,
    order: VecDeque<(i64, String)>,
}

/// How many 429'd webhooks a process remembers on its own; past that, the oldest go first.
const DEFERRED_KEPT: usize = 100_000;

impl Intake {
    /// An intake over `store` (checked to answer).
    pub async fn new(store: Store, keys: WebhookKeys, limits: IntakeLimits) -> StoreResult<Self> {
        store.ping().await?;
        Ok(Self {
            store,
            keys,
            limits,
            in_flight: Arc::new(Semaphore::new(limits.in_flight)),
            stored: Arc::new(Notify::new()),
            deferred: Arc::default(),
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
        let dedupe_key = dedupe_key(&envelope, &json);
        self.keep(&envelope, &dedupe_key, body, now).await
    }

    fn deferred(&self) -> std::sync::MutexGuard<'_, Deferred> {
        self.deferred.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn remember_deferred(&self, dedupe_key: &str) {
        let now = now_ms();
        let mut deferred = self.deferred();
        while let Some((at, _)) = deferred.order.front()
            && (*at <= now - DEFERRED_FOR_MS || deferred.order.len() >= DEFERRED_KEPT)
        {
            if let Some((at, key)) = deferred.order.pop_front()
                && deferred.at.get(&key) == Some(&at)
            {
                deferred.at.remove(&key);
            }
        }
        deferred.at.insert(dedupe_key.to_owned(), now);
        deferred.order.push_back((now, dedupe_key.to_owned()));
    }

    /// Whether this webhook was answered 429 within [`DEFERRED_FOR_MS`] (by any instance).
    async fn was_deferred(&self, dedupe_key: &str) -> StoreResult<bool> {
        let since = now_ms() - DEFERRED_FOR_MS;
        if self.deferred().at.get(dedupe_key).is_some_and(|at| *at > since) {
            return Ok(true);
        }
        self.store.was_deferred(dedupe_key, since).await
    }

    /// Checks a signed webhook's age (a deferred one's redelivery excepted) and stores it, when
    /// OpsFlow can take it now.
    async fn keep(
        &self,
        envelope: &Envelope,
        dedupe_key: &str,
        body: &[u8],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Receipt, IntakeError> {
        if let Some(timestamp) = &envelope.timestamp
            && let Err(stale) = check_age(timestamp, now)
            && !self.was_deferred(dedupe_key).await?
        {
            return Err(stale.into());
        }
        let receipt = self.store_now(envelope, dedupe_key, body).await;
        // Whatever kept a good, fresh (or deferred) webhook from being stored, HighLevel sends
        // it again after a 429: its redelivery must then be taken, however old its timestamp.
        // (A 429 from the age check's own lookup is not remembered: a replay would pass.)
        if matches!(receipt, Err(IntakeError::Overloaded | IntakeError::Store(_))) {
            self.remember_deferred(dedupe_key);
            if let Err(error) = self.store.defer_webhook(dedupe_key).await {
                tracing::error!(%error, dedupe_key, "could not record a deferred webhook; this process remembers it");
            }
        }
        receipt
    }

    async fn store_now(&self, envelope: &Envelope, dedupe_key: &str, body: &[u8]) -> Result<Receipt, IntakeError> {
        let _permit = self.in_flight.try_acquire().map_err(|_| IntakeError::Overloaded)?;
        if self.store.webhook_backlog_reaches(self.limits.backlog).await? {
            return Err(IntakeError::Overloaded);
        }
        let text = String::from_utf8_lossy(body);
        Ok(self
            .enqueue(&NewWebhook {
                dedupe_key,
                event_type: &envelope.event_type,
                location_id: envelope.location_id.as_deref(),
                company_id: envelope.company_id.as_deref(),
                body: &text,
            })
            .await?)
    }

    /// Stores a webhook for processing: one received, or one OpsFlow made up itself for a
    /// change the catch-up job found.
    pub async fn enqueue(&self, webhook: &NewWebhook<'_>) -> StoreResult<Receipt> {
        Ok(match self.store.insert_webhook(webhook).await? {
            Some(_) => {
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
}

/// The `webhookId`; without one, a hash of the body (reference §5.6), so an identical
/// redelivery is still recognised — of the body as JSON, compacted with its keys in order, so
/// that spacing or key order a redelivery changed do not make it a new webhook.
fn dedupe_key(envelope: &Envelope, body: &Value) -> String {
    match &envelope.webhook_id {
        Some(id) => format!("webhook:{id}"),
        None => {
            let digest = Sha256::digest(canonical(body).as_bytes());
            format!("body:{}", digest.iter().map(|byte| format!("{byte:02x}")).collect::<String>())
        }
    }
}

/// JSON text with no spaces and every object's keys sorted.
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let fields: Vec<String> =
                keys.iter().map(|key| format!("{}:{}", Value::String((*key).clone()), canonical(&map[*key]))).collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(canonical).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::canonical;
    use serde_json::json;

    #[test]
    fn the_same_json_in_other_spacing_or_key_order_reads_the_same() {
        let a: serde_json::Value =
            serde_json::from_str(r#"{ "b": [1, {"y": 2, "x": "é"}], "a": null }"#).unwrap_or_default();
        let b: serde_json::Value = serde_json::from_str(r#"{"a":null,"b":[1,{"x":"é","y":2}]}"#).unwrap_or_default();
        assert_eq!(canonical(&a), canonical(&b));
        assert_eq!(canonical(&a), r#"{"a":null,"b":[1,{"x":"é","y":2}]}"#);
        assert_ne!(canonical(&json!({"a": [1, 2]})), canonical(&json!({"a": [2, 1]})));
    }
}
