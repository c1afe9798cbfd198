//! Secrets sealed before they were bound to their purpose and owner (`v1:`), sealed again bound
//! (see `highlevel::secrets`): the server does it when it starts, so none is left unbound.

use crate::highlevel::secrets::{Binding, SecretBox};

use super::{Store, StoreResult};

/// Where sealed secrets are kept: the table, the column naming their owner, the column, and
/// what they are.
type SealedColumn = (&'static str, &'static str, &'static str, for<'a> fn(&'a str) -> Binding<'a>);

const SEALED: [SealedColumn; 5] = [
    ("messaging_settings", "sub_account_id", "smtp_password_sealed", Binding::smtp_password),
    ("messaging_settings", "sub_account_id", "twilio_token_sealed", Binding::twilio_token),
    ("hl_companies", "company_id", "access_token", Binding::agency_access_token),
    ("hl_companies", "company_id", "refresh_token", Binding::agency_refresh_token),
    ("hl_locations", "location_id", "access_token", Binding::location_access_token),
];

impl Store {
    /// Seals again, bound to their owner, the secrets sealed before bindings; how many. A row
    /// is changed only while it holds what was read (another instance may be at it too). One
    /// that does not open with this key is left as it is, and said so in the log.
    pub async fn bind_sealed_secrets(&self, secrets: &SecretBox) -> StoreResult<u64> {
        let mut bound = 0;
        for (table, key, column, binding) in SEALED {
            let unbound: Vec<(String, String)> =
                sqlx::query_as(&format!("SELECT {key}, {column} FROM {table} WHERE {column} LIKE 'v1:%'"))
                    .fetch_all(self.pool())
                    .await?;
            for (owner, sealed) in unbound {
                match secrets.bind(binding(&owner), &sealed) {
                    Ok(Some(sealed_again)) => {
                        let sql = format!("UPDATE {table} SET {column} = $1 WHERE {key} = $2 AND {column} = $3");
                        let done = sqlx::query(&sql)
                            .bind(&sealed_again)
                            .bind(&owner)
                            .bind(&sealed)
                            .execute(&mut *self.writer().await?)
                            .await?;
                        bound += done.rows_affected();
                    }
                    Ok(None) => {}
                    Err(error) => tracing::warn!(table, column, %error, "a stored secret could not be sealed again"),
                }
            }
        }
        Ok(bound)
    }
}
