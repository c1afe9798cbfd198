//! HighLevel stage tracking. OpportunityStageUpdate carries only the new stage, so the last
//! stage seen per opportunity is kept to tell a real move from a repeat; and OpsFlow's own moves
//! are recorded so the webhook echoing each one is recognised and not taken for a new event.

use app::model::{OpportunityId, SubAccountId};
use sqlx::AnyConnection;

use super::{Store, StoreResult, now_ms};

/// An echo arrives within seconds; a record older than this is stale and no longer matches.
const ECHO_WINDOW_MS: i64 = 15 * 60 * 1000;

impl Store {
    /// Records a stage move OpsFlow is about to make.
    pub async fn record_outgoing_move(
        &self,
        sub_account: &SubAccountId,
        opportunity_id: &OpportunityId,
        stage_id: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO hl_outgoing_moves (location_id, opportunity_id, stage_id, moved_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (location_id, opportunity_id, stage_id) DO UPDATE SET moved_at = excluded.moved_at",
        )
        .bind(sub_account)
        .bind(opportunity_id)
        .bind(stage_id)
        .bind(now_ms())
        .execute(&mut *self.writer().await?)
        .await?;
        Ok(())
    }

    /// Whether this stage change is the echo of a recent OpsFlow move; the record is used up.
    pub async fn take_echo(
        &self,
        conn: &mut AnyConnection,
        sub_account: &SubAccountId,
        opportunity_id: &OpportunityId,
        stage_id: &str,
    ) -> StoreResult<bool> {
        let moved_at: Option<i64> = sqlx::query_scalar(
            "DELETE FROM hl_outgoing_moves WHERE location_id = $1 AND opportunity_id = $2 AND stage_id = $3 \
             RETURNING moved_at",
        )
        .bind(sub_account)
        .bind(opportunity_id)
        .bind(stage_id)
        .fetch_optional(conn)
        .await?;
        Ok(moved_at.is_some_and(|at| now_ms() - at <= ECHO_WINDOW_MS))
    }

    /// Records an opportunity's stage; `false` when it was already known to be there. One
    /// conditional upsert: on PostgreSQL a second writer of the same change (a webhook and the
    /// catch-up copy of it, processed at once by two instances) waits for the first and then
    /// finds nothing to change, so only one of them goes on to make a form.
    pub async fn track_stage(
        &self,
        conn: &mut AnyConnection,
        sub_account: &SubAccountId,
        opportunity_id: &OpportunityId,
        pipeline_id: &str,
        stage_id: &str,
    ) -> StoreResult<bool> {
        let changed: Option<i64> = sqlx::query_scalar(
            "INSERT INTO hl_opportunity_stages (location_id, opportunity_id, pipeline_id, stage_id, changed_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (location_id, opportunity_id) \
             DO UPDATE SET pipeline_id = excluded.pipeline_id, stage_id = excluded.stage_id, \
             changed_at = excluded.changed_at \
             WHERE hl_opportunity_stages.pipeline_id <> excluded.pipeline_id \
             OR hl_opportunity_stages.stage_id <> excluded.stage_id \
             RETURNING changed_at",
        )
        .bind(sub_account)
        .bind(opportunity_id)
        .bind(pipeline_id)
        .bind(stage_id)
        .bind(now_ms())
        .fetch_optional(conn)
        .await?;
        Ok(changed.is_some())
    }
}
