//! API keys (admins): made with a random secret shown once, stored as its hash, listed without
//! it, revoked for good. Another sub-account's key answers 404 like a missing one.

use app::api::AppError;
use app::api::ports::{ApiKeysPort, AppResult};
use app::api::types::{ApiKeyView, NewApiKey, SessionUser};
use app::model::SubAccountId;
use async_trait::async_trait;

use super::Service;
use super::auth::session_user;
use crate::auth::{new_session_token, token_hash};
use crate::db::api_keys::{ApiKeyRow, LIVE_KEYS};
use crate::db::tenancy::Admin;
use crate::http::KEY_PREFIX;
use crate::time::format_ms;

const LONGEST_NAME: usize = 100;

impl Service {
    /// Makes a key for `opsflow api-key create`: as the admin with that email, in their
    /// sub-account with that name or id. The same checks as in Settings apply.
    pub async fn create_api_key_as(&self, email: &str, sub_account: &str, name: &str) -> AppResult<NewApiKey> {
        let (row, _) = self
            .store
            .user_for_sign_in(email.trim())
            .await?
            .ok_or_else(|| AppError::not_found(&format!("A user with the email “{}”", email.trim())))?;
        let user = session_user(row);
        let theirs = self.store.sub_accounts_of(&user.id).await?;
        let wanted = sub_account.trim();
        // An id is exact; a name may be shared by two sub-accounts, and then it is not enough.
        let by_id = theirs.iter().find(|s| s.id.as_str() == wanted);
        let by_name: Vec<_> = theirs.iter().filter(|s| s.name.eq_ignore_ascii_case(wanted)).collect();
        let found = match (by_id, by_name.len()) {
            (Some(found), _) => found,
            (None, 1) => by_name[0],
            (None, 0) => {
                let names: Vec<&str> = theirs.iter().map(|s| s.name.as_str()).collect();
                return Err(AppError::BadRequest(format!(
                    "{} has no sub-account named or with the id “{wanted}”; theirs: {}.",
                    user.email,
                    if names.is_empty() { "none".to_owned() } else { names.join(", ") }
                )));
            }
            (None, _) => {
                let ids: Vec<String> = by_name.iter().map(|s| format!("{} ({})", s.name, s.id)).collect();
                return Err(AppError::BadRequest(format!(
                    "More than one sub-account is named “{wanted}”: {}. Give its id.",
                    ids.join(", ")
                )));
            }
        };
        let id = found.id.clone();
        self.create_api_key(&user, &id, name).await
    }

    /// The admin a key operation needs; staff are told what only admins may do.
    async fn key_admin(&self, user: &SessionUser, sub_account: &SubAccountId) -> AppResult<Admin> {
        self.member(user, sub_account)
            .await?
            .admin()
            .ok_or_else(|| AppError::Forbidden("Only admins can see, make and revoke API keys.".to_owned()))
    }
}

fn view(row: ApiKeyRow, zone: &str) -> ApiKeyView {
    ApiKeyView {
        id: row.id,
        name: row.name,
        prefix: row.prefix,
        created_by: row.created_by_name,
        created_at: format_ms(row.created_at, zone),
        last_used_at: row.last_used_at.map(|at| format_ms(at, zone)),
        revoked_at: row.revoked_at.map(|at| format_ms(at, zone)),
        maker_not_admin: row.maker_is_admin == 0,
    }
}

#[async_trait]
impl ApiKeysPort for Service {
    async fn api_keys(&self, user: &SessionUser, sub_account: &SubAccountId) -> AppResult<Vec<ApiKeyView>> {
        let admin = self.key_admin(user, sub_account).await?;
        let zone = admin.sub_account().time_zone.clone();
        Ok(self.store.api_keys(&admin).await?.into_iter().map(|row| view(row, &zone)).collect())
    }

    async fn create_api_key(&self, user: &SessionUser, sub_account: &SubAccountId, name: &str) -> AppResult<NewApiKey> {
        let admin = self.key_admin(user, sub_account).await?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > LONGEST_NAME {
            return Err(AppError::BadRequest(format!(
                "Name the key (1 to {LONGEST_NAME} characters), for instance after what will use it."
            )));
        }
        let (secret, _) = new_session_token();
        let key = format!("{KEY_PREFIX}{secret}");
        let id = self.store.create_api_key(&admin, name, &key, &token_hash(&key)).await?.ok_or_else(|| {
            AppError::Conflict(format!(
                "This sub-account has {LIVE_KEYS} live API keys, the most it can have: revoke one it no longer uses first."
            ))
        })?;
        let zone = admin.sub_account().time_zone.clone();
        let row = self.store.api_keys(&admin).await?.into_iter().find(|row| row.id == id);
        let view = row.map(|row| view(row, &zone)).ok_or_else(|| AppError::Internal("the new key".to_owned()))?;
        tracing::info!(key_id = view.id, sub_account = %sub_account, "API key made");
        Ok(NewApiKey { key, view })
    }

    async fn revoke_api_key(&self, user: &SessionUser, sub_account: &SubAccountId, key_id: &str) -> AppResult<()> {
        let admin = self.key_admin(user, sub_account).await?;
        if self.store.revoke_api_key(&admin, key_id).await? {
            tracing::info!(key_id, sub_account = %sub_account, "API key revoked");
            Ok(())
        } else {
            Err(AppError::not_found("That API key"))
        }
    }
}
