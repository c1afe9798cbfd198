//! HighLevel installs: which agencies (companies) and sub-accounts (locations) are connected,
//! and their tokens — stored sealed; this module never sees a token in the clear. An uninstall
//! drops the tokens and marks the install ended; the agency's and sub-account's data stay until
//! an admin deletes them.

use app::model::SubAccountId;
use sqlx::{AnyConnection, FromRow};

use super::{Store, StoreResult, now_ms};

#[derive(Clone, Debug, FromRow)]
pub struct CompanyTokens {
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    pub expires_at: Option<i64>,
    pub uninstalled_at: Option<i64>,
}

#[derive(Clone, Debug, FromRow)]
pub struct LocationToken {
    pub company_id: String,
    pub access_token: Option<String>,
    pub expires_at: Option<i64>,
    pub uninstalled_at: Option<i64>,
}

/// A token to save, sealed, with when it expires (Unix ms).
pub struct SealedToken<'a> {
    pub access_token: &'a str,
    pub refresh_token: Option<&'a str>,
    pub expires_at: i64,
}

impl Store {
    /// The agency exists in OpsFlow (its id is the companyId) and is installed. `name` is
    /// HighLevel's name for it when known (INSTALL may carry it; the token response does not);
    /// without one a new agency is called "HighLevel agency <id>" and a known one keeps its name.
    pub async fn install_company(&self, company_id: &str, name: Option<&str>) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let now = now_ms();
        sqlx::query(
            "INSERT INTO agencies (id, name, created_at) VALUES ($1, COALESCE($2, $3), $4) \
             ON CONFLICT (id) DO UPDATE SET name = COALESCE($2, agencies.name)",
        )
        .bind(company_id)
        .bind(name)
        .bind(format!("HighLevel agency {company_id}"))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO hl_companies (company_id, installed_at) VALUES ($1, $2) \
             ON CONFLICT (company_id) DO UPDATE SET uninstalled_at = NULL",
        )
        .bind(company_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Saves a company's new tokens. A refresh rotates the refresh token: the new one replaces
    /// the old (`None` keeps the old one).
    pub async fn save_company_tokens(&self, company_id: &str, token: &SealedToken<'_>) -> StoreResult<()> {
        sqlx::query(
            "UPDATE hl_companies SET access_token = $1, refresh_token = COALESCE($2, refresh_token), expires_at = $3 \
             WHERE company_id = $4",
        )
        .bind(token.access_token)
        .bind(token.refresh_token)
        .bind(token.expires_at)
        .bind(company_id)
        .execute(&mut *self.writer().await?)
        .await?;
        Ok(())
    }

    pub async fn company_tokens(&self, company_id: &str) -> StoreResult<Option<CompanyTokens>> {
        Ok(sqlx::query_as(
            "SELECT access_token, refresh_token, expires_at, uninstalled_at FROM hl_companies WHERE company_id = $1",
        )
        .bind(company_id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// The sub-account exists (its id is the locationId) under its agency and is installed. A
    /// sub-account that existed keeps its name and settings.
    pub async fn install_location(
        &self,
        sub_account: &SubAccountId,
        company_id: &str,
        name: &str,
        time_zone: &str,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let now = now_ms();
        sqlx::query(
            "INSERT INTO sub_accounts (id, agency_id, name, time_zone, starters_created, created_at) \
             VALUES ($1, $2, $3, $4, 0, $5) ON CONFLICT (id) DO NOTHING",
        )
        .bind(sub_account)
        .bind(company_id)
        .bind(name)
        .bind(time_zone)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO hl_locations (location_id, company_id, installed_at) VALUES ($1, $2, $3) \
             ON CONFLICT (location_id) DO UPDATE SET uninstalled_at = NULL",
        )
        .bind(sub_account)
        .bind(company_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Names a sub-account as HighLevel does (an install names it before its details are known),
    /// with its time zone and country.
    pub async fn rename_sub_account(
        &self,
        sub_account: &SubAccountId,
        name: &str,
        time_zone: &str,
        country: Option<&str>,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE sub_accounts SET name = $1, time_zone = $2, country = COALESCE($3, country) WHERE id = $4")
            .bind(name)
            .bind(time_zone)
            .bind(country)
            .bind(sub_account)
            .execute(&mut *self.writer().await?)
            .await?;
        Ok(())
    }

    /// Installed sub-accounts with how far the catch-up job has looked (Unix ms).
    pub async fn installed_locations(&self) -> StoreResult<Vec<(SubAccountId, Option<i64>)>> {
        Ok(sqlx::query_as(
            "SELECT location_id, caught_up_at FROM hl_locations WHERE uninstalled_at IS NULL ORDER BY location_id",
        )
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn set_caught_up(&self, sub_account: &SubAccountId, at: i64) -> StoreResult<()> {
        sqlx::query("UPDATE hl_locations SET caught_up_at = $1 WHERE location_id = $2")
            .bind(at)
            .bind(sub_account)
            .execute(&mut *self.writer().await?)
            .await?;
        Ok(())
    }

    pub async fn save_location_token(&self, sub_account: &SubAccountId, token: &SealedToken<'_>) -> StoreResult<()> {
        sqlx::query("UPDATE hl_locations SET access_token = $1, expires_at = $2 WHERE location_id = $3")
            .bind(token.access_token)
            .bind(token.expires_at)
            .bind(sub_account)
            .execute(&mut *self.writer().await?)
            .await?;
        Ok(())
    }

    /// Forgets a location token HighLevel no longer accepts, so the next call mints a new one.
    pub async fn expire_location_token(&self, sub_account: &SubAccountId) -> StoreResult<()> {
        sqlx::query("UPDATE hl_locations SET expires_at = 0 WHERE location_id = $1")
            .bind(sub_account)
            .execute(&mut *self.writer().await?)
            .await?;
        Ok(())
    }

    pub async fn location_token(&self, sub_account: &SubAccountId) -> StoreResult<Option<LocationToken>> {
        Ok(sqlx::query_as(
            "SELECT company_id, access_token, expires_at, uninstalled_at FROM hl_locations WHERE location_id = $1",
        )
        .bind(sub_account)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Ends a location's install: its token is dropped and its triggers stop (webhooks for it
    /// are ignored); nobody can open it any more (see [`Store::end_access`]). Returns whether
    /// it was installed.
    pub async fn uninstall_location(&self, sub_account: &SubAccountId) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE hl_locations SET access_token = NULL, expires_at = NULL, uninstalled_at = $1 \
             WHERE location_id = $2 AND uninstalled_at IS NULL",
        )
        .bind(now_ms())
        .bind(sub_account)
        .execute(&mut *tx)
        .await?;
        self.end_access(&mut tx, "sub_account_id = $1", sub_account).await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends an agency's install and every one of its locations'.
    pub async fn uninstall_company(&self, company_id: &str) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE hl_companies SET access_token = NULL, refresh_token = NULL, expires_at = NULL, uninstalled_at = $1 \
             WHERE company_id = $2 AND uninstalled_at IS NULL",
        )
        .bind(now)
        .bind(company_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE hl_locations SET access_token = NULL, expires_at = NULL, uninstalled_at = $1 \
             WHERE company_id = $2 AND uninstalled_at IS NULL",
        )
        .bind(now)
        .bind(company_id)
        .execute(&mut *tx)
        .await?;
        let of_company = "sub_account_id IN (SELECT location_id FROM hl_locations WHERE company_id = $1)";
        self.end_access(&mut tx, of_company, company_id).await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Uninstalled sub-accounts (`which`, a condition on `memberships.sub_account_id` with one
    /// parameter) lose their members, and the HighLevel users among them their sessions: they
    /// came in through HighLevel, which no longer lets them in. (They sign in again through it
    /// for whatever other sub-accounts they have.) Their API keys are revoked: a key is its
    /// sub-account's, and an uninstalled one has nobody left to answer for it.
    async fn end_access(&self, conn: &mut AnyConnection, which: &str, id: &str) -> StoreResult<()> {
        sqlx::query(&format!(
            "DELETE FROM sessions WHERE user_id IN (SELECT user_id FROM memberships WHERE {which}) \
             AND user_id IN (SELECT id FROM users WHERE password_hash = '!')"
        ))
        .bind(id)
        .execute(&mut *conn)
        .await?;
        sqlx::query(&format!("DELETE FROM memberships WHERE {which}")).bind(id).execute(&mut *conn).await?;
        sqlx::query(&format!("UPDATE api_keys SET revoked_at = $2 WHERE {which} AND revoked_at IS NULL"))
            .bind(id)
            .bind(super::now_ms())
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}
