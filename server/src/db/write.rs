//! SQLite's writers take turns. SQLite has one write lock per database; left to SQLite, a
//! writer that finds it taken polls it from its busy handler, sleeping 1, 2, 5, 10 … up to
//! 100 ms between tries, so under load the lock sat free while writers slept (and who got it
//! next was luck). This process's writers queue instead, in a fair queue that hands the turn on
//! the moment a transaction ends, and a long writer (the workflow engine's batch of steps) can
//! see that someone is waiting and make way. Every write of the process takes its turn: a
//! transaction ([`WriteTx`]) or a single statement ([`Writer`]); one left to the busy handler
//! would hardly ever find the lock free between two turns. (Another process's writers still
//! wait in the busy handler.)

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, Transaction};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::StoreError;

/// The queue for one SQLite database's write lock.
#[derive(Debug, Default)]
pub(super) struct WriteTurns {
    turn: Arc<Mutex<()>>,
    /// Writers queued for the turn.
    waiting: AtomicUsize,
}

/// The turn to write, until dropped.
pub(super) struct Turn {
    _held: OwnedMutexGuard<()>,
    turns: Arc<WriteTurns>,
}

/// Counts a writer as waiting until it has its turn, or gives up waiting (its future dropped).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl WriteTurns {
    /// Waits for the turn (first come, first served), at most `limit`: like SQLite's own
    /// bound, so a writer that waits on itself (a transaction begun inside another) fails
    /// instead of hanging.
    pub(super) async fn take(self: &Arc<Self>, limit: Duration) -> Result<Turn, StoreError> {
        self.waiting.fetch_add(1, Ordering::AcqRel);
        let waiting = Waiting(&self.waiting);
        let held = tokio::time::timeout(limit, self.turn.clone().lock_owned()).await.map_err(|_| StoreError::Busy)?;
        drop(waiting);
        Ok(Turn { _held: held, turns: self.clone() })
    }

    fn someone_waiting(&self) -> bool {
        self.waiting.load(Ordering::Acquire) > 0
    }
}

/// A write transaction; on SQLite, with the turn to write (given up when it is dropped, after
/// the transaction: fields drop in order).
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    turn: Option<Turn>,
}

impl WriteTx {
    pub(super) fn new(tx: Transaction<'static, Any>, turn: Option<Turn>) -> Self {
        Self { tx, turn }
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    /// Rolls back before the turn is given up (a dropped transaction's rollback runs after
    /// it: the next writer could find the lock still taken and fall back on the busy handler).
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }

    /// Whether another writer of this process waits for its turn (always `false` on
    /// PostgreSQL, whose writers do not take turns): a transaction doing work that can be
    /// split commits early to let it go.
    pub fn others_waiting(&self) -> bool {
        self.turn.as_ref().is_some_and(|turn| turn.turns.someone_waiting())
    }
}

/// A connection for writes of one statement each (autocommitted); on SQLite, with the turn to
/// write, given up after the connection goes back to the pool.
pub struct Writer {
    conn: PoolConnection<Any>,
    _turn: Option<Turn>,
}

impl Writer {
    pub(super) fn new(conn: PoolConnection<Any>, turn: Option<Turn>) -> Self {
        Self { conn, _turn: turn }
    }
}

impl std::ops::Deref for Writer {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Writer {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

impl std::ops::Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

#[cfg(test)]
#[expect(clippy::expect_used, reason = "a test stops at the first surprise")]
mod tests {
    use super::*;

    const LIMIT: Duration = Duration::from_secs(10);

    /// Lets spawned tasks run up to their next wait (the test runtime has one thread: they run
    /// only when the test yields).
    async fn settle() {
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn writers_take_turns_in_order_and_the_holder_sees_who_waits() {
        let turns = Arc::new(WriteTurns::default());
        let first = turns.take(LIMIT).await.expect("a turn");
        assert!(!turns.someone_waiting());
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut waiters = Vec::new();
        for n in 0..3 {
            let (turns, order) = (turns.clone(), order.clone());
            waiters.push(tokio::spawn(async move {
                let _turn = turns.take(LIMIT).await.expect("a turn");
                order.lock().expect("not poisoned").push(n);
            }));
            settle().await;
        }
        assert!(turns.someone_waiting(), "the holder sees writers waiting");
        drop(first);
        for waiter in waiters {
            waiter.await.expect("the waiter ran");
        }
        assert_eq!(*order.lock().expect("not poisoned"), [0, 1, 2], "first come, first served");
        assert!(!turns.someone_waiting());
    }

    #[tokio::test]
    async fn a_writer_that_gives_up_waiting_is_no_longer_counted() {
        let turns = Arc::new(WriteTurns::default());
        let held = turns.take(LIMIT).await.expect("a turn");
        let waiter = tokio::spawn({
            let turns = turns.clone();
            async move { turns.take(LIMIT).await.expect("a turn") }
        });
        settle().await;
        assert!(turns.someone_waiting());
        waiter.abort();
        assert!(waiter.await.is_err(), "aborted while it waited");
        assert!(!turns.someone_waiting(), "its wait was dropped");
        drop(held);
        let _next = turns.take(LIMIT).await.expect("a turn");
    }

    /// The paused clock runs ahead when every task waits: the bound passes at once.
    #[tokio::test(start_paused = true)]
    async fn a_writer_waits_for_its_turn_only_so_long() {
        let turns = Arc::new(WriteTurns::default());
        let _held = turns.take(LIMIT).await.expect("a turn");
        assert!(matches!(turns.take(LIMIT).await, Err(StoreError::Busy)), "no turn within the bound");
        assert!(!turns.someone_waiting());
    }
}
