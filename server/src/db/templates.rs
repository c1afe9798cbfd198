//! Templates and their immutable versions.

use app::model::{Template, TemplateId, UserId};
use sqlx::{AnyConnection, FromRow};

use super::tenancy::{Admin, Tenant};
use super::{Store, StoreResult, from_json, new_id, now_ms, to_json};

#[derive(Clone, Debug, FromRow)]
pub struct TemplateSummaryRow {
    pub id: TemplateId,
    pub name: String,
    pub current_version: i64,
    pub definition: String,
    pub updated_at: i64,
    pub pending_forms: i64,
    pub trigger_count: i64,
}

/// A template version as stored: the definition the forms made from it render with.
#[derive(Clone, Debug)]
pub struct TemplateVersion {
    pub template_id: TemplateId,
    pub version: i64,
    pub template: Template,
}

/// What became of a save.
#[derive(Debug, PartialEq, Eq)]
pub enum SaveOutcome {
    /// Stored as this version.
    Saved(i64),
    /// Someone saved since the edit began: the version that is current now.
    Stale(NewerVersion),
    /// No such live template in the sub-account.
    Missing,
}

/// The version a stale save lost to, and who saved it when.
#[derive(Debug, PartialEq, Eq, FromRow)]
pub struct NewerVersion {
    pub version: i64,
    /// The user who saved it (`None` for a starter template or a version saved before authors
    /// were recorded), with their name.
    pub saved_by: Option<UserId>,
    pub saved_by_name: Option<String>,
    pub saved_at: i64,
}

/// Why a template may not be deleted now.
#[derive(Debug, PartialEq, Eq)]
pub enum DeleteBlock {
    PendingForms(i64),
    Triggers(i64),
}

impl Store {
    /// Creates a template at version 1, saved by `saved_by` (nobody for a starter template).
    pub async fn create_template(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        template: &Template,
        saved_by: Option<&UserId>,
    ) -> StoreResult<TemplateId> {
        let id = new_id();
        let now = now_ms();
        sqlx::query(
            "INSERT INTO templates (id, sub_account_id, name, current_version, created_at, updated_at) \
             VALUES ($1, $2, $3, 1, $4, $4)",
        )
        .bind(&id)
        .bind(tenant.id())
        .bind(template.name.trim())
        .bind(now)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO template_versions (template_id, version, definition, created_at, saved_by) \
             VALUES ($1, 1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(to_json(template)?)
        .bind(now)
        .bind(saved_by.map(UserId::as_str))
        .execute(&mut *conn)
        .await?;
        Ok(id.into())
    }

    /// Stores `template` as the version after `base_version`, if that is still the current one.
    /// The conditional update is the guard: of two saves from the same base, one finds the
    /// version moved on and stores nothing.
    pub async fn save_template_version(
        &self,
        admin: &Admin,
        template_id: &TemplateId,
        base_version: i64,
        template: &Template,
        saved_by: &UserId,
    ) -> StoreResult<SaveOutcome> {
        let mut tx = self.begin().await?;
        let current: Option<(i64,)> = sqlx::query_as(
            "SELECT current_version FROM templates WHERE id = $1 AND sub_account_id = $2 AND deleted_at IS NULL",
        )
        .bind(template_id.as_str())
        .bind(admin.id())
        .fetch_optional(&mut *tx)
        .await?;
        let Some((current,)) = current else { return Ok(SaveOutcome::Missing) };
        if current != base_version {
            return Ok(SaveOutcome::Stale(newer_version(&mut tx, template_id, current).await?));
        }
        let next = base_version + 1;
        let now = now_ms();
        let updated = sqlx::query(
            "UPDATE templates SET current_version = $1, name = $2, updated_at = $3 \
             WHERE id = $4 AND sub_account_id = $5 AND current_version = $6",
        )
        .bind(next)
        .bind(template.name.trim())
        .bind(now)
        .bind(template_id.as_str())
        .bind(admin.id())
        .bind(base_version)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            drop(tx);
            let mut conn = self.pool().acquire().await?;
            return Ok(SaveOutcome::Stale(newer_version(&mut conn, template_id, next).await?));
        }
        sqlx::query(
            "INSERT INTO template_versions (template_id, version, definition, created_at, saved_by) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(template_id.as_str())
        .bind(next)
        .bind(to_json(template)?)
        .bind(now)
        .bind(saved_by.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(SaveOutcome::Saved(next))
    }

    /// The ids and names of the sub-account's live templates, by name.
    pub async fn template_names(&self, tenant: &Tenant) -> StoreResult<Vec<(TemplateId, String)>> {
        Ok(sqlx::query_as(
            "SELECT id, name FROM templates WHERE sub_account_id = $1 AND deleted_at IS NULL ORDER BY name",
        )
        .bind(tenant.id())
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn template_summaries(&self, tenant: &Tenant) -> StoreResult<Vec<TemplateSummaryRow>> {
        Ok(sqlx::query_as(
            "SELECT t.id, t.name, t.current_version, v.definition, t.updated_at, \
               (SELECT COUNT(*) FROM forms f WHERE f.template_id = t.id AND f.status = 'pending') AS pending_forms, \
               (SELECT COUNT(*) FROM triggers g WHERE g.template_id = t.id) AS trigger_count \
             FROM templates t JOIN template_versions v ON v.template_id = t.id AND v.version = t.current_version \
             WHERE t.sub_account_id = $1 AND t.deleted_at IS NULL ORDER BY t.name",
        )
        .bind(tenant.id())
        .fetch_all(self.pool())
        .await?)
    }

    /// Pending forms per template and version: `(template_id, version, forms)`, by version.
    pub async fn pending_versions(&self, tenant: &Tenant) -> StoreResult<Vec<(TemplateId, i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT template_id, template_version, COUNT(*) FROM forms \
             WHERE sub_account_id = $1 AND status = 'pending' \
             GROUP BY template_id, template_version ORDER BY template_version",
        )
        .bind(tenant.id())
        .fetch_all(self.pool())
        .await?)
    }

    /// The current version of a live template of this sub-account.
    pub async fn current_template(
        &self,
        conn: &mut AnyConnection,
        tenant: &Tenant,
        template_id: &TemplateId,
    ) -> StoreResult<Option<TemplateVersion>> {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT t.current_version, v.definition FROM templates t \
             JOIN template_versions v ON v.template_id = t.id AND v.version = t.current_version \
             WHERE t.id = $1 AND t.sub_account_id = $2 AND t.deleted_at IS NULL",
        )
        .bind(template_id.as_str())
        .bind(tenant.id())
        .fetch_optional(conn)
        .await?;
        row.map(|(version, definition)| {
            Ok(TemplateVersion { template_id: template_id.clone(), version, template: from_json(&definition)? })
        })
        .transpose()
    }

    /// A specific version, as a form made from it needs; deleted templates' versions stay
    /// readable so their completed forms do too.
    pub async fn template_version(
        &self,
        tenant: &Tenant,
        template_id: &TemplateId,
        version: i64,
    ) -> StoreResult<Option<Template>> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT v.definition FROM template_versions v JOIN templates t ON t.id = v.template_id \
             WHERE v.template_id = $1 AND v.version = $2 AND t.sub_account_id = $3",
        )
        .bind(template_id.as_str())
        .bind(version)
        .bind(tenant.id())
        .fetch_optional(self.pool())
        .await?;
        row.map(|(definition,)| from_json(&definition)).transpose()
    }

    /// Soft-deletes a template unless pending forms or triggers still use it. Returns `None`
    /// when there is no such live template in the sub-account.
    pub async fn delete_template(
        &self,
        admin: &Admin,
        template_id: &TemplateId,
    ) -> StoreResult<Option<Result<(), DeleteBlock>>> {
        let mut tx = self.begin().await?;
        let counts: Option<(i64, i64)> = sqlx::query_as(
            "SELECT \
               (SELECT COUNT(*) FROM forms f WHERE f.template_id = t.id AND f.status = 'pending'), \
               (SELECT COUNT(*) FROM triggers g WHERE g.template_id = t.id) \
             FROM templates t WHERE t.id = $1 AND t.sub_account_id = $2 AND t.deleted_at IS NULL",
        )
        .bind(template_id.as_str())
        .bind(admin.id())
        .fetch_optional(&mut *tx)
        .await?;
        let outcome = match counts {
            None => None,
            Some((pending, _)) if pending > 0 => Some(Err(DeleteBlock::PendingForms(pending))),
            Some((_, triggers)) if triggers > 0 => Some(Err(DeleteBlock::Triggers(triggers))),
            Some(_) => {
                sqlx::query("UPDATE templates SET deleted_at = $1 WHERE id = $2 AND sub_account_id = $3")
                    .bind(now_ms())
                    .bind(template_id.as_str())
                    .bind(admin.id())
                    .execute(&mut *tx)
                    .await?;
                Some(Ok(()))
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }
}

/// Who saved `version` of a template, and when.
async fn newer_version(conn: &mut AnyConnection, template_id: &TemplateId, version: i64) -> StoreResult<NewerVersion> {
    Ok(sqlx::query_as(
        "SELECT v.version, v.saved_by, u.name AS saved_by_name, v.created_at AS saved_at \
         FROM template_versions v LEFT JOIN users u ON u.id = v.saved_by \
         WHERE v.template_id = $1 AND v.version = $2",
    )
    .bind(template_id.as_str())
    .bind(version)
    .fetch_one(conn)
    .await?)
}
