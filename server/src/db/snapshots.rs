//! The last copy of each HighLevel record OpsFlow saw, to tell what a webhook changed.

use app::model::Module;
use serde_json::{Map, Value};
use sqlx::AnyConnection;

use super::tenancy::Tenant;
use super::{Store, StoreResult, from_json, now_ms, to_json};

impl Store {
    /// Locks a record's snapshot for the rest of the transaction (so two deliveries about one
    /// record take turns) and reads it: `None` the first time the record is seen.
    pub async fn lock_snapshot(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        module: Module,
        record_id: &str,
    ) -> StoreResult<Option<Map<String, Value>>> {
        sqlx::query(
            "INSERT INTO hl_snapshots (sub_account_id, module, record_id, record, updated_at) VALUES ($1, $2, $3, NULL, $4) \
             ON CONFLICT (sub_account_id, module, record_id) DO NOTHING",
        )
        .bind(tenant.id())
        .bind(module.as_str())
        .bind(record_id)
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "UPDATE hl_snapshots SET updated_at = updated_at WHERE sub_account_id = $1 AND module = $2 AND record_id = $3",
        )
        .bind(tenant.id())
        .bind(module.as_str())
        .bind(record_id)
        .execute(&mut *conn)
        .await?;
        let stored: Option<String> = sqlx::query_scalar(
            "SELECT record FROM hl_snapshots WHERE sub_account_id = $1 AND module = $2 AND record_id = $3",
        )
        .bind(tenant.id())
        .bind(module.as_str())
        .bind(record_id)
        .fetch_one(&mut *conn)
        .await?;
        stored.map(|text| from_json(&text)).transpose()
    }

    /// A record's snapshot, if OpsFlow has seen the record.
    pub async fn snapshot(
        &self,
        tenant: &Tenant,
        module: Module,
        record_id: &str,
    ) -> StoreResult<Option<Map<String, Value>>> {
        let stored: Option<Option<String>> = sqlx::query_scalar(
            "SELECT record FROM hl_snapshots WHERE sub_account_id = $1 AND module = $2 AND record_id = $3",
        )
        .bind(tenant.id())
        .bind(module.as_str())
        .bind(record_id)
        .fetch_optional(self.pool())
        .await?;
        stored.flatten().map(|text| from_json(&text)).transpose()
    }

    pub async fn save_snapshot(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        module: Module,
        record_id: &str,
        record: &Map<String, Value>,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE hl_snapshots SET record = $1, updated_at = $2 WHERE sub_account_id = $3 AND module = $4 AND record_id = $5",
        )
        .bind(to_json(record)?)
        .bind(now_ms())
        .bind(tenant.id())
        .bind(module.as_str())
        .bind(record_id)
        .execute(conn)
        .await?;
        Ok(())
    }
}
