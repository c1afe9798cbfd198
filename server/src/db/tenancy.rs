//! Tenancy as a type: every store function that reads or writes a sub-account's data takes a
//! [`Tenant`], and a `Tenant` comes only from
//! - a membership check ([`Store::member`] → [`Member`], and [`Member::admin`] → [`Admin`] for
//!   what only admins may do), for everything a person asks for;
//! - an API key check ([`Store::key_holder`] → [`KeyHolder`]), for what a key's caller asks for; or
//! - [`Tenant::for_server_work`], for what the server does on its own for a record it stored
//!   (the forms of an event, the writebacks of a form), whose sub-account was never a request
//!   parameter.
//!
//! So a query scoped by a sub-account id straight from a request does not compile. `Member`
//! and `Admin` dereference to `Tenant`, so `&member` and `&admin` are passed as they are:
//!
//! ```
//! # use server::db::{Store, StoreResult};
//! # use app::model::{SubAccountId, UserId};
//! async fn triggers_of(store: &Store, user: &UserId, asked: &SubAccountId) -> StoreResult<usize> {
//!     let Some(member) = store.member(user, asked).await? else { return Ok(0) };
//!     Ok(store.triggers(&member).await?.len())
//! }
//! ```
//!
//! while the id alone is refused by the compiler:
//!
//! ```compile_fail,E0308
//! # use server::db::{Store, StoreResult};
//! # use app::model::SubAccountId;
//! async fn triggers_of(store: &Store, asked: &SubAccountId) -> StoreResult<usize> {
//!     Ok(store.triggers(asked).await?.len())
//! }
//! ```
//!
//! and so is a membership made up outside the store:
//!
//! ```compile_fail,E0451
//! # use server::db::tenancy::{Member, Tenant};
//! fn forged(row: server::db::accounts::SubAccountRow) -> Member {
//!     let tenant = Tenant::for_server_work(row.id.clone());
//!     Member { tenant, sub_account: row, user: "u".into(), role: app::model::Role::Admin }
//! }
//! ```

use app::model::{Role, SubAccountId, UserId};
use serde::Serialize;
use sqlx::FromRow;
use std::ops::Deref;

use super::accounts::{SUB_ACCOUNT_COLUMNS, SubAccountRow};
use super::{Store, StoreResult};

/// Whose data a query touches. Serialised as the sub-account's id (a stored event names it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Tenant(SubAccountId);

impl Tenant {
    /// For work the server does by itself for a sub-account it read from a stored record (an
    /// event, a job, a webhook) — never for an id a request carried: that needs [`Store::member`].
    pub fn for_server_work(sub_account: SubAccountId) -> Self {
        Self(sub_account)
    }

    pub fn id(&self) -> &SubAccountId {
        &self.0
    }
}

/// A user who belongs to a sub-account, with the sub-account as the membership check read it.
#[derive(Clone, Debug)]
pub struct Member {
    tenant: Tenant,
    sub_account: SubAccountRow,
    user: UserId,
    role: Role,
}

impl Member {
    pub fn sub_account(&self) -> &SubAccountRow {
        &self.sub_account
    }

    pub fn user(&self) -> &UserId {
        &self.user
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The same member as an admin, when the stored role says so.
    pub fn admin(self) -> Option<Admin> {
        self.is_admin().then_some(Admin(self))
    }
}

impl Deref for Member {
    type Target = Tenant;

    fn deref(&self) -> &Tenant {
        &self.tenant
    }
}

/// A member whose role is admin: saving and deleting templates, adding and removing triggers
/// and setting the number format take this, so a staff path cannot reach them. (Creating a
/// template takes any [`Tenant`]: a member's first visit creates the starter templates.)
#[derive(Clone, Debug)]
pub struct Admin(Member);

impl Deref for Admin {
    type Target = Member;

    fn deref(&self) -> &Member {
        &self.0
    }
}

/// Whether the person who made an API key (`k`) is still an admin of its sub-account — 1 or 0,
/// a BIGINT on both databases. A key acts for its maker, and stops when they could no longer
/// make it.
pub const MAKER_IS_ADMIN: &str = "CAST(CASE WHEN EXISTS (SELECT 1 FROM users u JOIN memberships m ON m.user_id = u.id \
     WHERE u.id = k.created_by AND u.role = 'admin' AND m.sub_account_id = k.sub_account_id) THEN 1 ELSE 0 END AS BIGINT)";

/// A live API key, as its caller finds it.
pub enum KeyState {
    Live(KeyHolder),
    /// Its maker is no longer an admin of its sub-account.
    MakerNotAdmin,
}

/// The holder of a live key: a [`Tenant`] (the key's sub-account), so everything it asks for is
/// scoped there. Made only by [`Store::key_holder`].
#[derive(Clone, Debug)]
pub struct KeyHolder {
    tenant: Tenant,
    key_id: String,
}

impl KeyHolder {
    pub fn key_id(&self) -> &str {
        &self.key_id
    }
}

impl Deref for KeyHolder {
    type Target = Tenant;

    fn deref(&self) -> &Tenant {
        &self.tenant
    }
}

/// Who may change a sub-account's workflows: an admin, or the holder of an API key (which an
/// admin made). `by` is what a saved version records: the user's id, or `key:<id>`.
#[derive(Clone, Debug)]
pub struct Editor {
    tenant: Tenant,
    by: String,
}

impl Editor {
    pub fn by(&self) -> &str {
        &self.by
    }
}

impl From<&Admin> for Editor {
    fn from(admin: &Admin) -> Self {
        Self { tenant: admin.tenant.clone(), by: admin.user.to_string() }
    }
}

impl From<&KeyHolder> for Editor {
    fn from(holder: &KeyHolder) -> Self {
        Self { tenant: holder.tenant.clone(), by: format!("key:{}", holder.key_id) }
    }
}

impl Deref for Editor {
    type Target = Tenant;

    fn deref(&self) -> &Tenant {
        &self.tenant
    }
}

#[derive(FromRow)]
struct MembershipRow {
    #[sqlx(flatten)]
    sub_account: SubAccountRow,
    role: String,
}

impl Store {
    /// The user's membership of the sub-account, if there is one: a lookup by key in each of
    /// the tables it joins, whatever the sub-account holds, since every request of a member
    /// starts here.
    pub async fn member(&self, user: &UserId, sub_account: &SubAccountId) -> StoreResult<Option<Member>> {
        let sql = format!(
            "SELECT {SUB_ACCOUNT_COLUMNS}, u.role FROM sub_accounts s \
             JOIN memberships m ON m.sub_account_id = s.id JOIN users u ON u.id = m.user_id \
             WHERE m.user_id = $1 AND s.id = $2"
        );
        let row: Option<MembershipRow> =
            sqlx::query_as(&sql).bind(user.as_str()).bind(sub_account.as_str()).fetch_optional(self.pool()).await?;
        Ok(row.map(|row| Member {
            tenant: Tenant(row.sub_account.id.clone()),
            role: Role::from_stored(&row.role),
            user: user.clone(),
            sub_account: row.sub_account,
        }))
    }

    /// The live key with this hash, noting when it was used (at most once a minute, so a busy
    /// key does not write on every call): its holder, or [`KeyState::MakerNotAdmin`] when the
    /// person who made it is no longer an admin of its sub-account (it works no more).
    pub async fn key_holder(&self, secret_hash: &str) -> StoreResult<Option<KeyState>> {
        let sql = format!(
            "SELECT k.id, k.sub_account_id, k.last_used_at, {MAKER_IS_ADMIN} FROM api_keys k \
             WHERE k.secret_hash = $1 AND k.revoked_at IS NULL"
        );
        let row: Option<(String, SubAccountId, Option<i64>, i64)> =
            sqlx::query_as(&sql).bind(secret_hash).fetch_optional(self.pool()).await?;
        let Some((key_id, sub_account, last_used_at, maker_is_admin)) = row else { return Ok(None) };
        if maker_is_admin == 0 {
            return Ok(Some(KeyState::MakerNotAdmin));
        }
        let now = super::now_ms();
        if last_used_at.is_none_or(|used| now - used > 60_000) {
            sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(&key_id)
                .execute(&mut *self.writer().await?)
                .await?;
        }
        Ok(Some(KeyState::Live(KeyHolder { tenant: Tenant(sub_account), key_id })))
    }
}
