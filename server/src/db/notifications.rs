//! In-app notifications: what a workflow's `send_notification` step tells people, one row per
//! recipient, read in the bell (newest first, unread counted) and marked read by the recipient.

use app::model::UserId;
use sqlx::{AnyConnection, FromRow};

use super::tenancy::{Member, Tenant};
use super::{Store, StoreResult, new_id, now_ms};

/// One notification as its recipient sees it.
#[derive(Clone, Debug, PartialEq, FromRow)]
pub struct NotificationRow {
    pub id: String,
    pub title: String,
    pub message: String,
    pub link: Option<String>,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// What a step tells one person.
pub struct NewNotification<'a> {
    pub step_id: &'a str,
    pub user: &'a UserId,
    pub title: &'a str,
    pub message: &'a str,
    pub link: Option<&'a str>,
}

impl Store {
    /// Stores a step's notification for a member of the sub-account, once per step and person,
    /// on the step's transaction. `false` when the user is not a member (any more).
    pub async fn notify_on(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        notification: &NewNotification<'_>,
    ) -> StoreResult<bool> {
        let inserted = sqlx::query(
            "INSERT INTO notifications (id, sub_account_id, user_id, step_id, title, message, link, created_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE EXISTS \
               (SELECT 1 FROM memberships WHERE user_id = $3 AND sub_account_id = $2) \
             ON CONFLICT (step_id, user_id) DO NOTHING",
        )
        .bind(new_id())
        .bind(tenant.id())
        .bind(notification.user.as_str())
        .bind(notification.step_id)
        .bind(notification.title)
        .bind(notification.message)
        .bind(notification.link)
        .bind(now_ms())
        .execute(conn)
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// The member's newest notifications in the sub-account, and how many are unread.
    pub async fn notifications(&self, member: &Member, limit: i64) -> StoreResult<(Vec<NotificationRow>, i64)> {
        let rows = sqlx::query_as(
            "SELECT id, title, message, link, created_at, read_at FROM notifications \
             WHERE user_id = $1 AND sub_account_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3",
        )
        .bind(member.user().as_str())
        .bind(member.id())
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok((rows, self.unread_notifications(member).await?))
    }

    pub async fn unread_notifications(&self, member: &Member) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND sub_account_id = $2 AND read_at IS NULL",
        )
        .bind(member.user().as_str())
        .bind(member.id())
        .fetch_one(self.pool())
        .await?)
    }

    /// Marks one of the member's notifications read, or all of them (`None`); how many changed.
    pub async fn mark_notifications_read(&self, member: &Member, id: Option<&str>) -> StoreResult<u64> {
        let done = sqlx::query(
            "UPDATE notifications SET read_at = $1 \
             WHERE user_id = $2 AND sub_account_id = $3 AND read_at IS NULL AND ($4 IS NULL OR id = $4)",
        )
        .bind(now_ms())
        .bind(member.user().as_str())
        .bind(member.id())
        .bind(id)
        .execute(&mut *self.writer().await?)
        .await?;
        Ok(done.rows_affected())
    }
}
