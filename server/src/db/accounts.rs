//! Agencies, sub-accounts, users, memberships and sessions.

use app::model::locale::FormatOrigin;
use app::model::{Currency, Locale, NumberFormat, SubAccountId, UserId};
use sqlx::{AnyConnection, FromRow};

use super::tenancy::{Admin, Tenant};
use super::{Store, StoreResult, new_id, now_ms};

/// A user row. The password hash lives in its own type that cannot be serialised, so it can
/// never end up in a response by accident.
#[derive(Clone, Debug, FromRow)]
pub struct UserRow {
    pub id: UserId,
    pub agency_id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub agency_name: String,
}

pub struct PasswordHash(pub String);

#[derive(Clone, Debug, FromRow)]
pub struct SubAccountRow {
    pub id: SubAccountId,
    pub agency_id: String,
    pub name: String,
    pub time_zone: String,
    /// 1 when it was installed from HighLevel (its CRM is HighLevel's on a connected server).
    pub from_highlevel: i64,
    /// The CRM's country, and the region and currency an admin chose (see `number_format`).
    pub country: Option<String>,
    pub locale: Option<String>,
    pub currency: Option<String>,
}

impl SubAccountRow {
    /// How the sub-account writes numbers and money.
    pub fn number_format(&self) -> NumberFormat {
        NumberFormat::resolve(self.locale.as_deref(), self.currency.as_deref(), self.country.as_deref())
    }

    /// What decided [`Self::number_format`].
    pub fn number_format_origin(&self) -> FormatOrigin {
        let known = |tag: &Option<String>, parse: fn(&str) -> bool| tag.as_deref().is_some_and(parse);
        if known(&self.locale, |t| t.parse::<Locale>().is_ok())
            && known(&self.currency, |t| t.parse::<Currency>().is_ok())
        {
            return FormatOrigin::Chosen;
        }
        match &self.country {
            Some(country) if NumberFormat::for_country(country).is_some() => FormatOrigin::Country(country.clone()),
            _ => FormatOrigin::Default,
        }
    }
}

/// A sub-account row's columns, for queries on `sub_accounts s`.
/// Only lookups by primary key: every request of a member reads these, so they must cost the
/// same however much the sub-account holds (counts are asked for where a page shows them).
pub(super) const SUB_ACCOUNT_COLUMNS: &str = "s.id, s.agency_id, s.name, s.time_zone, \
     (SELECT COUNT(*) FROM hl_locations h WHERE h.location_id = s.id) AS from_highlevel, \
     s.country, s.locale, s.currency";

const USER_COLUMNS: &str = "u.id, u.agency_id, u.email, u.name, u.role, a.name AS agency_name";

impl Store {
    pub async fn create_agency(&self, conn: &mut AnyConnection, name: &str) -> StoreResult<String> {
        let id = new_id();
        sqlx::query("INSERT INTO agencies (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(&id)
            .bind(name)
            .bind(now_ms())
            .execute(conn)
            .await?;
        Ok(id)
    }

    pub async fn create_sub_account(
        &self,
        conn: &mut AnyConnection,
        agency_id: &str,
        name: &str,
        time_zone: &str,
    ) -> StoreResult<SubAccountId> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO sub_accounts (id, agency_id, name, time_zone, starters_created, created_at) \
             VALUES ($1, $2, $3, $4, 0, $5)",
        )
        .bind(&id)
        .bind(agency_id)
        .bind(name)
        .bind(time_zone)
        .bind(now_ms())
        .execute(conn)
        .await?;
        Ok(id.into())
    }

    pub async fn create_user(
        &self,
        conn: &mut AnyConnection,
        agency_id: &str,
        email: &str,
        name: &str,
        role: &str,
        password_hash: &PasswordHash,
    ) -> StoreResult<UserId> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO users (id, agency_id, email, name, role, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(agency_id)
        .bind(email.to_lowercase())
        .bind(name)
        .bind(role)
        .bind(&password_hash.0)
        .bind(now_ms())
        .execute(conn)
        .await?;
        Ok(id.into())
    }

    pub async fn add_membership(
        &self,
        conn: &mut AnyConnection,
        user_id: &UserId,
        sub_account: &SubAccountId,
    ) -> StoreResult<()> {
        sqlx::query("INSERT INTO memberships (user_id, sub_account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(user_id)
            .bind(sub_account)
            .execute(conn)
            .await?;
        Ok(())
    }

    pub async fn agency_count(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM agencies").fetch_one(self.pool()).await?)
    }

    /// The user with this email and their password hash, for sign-in.
    pub async fn user_for_sign_in(&self, email: &str) -> StoreResult<Option<(UserRow, PasswordHash)>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, u.password_hash FROM users u JOIN agencies a ON a.id = u.agency_id WHERE u.email = $1"
        );
        let row: Option<(UserId, String, String, String, String, String, String)> =
            sqlx::query_as(&sql).bind(email.to_lowercase()).fetch_optional(self.pool()).await?;
        Ok(row.map(|(id, agency_id, email, name, role, agency_name, hash)| {
            (UserRow { id, agency_id, email, name, role, agency_name }, PasswordHash(hash))
        }))
    }

    pub async fn create_session(&self, token_hash: &str, user_id: &UserId, expires_at: i64) -> StoreResult<()> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(user_id)
            .bind(now_ms())
            .bind(expires_at)
            .execute(&mut *self.writer().await?)
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *self.writer().await?)
            .await?;
        Ok(())
    }

    pub async fn session_user(&self, token_hash: &str) -> StoreResult<Option<UserRow>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
             JOIN agencies a ON a.id = u.agency_id WHERE s.token_hash = $1 AND s.expires_at > $2"
        );
        Ok(sqlx::query_as(&sql).bind(token_hash).bind(now_ms()).fetch_optional(self.pool()).await?)
    }

    /// The sub-accounts a user belongs to, by name (their counts: `pending_counts_of`).
    pub async fn sub_accounts_of(&self, user_id: &UserId) -> StoreResult<Vec<SubAccountRow>> {
        let sql = format!(
            "SELECT {SUB_ACCOUNT_COLUMNS} FROM sub_accounts s JOIN memberships m ON m.sub_account_id = s.id \
             WHERE m.user_id = $1 ORDER BY s.name"
        );
        Ok(sqlx::query_as(&sql).bind(user_id).fetch_all(self.pool()).await?)
    }

    /// The number of pending forms of each sub-account the user belongs to (those with none are
    /// absent), for the agency page.
    pub async fn pending_counts_of(
        &self,
        user_id: &UserId,
    ) -> StoreResult<std::collections::HashMap<SubAccountId, i64>> {
        let counts: Vec<(SubAccountId, i64)> = sqlx::query_as(
            "SELECT f.sub_account_id, COUNT(*) FROM forms f JOIN memberships m ON m.sub_account_id = f.sub_account_id \
             WHERE m.user_id = $1 AND f.status = 'pending' GROUP BY f.sub_account_id",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        Ok(counts.into_iter().collect())
    }

    /// A sub-account by id, for work the server does on its own (a person's requests go
    /// through [`Store::member`]).
    pub async fn sub_account(&self, sub_account: &SubAccountId) -> StoreResult<Option<SubAccountRow>> {
        let sql = format!("SELECT {SUB_ACCOUNT_COLUMNS} FROM sub_accounts s WHERE s.id = $1");
        Ok(sqlx::query_as(&sql).bind(sub_account).fetch_optional(self.pool()).await?)
    }

    /// Records the region and currency an admin chose for a sub-account's numbers and money.
    pub async fn set_number_format(&self, admin: &Admin, format: NumberFormat) -> StoreResult<()> {
        sqlx::query("UPDATE sub_accounts SET locale = $1, currency = $2 WHERE id = $3")
            .bind(format.locale.as_str())
            .bind(format.currency.as_str())
            .bind(admin.id())
            .execute(&mut *self.writer().await?)
            .await?;
        Ok(())
    }

    /// Claims the one-time creation of a sub-account's starter templates. Returns true for
    /// exactly one caller, however many open the sub-account at the same moment: the update is
    /// atomic, and the claim commits together with the templates it creates.
    pub async fn claim_starters(&self, conn: &mut AnyConnection, tenant: &Tenant) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE sub_accounts SET starters_created = 1 WHERE id = $1 AND starters_created = 0")
            .bind(tenant.id())
            .execute(conn)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
