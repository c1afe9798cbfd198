//! Access tokens on demand (reference §1.4–1.6). The agency's (Company) token is refreshed a
//! minute before it expires, or when HighLevel refuses it, and each refresh's new refresh token
//! is saved at once (the old one may be single-use). Location tokens are minted from the
//! Company token with `POST /oauth/locationToken` whenever one is missing or stale.
//!
//! One refresh at a time per company or location: callers that find the token stale queue on a
//! lock for that resource, and the ones after the first find a fresh token and use it. Across
//! instances sharing PostgreSQL, a refresh that fails because another instance rotated the
//! token first reads the token that instance saved.

use app::model::SubAccountId;
use reqwest::Method;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::api::{Api, ApiError, Body, Call, VERSION};
use super::oauth::{Grant, OAuth, UserType};
use super::secrets::{Binding, Opened, SecretBox, SecretError};
use crate::db::connections::SealedToken;
use crate::db::{Store, StoreError, now_ms};

/// Refresh this long before a token expires.
const EARLY_MS: i64 = 60_000;

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{0} is not installed (or was uninstalled); reinstall OpsFlow from the HighLevel marketplace")]
    NotInstalled(String),
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("the token store failed: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secret(#[from] SecretError),
}

/// `GetLocationAccessTokenSuccessfulResponseDto`.
#[derive(Deserialize)]
struct LocationGrant {
    access_token: String,
    #[serde(default = "one_day")]
    expires_in: u64,
}

fn one_day() -> u64 {
    86_399
}

#[derive(Clone, Debug)]
pub struct Tokens {
    store: Store,
    api: Api,
    oauth: OAuth,
    secrets: SecretBox,
    locks: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

fn expires_at(expires_in: u64) -> i64 {
    now_ms() + i64::try_from(expires_in).unwrap_or(86_399).saturating_mul(1000)
}

fn fresh(expires_at: Option<i64>) -> bool {
    expires_at.is_some_and(|at| at - EARLY_MS > now_ms())
}

impl Tokens {
    pub fn new(store: Store, api: Api, oauth: OAuth, secrets: SecretBox) -> Self {
        Self { store, api, oauth, secrets, locks: Arc::default() }
    }

    pub fn oauth(&self) -> &OAuth {
        &self.oauth
    }

    /// The lock for one company's or location's refreshes.
    fn lock(&self, resource: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        locks.entry(resource.to_owned()).or_default().clone()
    }

    /// Saves the agency token of a completed install (the OAuth callback).
    pub async fn save_company_grant(&self, company_id: &str, grant: &Grant) -> Result<(), TokenError> {
        let access = self.secrets.seal(Binding::agency_access_token(company_id), &grant.access_token)?;
        let refresh = grant
            .refresh_token
            .as_deref()
            .map(|token| self.secrets.seal(Binding::agency_refresh_token(company_id), token))
            .transpose()?;
        let token = SealedToken {
            access_token: &access,
            refresh_token: refresh.as_deref(),
            expires_at: expires_at(grant.expires_in),
        };
        Ok(self.store.save_company_tokens(company_id, &token).await?)
    }

    /// A Company token that is good for at least another minute.
    pub async fn company(&self, company_id: &str) -> Result<Opened, TokenError> {
        let not_installed = || TokenError::NotInstalled(format!("The agency {company_id}"));
        let row = self.store.company_tokens(company_id).await?.ok_or_else(not_installed)?;
        if row.uninstalled_at.is_some() {
            return Err(not_installed());
        }
        if let (Some(access), true) = (&row.access_token, fresh(row.expires_at)) {
            return Ok(self.secrets.open(Binding::agency_access_token(company_id), access)?);
        }
        let lock = self.lock(&format!("company:{company_id}"));
        let _turn = lock.lock().await;
        // Whoever held the lock before may have refreshed already.
        let row = self.store.company_tokens(company_id).await?.ok_or_else(not_installed)?;
        if let (Some(access), true) = (&row.access_token, fresh(row.expires_at)) {
            return Ok(self.secrets.open(Binding::agency_access_token(company_id), access)?);
        }
        let sealed_refresh = row.refresh_token.ok_or_else(not_installed)?;
        let refresh = self.secrets.open(Binding::agency_refresh_token(company_id), &sealed_refresh)?;
        match self.oauth.refresh(refresh.expose(), UserType::Company).await {
            Ok(grant) => {
                self.save_company_grant(company_id, &grant).await?;
                tracing::info!(company_id, "refreshed the agency token");
                Ok(Opened::from(grant.access_token))
            }
            Err(error @ (ApiError::Rejected { .. } | ApiError::Unauthorized(_))) => {
                // Another instance may have rotated the refresh token a moment ago.
                match self.store.company_tokens(company_id).await? {
                    Some(now) if now.refresh_token.as_deref() != Some(sealed_refresh.as_str()) => {
                        let access = now.access_token.ok_or_else(not_installed)?;
                        Ok(self.secrets.open(Binding::agency_access_token(company_id), &access)?)
                    }
                    _ => Err(error.into()),
                }
            }
            Err(error) => Err(error.into()),
        }
    }

    /// The Company token was refused: the next [`Tokens::company`] refreshes it.
    pub async fn company_rejected(&self, company_id: &str) -> Result<(), TokenError> {
        let lock = self.lock(&format!("company:{company_id}"));
        let _turn = lock.lock().await;
        if let Some(row) = self.store.company_tokens(company_id).await?
            && let Some(access) = row.access_token.as_deref()
        {
            let token = SealedToken { access_token: access, refresh_token: None, expires_at: 0 };
            self.store.save_company_tokens(company_id, &token).await?;
        }
        Ok(())
    }

    /// A Location token that is good for at least another minute.
    pub async fn location(&self, location_id: &SubAccountId) -> Result<Opened, TokenError> {
        let not_installed = || TokenError::NotInstalled(format!("The sub-account {location_id}"));
        let row = self.store.location_token(location_id).await?.ok_or_else(not_installed)?;
        if row.uninstalled_at.is_some() {
            return Err(not_installed());
        }
        if let (Some(access), true) = (&row.access_token, fresh(row.expires_at)) {
            return Ok(self.secrets.open(Binding::location_access_token(location_id.as_str()), access)?);
        }
        let lock = self.lock(&format!("location:{location_id}"));
        let _turn = lock.lock().await;
        let row = self.store.location_token(location_id).await?.ok_or_else(not_installed)?;
        if let (Some(access), true) = (&row.access_token, fresh(row.expires_at)) {
            return Ok(self.secrets.open(Binding::location_access_token(location_id.as_str()), access)?);
        }
        let grant = match self.mint(&row.company_id, location_id).await {
            Err(TokenError::Api(ApiError::Unauthorized(_))) => {
                self.company_rejected(&row.company_id).await?;
                self.mint(&row.company_id, location_id).await?
            }
            other => other?,
        };
        let sealed = self.secrets.seal(Binding::location_access_token(location_id.as_str()), &grant.access_token)?;
        let token =
            SealedToken { access_token: &sealed, refresh_token: None, expires_at: expires_at(grant.expires_in) };
        self.store.save_location_token(location_id, &token).await?;
        Ok(Opened::from(grant.access_token))
    }

    /// The Location token was refused: the next [`Tokens::location`] mints a new one.
    pub async fn location_rejected(&self, location_id: &SubAccountId) -> Result<(), TokenError> {
        Ok(self.store.expire_location_token(location_id).await?)
    }

    async fn mint(&self, company_id: &str, location_id: &SubAccountId) -> Result<LocationGrant, TokenError> {
        let company = self.company(company_id).await?;
        let form = [("companyId", company_id), ("locationId", location_id)];
        let grant = self
            .api
            .send(Call {
                method: Method::POST,
                path: "/oauth/locationToken",
                query: &[],
                version: VERSION,
                token: company.expose(),
                resource: company_id,
                body: Body::Form(&form),
            })
            .await?;
        Ok(grant)
    }
}
