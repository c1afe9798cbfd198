//! Background workers that stay up, until the server stops. A worker that panics or returns is
//! logged and started again after a growing pause (the jobs' backoff, at most a minute), instead
//! of vanishing while the server goes on answering as if webhooks, writebacks and events were
//! processed. When the server is asked to stop ([`Stop`]), workers finish the attempt they are
//! in and return, and are not started again.

use futures::FutureExt;
use std::future::Future;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::jobs::backoff_ms;

/// A worker that ran this long before it stopped counts as healthy: its next restart is quick.
const HEALTHY_AFTER: Duration = Duration::from_secs(60);
const MAX_PAUSE_MS: i64 = 60_000;

/// Whether the server was asked to stop, for whatever runs until then.
#[derive(Clone, Debug)]
pub struct Stop(watch::Receiver<bool>);

/// Asks everything holding its [`Stop`] to stop.
#[derive(Clone, Debug)]
pub struct StopSwitch(std::sync::Arc<watch::Sender<bool>>);

impl StopSwitch {
    pub fn new() -> (Self, Stop) {
        let (sender, receiver) = watch::channel(false);
        (Self(std::sync::Arc::new(sender)), Stop(receiver))
    }

    pub fn stop(&self) {
        self.0.send_replace(true);
    }
}

impl Stop {
    pub fn requested(&self) -> bool {
        *self.0.borrow()
    }

    /// A stop that never comes (for what runs as long as the process, and for tests).
    pub fn never() -> Self {
        Stop(watch::channel(false).1)
    }

    /// Waits until the server is asked to stop (forever, when nobody can ask any more).
    pub async fn wait(&self) {
        let mut receiver = self.0.clone();
        if receiver.wait_for(|stop| *stop).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    /// Sleeps for `duration`; `false` when woken because the server is stopping.
    pub async fn sleep(&self, duration: Duration) -> bool {
        tokio::select! {
            () = tokio::time::sleep(duration) => !self.requested(),
            () = self.wait() => false,
        }
    }
}

/// Runs `worker()` until the server stops, restarting it whenever it ends before that.
pub fn supervise<F, Fut>(name: &'static str, stop: Stop, worker: F) -> JoinHandle<()>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        let mut failures: i64 = 0;
        loop {
            if stop.requested() {
                return;
            }
            let started = Instant::now();
            match std::panic::AssertUnwindSafe(worker()).catch_unwind().await {
                Ok(()) if stop.requested() => return,
                Ok(()) => tracing::error!(worker = name, "background worker stopped; restarting it"),
                Err(panic) => {
                    let message = panic
                        .downcast_ref::<&str>()
                        .map(|text| (*text).to_owned())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    tracing::error!(worker = name, panic = message, "background worker panicked; restarting it");
                }
            }
            failures = if started.elapsed() >= HEALTHY_AFTER { 1 } else { failures + 1 };
            let pause = u64::try_from(backoff_ms(failures).min(MAX_PAUSE_MS)).unwrap_or(1000);
            stop.sleep(Duration::from_millis(pause)).await;
        }
    })
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]

    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(start_paused = true)]
    async fn a_worker_that_panics_or_stops_is_started_again_with_growing_pauses() {
        let runs = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let (switch, stop) = StopSwitch::new();
        let handle = supervise("test", stop, {
            let runs = runs.clone();
            move || {
                let run = runs.fetch_add(1, Ordering::SeqCst) + 1;
                async move {
                    match run {
                        1 => panic!("the first run fails"),
                        2 => {}
                        _ => std::future::pending().await,
                    }
                }
            }
        });
        tokio::time::sleep(Duration::from_secs(30)).await;
        assert_eq!(runs.load(Ordering::SeqCst), 3, "restarted after a panic and after stopping");
        // Two pauses: 2 s and 4 s (plus up to a quarter of jitter each).
        assert!(started.elapsed() >= Duration::from_secs(6));
        handle.abort();
        drop(switch);
    }

    #[tokio::test(start_paused = true)]
    async fn a_stopped_server_does_not_restart_its_workers() {
        let (switch, stop) = StopSwitch::new();
        let runs = Arc::new(AtomicUsize::new(0));
        let handle = supervise("test", stop.clone(), {
            let (runs, stop) = (runs.clone(), stop.clone());
            move || {
                runs.fetch_add(1, Ordering::SeqCst);
                let stop = stop.clone();
                async move { while stop.sleep(Duration::from_secs(1)).await {} }
            }
        });
        tokio::time::sleep(Duration::from_secs(5)).await;
        switch.stop();
        handle.await.unwrap();
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }
}
