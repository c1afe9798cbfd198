//! Per-sub-account counts of one clock minute that every instance sharing a database adds to:
//! the runs a sub-account's workflows started (the runs-per-minute budget) and the calls its API
//! keys made (the API's rate limit). Each instance counts in memory what it does and, every
//! second ([`Store::sync_minute_counts`]), adds that to the minute's stored count and reads
//! every instance's. Between syncs it reads what it last read plus what it did since, so a
//! check costs nothing in the database; instances together may pass a limit by what they do
//! in a second.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use super::{Store, StoreResult, now_ms};

/// A table of `(sub_account_id, minute, <count>)` rows with that key's unique index.
#[derive(Clone, Copy, Debug)]
pub(super) struct CountTable {
    pub table: &'static str,
    pub column: &'static str,
}

pub(super) const WORKFLOW_RUNS: CountTable = CountTable { table: "workflow_minutes", column: "runs" };
pub(super) const API_CALLS: CountTable = CountTable { table: "api_minutes", column: "calls" };

/// What this instance knows of one count.
#[derive(Debug, Default)]
pub(super) struct MinuteCounts {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The minute `stored` is of.
    minute: i64,
    /// Every instance's count that minute, per sub-account, as the store last said.
    stored: HashMap<String, i64>,
    /// What this instance counted and has not yet added to the store, per (sub-account, minute).
    unsynced: HashMap<(String, i64), i64>,
}

impl MinuteCounts {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The sub-account's count at `minute`: every instance's as last synced, and this one's since.
    pub(super) fn count(&self, sub_account: &str, minute: i64) -> i64 {
        Self::count_in(&self.state(), sub_account, minute)
    }

    fn count_in(state: &State, sub_account: &str, minute: i64) -> i64 {
        let stored = if state.minute == minute { state.stored.get(sub_account).copied().unwrap_or(0) } else { 0 };
        stored + state.unsynced.get(&(sub_account.to_owned(), minute)).copied().unwrap_or(0)
    }

    /// Counts one at `minute`.
    pub(super) fn add(&self, sub_account: &str, minute: i64) {
        *self.state().unsynced.entry((sub_account.to_owned(), minute)).or_default() += 1;
    }

    /// Counts one at `minute` if the count is under `limit` (checked and counted at once).
    pub(super) fn take(&self, sub_account: &str, minute: i64, limit: i64) -> bool {
        let mut state = self.state();
        if Self::count_in(&state, sub_account, minute) >= limit {
            return false;
        }
        *state.unsynced.entry((sub_account.to_owned(), minute)).or_default() += 1;
        true
    }

    /// Adds what this instance counted since it last did to the stored counts of their
    /// minutes, and reads every instance's counts for the current minute.
    async fn sync(&self, store: &Store, counts: CountTable) -> StoreResult<()> {
        let CountTable { table, column } = counts;
        let minute = now_ms() / 60_000;
        let unsynced: Vec<((String, i64), i64)> = {
            let mut state = self.state();
            // Past minutes no budget reads any more (say the store was down): dropped.
            state.unsynced.retain(|(_, at), _| *at >= minute - 1);
            state.unsynced.clone().into_iter().collect()
        };
        if !unsynced.is_empty() {
            let add = format!(
                "INSERT INTO {table} (sub_account_id, minute, {column}) VALUES ($1, $2, $3) \
                 ON CONFLICT (sub_account_id, minute) DO UPDATE SET {column} = {table}.{column} + excluded.{column}"
            );
            let mut tx = store.begin().await?;
            for ((sub_account, at), count) in &unsynced {
                sqlx::query(&add).bind(sub_account).bind(at).bind(count).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            // Stored now: moved from unsynced to stored at once, so a failed read below cannot
            // add them again. What was counted meanwhile stays unsynced.
            let mut state = self.state();
            for ((sub_account, at), count) in unsynced {
                let key = (sub_account, at);
                if let Some(left) = state.unsynced.get_mut(&key) {
                    *left -= count;
                    if *left <= 0 {
                        state.unsynced.remove(&key);
                    }
                }
                if state.minute == at {
                    *state.stored.entry(key.0).or_default() += count;
                }
            }
        }
        let read = format!("SELECT sub_account_id, {column} FROM {table} WHERE minute = $1");
        let stored: Vec<(String, i64)> = sqlx::query_as(&read).bind(minute).fetch_all(store.pool()).await?;
        let mut state = self.state();
        state.minute = minute;
        state.stored = stored.into_iter().collect();
        Ok(())
    }
}

impl Store {
    /// Syncs the minute counts with every instance's (see the module's comment).
    pub async fn sync_minute_counts(&self) -> StoreResult<()> {
        // Both, whatever the other did: one failing leaves the other shared.
        let runs = self.spending.runs.sync(self, WORKFLOW_RUNS).await;
        let calls = self.api_calls.sync(self, API_CALLS).await;
        runs.and(calls)
    }

    /// Counts an API call of the sub-account's keys, if it is under `per_minute` this minute;
    /// otherwise the seconds until the next minute.
    pub fn take_api_call(&self, sub_account: &str, per_minute: i64) -> Result<(), u64> {
        let now = now_ms();
        if self.api_calls.take(sub_account, now / 60_000, per_minute) {
            return Ok(());
        }
        Err(u64::try_from(60 - (now % 60_000) / 1000).unwrap_or(60))
    }

    /// Deletes the counts of minutes before the last; how many.
    pub(super) async fn purge_minute_counts(&self, now: i64) -> StoreResult<u64> {
        let mut purged = 0;
        for CountTable { table, .. } in [WORKFLOW_RUNS, API_CALLS] {
            purged += sqlx::query(&format!("DELETE FROM {table} WHERE minute < $1"))
                .bind(now / 60_000 - 1)
                .execute(&mut *self.writer().await?)
                .await?
                .rows_affected();
        }
        Ok(purged)
    }
}
