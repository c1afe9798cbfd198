//! The event stream's storage: module events in the `events` table beside the form-trigger
//! events, each with its record and its place in that record's history, read back for the
//! Activity views.

use app::model::{EventType, Module, RecordEvent};
use sqlx::AnyConnection;

use super::runs::NotStarted;
use super::tenancy::Tenant;
use super::{Store, StoreResult, from_json, now_ms, to_json};

/// Which events an Activity view lists.
#[derive(Clone, Debug, Default)]
pub struct StreamQuery<'a> {
    pub module: Option<Module>,
    pub event_type: Option<EventType>,
    /// One record's history (with `module`).
    pub record_id: Option<&'a str>,
    pub limit: i64,
}

/// What storing a module event did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stored {
    /// Workflows the event would have started but for the loop limit or a budget (see
    /// `db::runs`).
    pub not_started: Vec<NotStarted>,
}

impl Store {
    /// Stores one module event as the next in its record's history, and starts the runs it
    /// starts, unless an event with the same `(source, external_id)` is stored already (a
    /// redelivery): then returns `None`. Its place is read in the insert itself; the caller
    /// holds the record's row lock (or has just created it), so two writes of one record cannot
    /// take the same place.
    pub async fn insert_record_event(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        event: &RecordEvent,
        source: &str,
        external_id: &str,
    ) -> StoreResult<Option<Stored>> {
        let inserted = sqlx::query(
            "INSERT INTO events (id, sub_account_id, source, external_id, event_type, payload, received_at, module, \
               record_id, record_seq, occurred_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, COALESCE(MAX(record_seq), 0) + 1, $10 FROM events \
               WHERE sub_account_id = $2 AND module = $8 AND record_id = $9 \
             ON CONFLICT (sub_account_id, source, external_id) DO NOTHING",
        )
        .bind(&event.id)
        .bind(tenant.id())
        .bind(source)
        .bind(external_id)
        .bind(event.event_type.as_str())
        .bind(to_json(event)?)
        .bind(now_ms())
        .bind(event.module.as_str())
        .bind(&event.record_id)
        .bind(event.occurred_at)
        .execute(&mut *conn)
        .await?;
        if inserted.rows_affected() != 1 {
            return Ok(None);
        }
        let not_started = self.start_runs(conn, tenant, &event.into()).await?;
        Ok(Some(Stored { not_started }))
    }

    /// Module events, newest first: a sub-account's, or one record's.
    pub async fn record_events(&self, tenant: &Tenant, query: &StreamQuery<'_>) -> StoreResult<Vec<RecordEvent>> {
        let payloads: Vec<String> = sqlx::query_scalar(
            "SELECT payload FROM events WHERE sub_account_id = $1 AND module IS NOT NULL \
               AND ($2 IS NULL OR module = $2) AND ($3 IS NULL OR event_type = $3) AND ($4 IS NULL OR record_id = $4) \
             ORDER BY occurred_at DESC, record_seq DESC LIMIT $5",
        )
        .bind(tenant.id())
        .bind(query.module.map(Module::as_str))
        .bind(query.event_type.map(EventType::as_str))
        .bind(query.record_id)
        .bind(query.limit)
        .fetch_all(self.pool())
        .await?;
        payloads.iter().map(|payload| from_json(payload)).collect()
    }
}
