//! API keys: a sub-account's credentials for the REST API (`Authorization: Bearer …`). A key is
//! shown once when it is made; the store keeps only its hash, and a revoked key stays listed
//! (with when it was revoked) so an admin can tell what stopped working. A key's holder is a
//! [`KeyHolder`](super::tenancy::KeyHolder), checked in `tenancy`.

use serde::Serialize;
use sqlx::FromRow;

use super::tenancy::{Admin, MAKER_IS_ADMIN, Tenant};
use super::{Store, StoreResult, new_id, now_ms};

/// A key as Settings lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, FromRow)]
pub struct ApiKeyRow {
    pub id: String,
    pub name: String,
    /// The key's first characters (`opsf_AbC1…`), to tell keys apart.
    pub prefix: String,
    pub created_by_name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// 1 while its maker is an admin of the sub-account; 0 once they are not (the key stopped).
    pub maker_is_admin: i64,
}

/// Live keys a sub-account may have at once: a leaked admin session cannot scatter keys.
pub const LIVE_KEYS: i64 = 20;

/// How many characters of a key Settings shows.
const PREFIX_LEN: usize = 9;

impl Store {
    /// Stores a new key made by the admin; `secret_hash` is the hash of the key they are shown.
    /// `None` when the sub-account has [`LIVE_KEYS`] live keys already.
    pub async fn create_api_key(
        &self,
        admin: &Admin,
        name: &str,
        key: &str,
        secret_hash: &str,
    ) -> StoreResult<Option<String>> {
        let id = new_id();
        let made = sqlx::query(
            "INSERT INTO api_keys (id, sub_account_id, name, prefix, secret_hash, created_by, created_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7 \
             WHERE (SELECT COUNT(*) FROM api_keys WHERE sub_account_id = $2 AND revoked_at IS NULL) < $8",
        )
        .bind(&id)
        .bind(admin.id())
        .bind(name)
        .bind(key.chars().take(PREFIX_LEN).collect::<String>())
        .bind(secret_hash)
        .bind(admin.user())
        .bind(now_ms())
        .bind(LIVE_KEYS)
        .execute(&mut *self.writer().await?)
        .await?;
        Ok((made.rows_affected() == 1).then_some(id))
    }

    /// The sub-account's keys, newest first, revoked ones too.
    pub async fn api_keys(&self, tenant: &Tenant) -> StoreResult<Vec<ApiKeyRow>> {
        let sql = format!(
            "SELECT k.id, k.name, k.prefix, maker.name AS created_by_name, k.created_at, k.last_used_at, k.revoked_at, \
             {MAKER_IS_ADMIN} AS maker_is_admin FROM api_keys k JOIN users maker ON maker.id = k.created_by \
             WHERE k.sub_account_id = $1 ORDER BY k.created_at DESC, k.id"
        );
        Ok(sqlx::query_as(&sql).bind(tenant.id()).fetch_all(self.pool()).await?)
    }

    /// Revokes a live key of the admin's sub-account; `false` when there is none with that id.
    pub async fn revoke_api_key(&self, admin: &Admin, key_id: &str) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND sub_account_id = $3 AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(key_id)
        .bind(admin.id())
        .execute(&mut *self.writer().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
