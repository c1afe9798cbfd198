//! HighLevel users signed in through the custom page's user context (SSO): their OpsFlow
//! account (id `hl-<userId>`, no password), their memberships, one-time hand-off codes, the
//! user contexts already used, and when HighLevel last confirmed each user's access.

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

    /// Records that a user context was used, for `user_id`, until `expires_at`. `false` when it
    /// had been used before (nothing is changed then).
    pub async fn claim_sso_payload(
        &self,
        conn: &mut AnyConnection,
        payload_hash: &str,
        user_id: &UserId,
        expires_at: i64,
    ) -> StoreResult<bool> {
        let claimed = sqlx::query(
            "INSERT INTO sso_payloads (payload_hash, user_id, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (payload_hash) DO NOTHING",
        )
        .bind(payload_hash)
        .bind(user_id)
        .bind(expires_at)
        .execute(conn)
        .await?;
        Ok(claimed.rows_affected() == 1)
    }

    /// Keeps a used context until `expires_at` (when a session it led to ends).
    pub async fn keep_sso_payload(&self, payload_hash: &str, expires_at: i64) -> StoreResult<()> {
        sqlx::query("UPDATE sso_payloads SET expires_at = $2 WHERE payload_hash = $1")
            .bind(payload_hash)
            .bind(expires_at)
            .execute(&mut *self.writer().await?)
            .await?;
        Ok(())
    }

    /// Whose sign-in a user context already made, if it was used.
    pub async fn sso_payload_user(&self, payload_hash: &str) -> StoreResult<Option<UserId>> {
        Ok(sqlx::query_scalar("SELECT user_id FROM sso_payloads WHERE payload_hash = $1")
            .bind(payload_hash)
            .fetch_optional(self.pool())
            .await?)
    }

    /// What HighLevel last confirmed of a user — their role and sub-accounts — if it did so
    /// after `since`.
    pub async fn confirmed_highlevel_access(
        &self,
        user_id: &UserId,
        since: i64,
    ) -> StoreResult<Option<(bool, Vec<SubAccountId>)>> {
        let role: Option<String> =
            sqlx::query_scalar("SELECT role FROM users WHERE id = $1 AND highlevel_confirmed_at > $2")
                .bind(user_id)
                .bind(since)
                .fetch_optional(self.pool())
                .await?;
        let Some(role) = role else { return Ok(None) };
        Ok(Some((role == "admin", self.membership_ids(user_id).await?)))
    }

    /// Sets a HighLevel user's role and memberships to what HighLevel confirmed at `at`.
    pub async fn confirm_highlevel_access(
        &self,
        conn: &mut AnyConnection,
        user_id: &UserId,
        admin: bool,
        sub_account_ids: &[SubAccountId],
        at: i64,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE users SET role = $2, highlevel_confirmed_at = $3 WHERE id = $1")
            .bind(user_id)
            .bind(if admin { "admin" } else { "staff" })
            .bind(at)
            .execute(&mut *conn)
            .await?;
        self.replace_memberships(conn, user_id, sub_account_ids).await
    }

    /// HighLevel users with a live session or API key whose access HighLevel has not confirmed
    /// since `since`: their id, agency and sub-accounts.
    pub async fn highlevel_users_to_recheck(&self, since: i64) -> StoreResult<Vec<HighLevelUserRow>> {
        let users: Vec<(UserId, String, String, Option<i64>)> = sqlx::query_as(
            "SELECT u.id, u.agency_id, u.role, u.highlevel_confirmed_at FROM users u \
             WHERE substr(u.id, 1, 3) = 'hl-' AND COALESCE(u.highlevel_confirmed_at, 0) < $1 \
             AND (EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = u.id AND s.expires_at > $2) \
                  OR EXISTS (SELECT 1 FROM api_keys k WHERE k.created_by = u.id AND k.revoked_at IS NULL)) \
             ORDER BY u.id",
        )
        .bind(since)
        .bind(now_ms())
        .fetch_all(self.pool())
        .await?;
        let mut rows = Vec::with_capacity(users.len());
        for (id, agency_id, role, confirmed_at) in users {
            let locations = self.membership_ids(&id).await?;
            rows.push(HighLevelUserRow { id, agency_id, admin: role == "admin", locations, confirmed_at });
        }
        Ok(rows)
    }

    async fn membership_ids(&self, user_id: &UserId) -> StoreResult<Vec<SubAccountId>> {
        Ok(sqlx::query_scalar("SELECT sub_account_id FROM memberships WHERE user_id = $1 ORDER BY 1")
            .bind(user_id)
            .fetch_all(self.pool())
            .await?)
    }

    /// What a re-check found, written only if no sign-in confirmed the user since it read them
    /// (`was`, their confirmation then); `false` when one did (nothing is written).
    pub async fn reconfirm_highlevel_access(
        &self,
        conn: &mut AnyConnection,
        user_id: &UserId,
        was: Option<i64>,
        admin: bool,
        sub_account_ids: &[SubAccountId],
        at: i64,
    ) -> StoreResult<bool> {
        let updated = sqlx::query(
            "UPDATE users SET role = $2, highlevel_confirmed_at = $3 \
             WHERE id = $1 AND COALESCE(highlevel_confirmed_at, 0) = $4",
        )
        .bind(user_id)
        .bind(if admin { "admin" } else { "staff" })
        .bind(at)
        .bind(was.unwrap_or(0))
        .execute(&mut *conn)
        .await?;
        if updated.rows_affected() == 0 {
            return Ok(false);
        }
        self.replace_memberships(conn, user_id, sub_account_ids).await?;
        Ok(true)
    }

    /// Ends every session of a user, and their hand-off links.
    pub async fn end_sessions_of(&self, conn: &mut AnyConnection, user_id: &UserId) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
        sqlx::query("DELETE FROM sso_handoffs WHERE user_id = $1").bind(user_id).execute(conn).await?;
        Ok(())
    }
}

/// A HighLevel user as OpsFlow last knew them.
#[derive(Clone, Debug)]
pub struct HighLevelUserRow {
    pub id: UserId,
    /// HighLevel's company.
    pub agency_id: String,
    pub admin: bool,
    pub locations: Vec<SubAccountId>,
    pub confirmed_at: Option<i64>,
}
