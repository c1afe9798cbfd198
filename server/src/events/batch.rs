//! Group commit for ingestion. One writer task takes whatever events are waiting (up to
//! `MAX_BATCH`), processes them in one transaction, commits once, and only then answers each
//! caller. On SQLite, where every commit is a synchronous WAL flush, this
//! turns N flushes into one without weakening the promise: an answered event is on disk.

use std::sync::Arc;
use tokio::sync::{Mutex, mpsc, oneshot};

use super::{Incoming, IngestOutcome, ingest_on};
use crate::db::{Store, StoreError};
use crate::notify::Notifier;
use crate::supervise::{StopSwitch, supervise};

const MAX_BATCH: usize = 256;
const QUEUE_DEPTH: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The queue is full: the caller should retry later (HTTP 429).
    #[error("OpsFlow is busy; retry shortly")]
    Overloaded,
    #[error("the ingestion worker has stopped")]
    Stopped,
    #[error(transparent)]
    Store(#[from] StoreError),
}

struct Job {
    event: Incoming,
    reply: oneshot::Sender<Result<IngestOutcome, IngestError>>,
}

#[derive(Clone, Debug)]
pub struct Ingestor {
    // Dropped first (fields drop in order): the stop is asked for before the queue closes, so
    // the writer, woken by the close, is not started again.
    _writer: Arc<StopOnDrop>,
    queue: mpsc::Sender<Job>,
}

/// Stops the writer when the last handle to the queue is gone (a service dropped: in tests,
/// many are), instead of restarting it on a queue nobody can send to.
#[derive(Debug)]
struct StopOnDrop(StopSwitch);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.stop();
    }
}

impl Ingestor {
    /// Starts the writer task on the current Tokio runtime (restarted should it ever fail; the
    /// queue outlives it). It runs as long as the queue has a sender: every queued event is
    /// answered.
    pub fn start(store: Store, notifier: Notifier) -> Self {
        let (queue, jobs) = mpsc::channel(QUEUE_DEPTH);
        let jobs = Arc::new(Mutex::new(jobs));
        let (switch, stop) = StopSwitch::new();
        supervise("event ingestion", stop, move || run(store.clone(), notifier.clone(), jobs.clone()));
        Self { _writer: Arc::new(StopOnDrop(switch)), queue }
    }

    /// Ingests an event and waits until it is durable.
    pub async fn ingest(&self, event: impl Into<Incoming>) -> Result<IngestOutcome, IngestError> {
        let event = event.into();
        let (reply, answer) = oneshot::channel();
        self.queue.send(Job { event, reply }).await.map_err(|_| IngestError::Stopped)?;
        answer.await.map_err(|_| IngestError::Stopped)?
    }

    /// Like [`Ingestor::ingest`], but refuses at once when the queue is full, so an HTTP
    /// endpoint can shed load with a 429 instead of letting requests pile up.
    pub async fn try_ingest(&self, event: impl Into<Incoming>) -> Result<IngestOutcome, IngestError> {
        let event = event.into();
        let (reply, answer) = oneshot::channel();
        self.queue.try_send(Job { event, reply }).map_err(|error| match error {
            mpsc::error::TrySendError::Full(_) => IngestError::Overloaded,
            mpsc::error::TrySendError::Closed(_) => IngestError::Stopped,
        })?;
        answer.await.map_err(|_| IngestError::Stopped)?
    }
}

async fn run(store: Store, notifier: Notifier, jobs: Arc<Mutex<mpsc::Receiver<Job>>>) {
    let mut jobs = jobs.lock().await;
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let results = match process_batch(&store, &batch).await {
            Ok(results) => results,
            Err(error) => {
                tracing::warn!(%error, size = batch.len(), "event batch failed; processing its events one by one");
                process_singly(&store, &batch).await
            }
        };
        for (job, result) in batch.drain(..).zip(results) {
            if matches!(&result, Ok(IngestOutcome::Accepted { forms, .. }) if !forms.is_empty()) {
                notifier.changed(job.event.tenant().id());
            }
            let _ = job.reply.send(result);
        }
    }
}

/// One transaction for the whole batch. An event that fails fails the batch: it is rolled back
/// whole and its events are processed one by one (`process_singly`), so each caller hears its
/// own event's outcome. That costs a batch's worth of commits each time, which is cheaper than a
/// savepoint around every event (two more statements each on the one writer) as long as events
/// the store refuses are rare: input checks refuse bad ones before they are queued.
async fn process_batch(store: &Store, batch: &[Job]) -> Result<Vec<Result<IngestOutcome, IngestError>>, StoreError> {
    let mut tx = store.begin().await?;
    let mut results = Vec::with_capacity(batch.len());
    for job in batch {
        results.push(Ok(ingest_on(store, &mut tx, &job.event).await?));
    }
    tx.commit().await?;
    Ok(results)
}

async fn process_singly(store: &Store, batch: &[Job]) -> Vec<Result<IngestOutcome, IngestError>> {
    let mut results = Vec::with_capacity(batch.len());
    for job in batch {
        results.push(ingest_one(store, &job.event).await);
    }
    results
}

async fn ingest_one(store: &Store, event: &Incoming) -> Result<IngestOutcome, IngestError> {
    let mut tx = store.begin().await?;
    let outcome = ingest_on(store, &mut tx, event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(outcome)
}
