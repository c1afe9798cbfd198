//! HighLevel users signed in through the custom page's user context (SSO): their OpsFlow
//! account (id `hl-<userId>`, no password), their memberships, and one-time hand-off codes.

use app::model::{SubAccountId, UserId};
use sqlx::AnyConnection;

use super::{Store, StoreResult, now_ms};

impl Store {
    /// Creates or updates a HighLevel user's account. `false` when the email already belongs to
    /// another OpsFlow account (nothing is changed then).
    pub async fn upsert_sso_user(
        &self,
        conn: &mut AnyConnection,
        user_id: &UserId,
        agency_id: &str,
        email: &str,
        name: &str,
        role: &str,
    ) -> StoreResult<bool> {
        let email = email.trim().to_lowercase();
        let owner: Option<UserId> =
            sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(&email).fetch_optional(&mut *conn).await?;
        if owner.is_some_and(|owner| owner != *user_id) {
            return Ok(false);
        }
        // A password hash that no password matches: these accounts sign in only through SSO.
        sqlx::query(
            "INSERT INTO users (id, agency_id, email, name, role, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, '!', $6) \
             ON CONFLICT (id) DO UPDATE SET email = excluded.email, name = excluded.name, role = excluded.role",
        )
        .bind(user_id)
        .bind(agency_id)
        .bind(&email)
        .bind(name)
        .bind(role)
        .bind(now_ms())
        .execute(conn)
        .await?;
        Ok(true)
    }

    /// Sets a HighLevel user's memberships to exactly these sub-accounts.
    pub async fn replace_memberships(
        &self,
        conn: &mut AnyConnection,
        user_id: &UserId,
        sub_account_ids: &[SubAccountId],
    ) -> StoreResult<()> {
        sqlx::query("DELETE FROM memberships WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
        for sub_account_id in sub_account_ids {
            self.add_membership(conn, user_id, sub_account_id).await?;
        }
        Ok(())
    }

    /// The installed locations of an agency.
    pub async fn installed_location_ids(&self, company_id: &str) -> StoreResult<Vec<SubAccountId>> {
        Ok(sqlx::query_scalar(
            "SELECT location_id FROM hl_locations WHERE company_id = $1 AND uninstalled_at IS NULL ORDER BY location_id",
        )
        .bind(company_id)
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn create_handoff(
        &self,
        code_hash: &str,
        verifier_hash: &str,
        user_id: &UserId,
        landing: &str,
        expires_at: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sso_handoffs (code_hash, verifier_hash, user_id, landing, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(code_hash)
        .bind(verifier_hash)
        .bind(user_id)
        .bind(landing)
        .bind(expires_at)
        .execute(&mut *self.writer().await?)
        .await?;
        Ok(())
    }

    /// Uses up a hand-off code: its user and landing page, if it exists, has not expired and
    /// the verifier matches. A wrong verifier uses the code up too: it is tried once.
    pub async fn take_handoff(&self, code_hash: &str, verifier_hash: &str) -> StoreResult<Option<(UserId, String)>> {
        let taken: Option<(UserId, String, i64, String)> = sqlx::query_as(
            "DELETE FROM sso_handoffs WHERE code_hash = $1 RETURNING user_id, landing, expires_at, verifier_hash",
        )
        .bind(code_hash)
        .fetch_optional(&mut *self.writer().await?)
        .await?;
        Ok(taken
            .filter(|(_, _, expires_at, verifier)| *expires_at > now_ms() && verifier == verifier_hash)
            .map(|(user, landing, _, _)| (user, landing)))
    }
}
