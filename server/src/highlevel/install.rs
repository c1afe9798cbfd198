//! Completing an agency install (reference §1.2–1.5, §8.1): the OAuth callback's code becomes
//! the agency's token, the agency exists in OpsFlow, and every location the app is installed
//! in becomes a sub-account, named as in HighLevel. INSTALL webhooks may arrive before or
//! after this; either order ends in the same state.

use app::model::SubAccountId;
use reqwest::Method;
use serde::Deserialize;

use super::HighLevel;
use super::api::{ApiError, Body, Call, VERSION};
use super::tokens::TokenError;
use crate::db::StoreError;

/// Locations asked for per page.
const PAGE: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("HighLevel did not accept the install: {0}")]
    Exchange(ApiError),
    #[error("HighLevel's answer names no agency (companyId); install OpsFlow from the agency view")]
    NoCompany,
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("the sub-accounts could not be listed: {0}")]
    Locations(ApiError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an install connected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Installed {
    pub company_id: String,
    /// Names of the installed sub-accounts.
    pub sub_accounts: Vec<String>,
}

#[derive(Deserialize)]
struct LocationsPage {
    #[serde(default)]
    locations: Vec<InstalledLocation>,
}

#[derive(Deserialize)]
struct InstalledLocation {
    #[serde(rename = "_id")]
    id: SubAccountId,
    #[serde(default)]
    name: String,
}

impl HighLevel {
    pub async fn complete_install(&self, code: &str) -> Result<Installed, InstallError> {
        let tokens = self.crm.tokens();
        let grant = tokens.oauth().exchange_code(code).await.map_err(InstallError::Exchange)?;
        let company_id = grant.fields.company_id.clone().ok_or(InstallError::NoCompany)?;
        self.store.install_company(&company_id, None).await?;
        tokens.save_company_grant(&company_id, &grant).await?;
        let mut sub_accounts = Vec::new();
        for location in self.installed_locations(&company_id).await? {
            let name =
                if location.name.trim().is_empty() { format!("Sub-account {}", location.id) } else { location.name };
            self.store.install_location(&location.id, &company_id, &name, "UTC").await?;
            // The time zone (due dates of tasks) needs the location's own record.
            match self.crm.location_details(&location.id).await {
                Ok(details) => {
                    self.store
                        .rename_sub_account(&location.id, &details.name, &details.time_zone, details.country.as_deref())
                        .await?
                }
                Err(error) => tracing::warn!(location = %location.id, %error, "installed without its time zone"),
            }
            sub_accounts.push(name);
        }
        tracing::info!(company_id, sub_accounts = sub_accounts.len(), "HighLevel install completed");
        Ok(Installed { company_id, sub_accounts })
    }

    /// `GET /oauth/installedLocations`, every page.
    async fn installed_locations(&self, company_id: &str) -> Result<Vec<InstalledLocation>, InstallError> {
        let token = self.crm.tokens().company(company_id).await?;
        let mut all = Vec::new();
        loop {
            let skip = all.len().to_string();
            let limit = PAGE.to_string();
            let query = [
                ("companyId", company_id),
                ("appId", self.config.app_id.as_str()),
                ("isInstalled", "true"),
                ("skip", skip.as_str()),
                ("limit", limit.as_str()),
            ];
            let page: LocationsPage = self
                .api
                .send(Call {
                    method: Method::GET,
                    path: "/oauth/installedLocations",
                    query: &query,
                    version: VERSION,
                    token: token.expose(),
                    resource: company_id,
                    body: Body::None,
                })
                .await
                .map_err(InstallError::Locations)?;
            let count = page.locations.len();
            all.extend(page.locations);
            if count < PAGE {
                return Ok(all);
            }
        }
    }
}
