//! The event log. An event is stored once per (sub-account, source, external id).

use app::model::{EventId, EventType};
use sqlx::AnyConnection;

use super::tenancy::Tenant;
use super::{Store, StoreResult, new_id, now_ms};

impl Store {
    /// Stores an event unless one with the same external id is already stored; returns the new
    /// event's id, or `None` for a duplicate delivery.
    pub async fn insert_event(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        source: &str,
        external_id: &str,
        event_type: EventType,
        payload: &str,
    ) -> StoreResult<Option<EventId>> {
        let id = new_id();
        let inserted: Option<(EventId,)> = sqlx::query_as(
            "INSERT INTO events (id, sub_account_id, source, external_id, event_type, payload, received_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sub_account_id, source, external_id) DO NOTHING RETURNING id",
        )
        .bind(&id)
        .bind(tenant.id())
        .bind(source)
        .bind(external_id)
        .bind(event_type.as_str())
        .bind(payload)
        .bind(now_ms())
        .fetch_optional(conn)
        .await?;
        Ok(inserted.map(|(id,)| id))
    }

    pub async fn event_count(&self, tenant: &Tenant) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE sub_account_id = $1")
            .bind(tenant.id())
            .fetch_one(self.pool())
            .await?)
    }
}
