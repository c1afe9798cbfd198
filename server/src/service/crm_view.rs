use app::api::AppError;
use app::api::ports::{AppResult, CrmViewPort};
use app::api::types::{ContactDetail, CrmBoard, SessionUser};
use app::model::{ContactId, OpportunityId, SubAccountId};
use async_trait::async_trait;

use super::{Service, crm_error, ingest_error};
use crate::crm::Crm;
use crate::db::new_id;
use crate::events::{CrmEvent, EventDetail};

/// Longest call summary and transcript the CRM view accepts.
const MAX_SUMMARY: usize = 2_000;
const MAX_TRANSCRIPT: usize = 100_000;

#[async_trait]
impl CrmViewPort for Service {
    async fn crm_board(&self, user: &SessionUser, sub_account: &SubAccountId) -> AppResult<CrmBoard> {
        let member = self.member_with_builtin_crm(user, sub_account).await?;
        self.builtin.board(member.id(), member.sub_account().number_format()).await.map_err(crm_error)
    }

    async fn contact(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        contact_id: &ContactId,
    ) -> AppResult<ContactDetail> {
        let member = self.member_with_builtin_crm(user, sub_account).await?;
        let row = member.sub_account();
        self.builtin
            .contact_detail(member.id(), contact_id, &row.time_zone, row.number_format())
            .await
            .map_err(crm_error)
    }

    /// A move on the board is a real CRM change, and fires the same stage-change event a
    /// webhook would. (A writeback's move does not: it would echo back into new forms.)
    async fn move_opportunity(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        opportunity_id: &OpportunityId,
        stage_id: &str,
    ) -> AppResult<()> {
        let member = self.member_with_builtin_crm(user, sub_account).await?;
        let sub_account = member.id();
        let opportunity = self.builtin.get_opportunity(sub_account, opportunity_id).await.map_err(crm_error)?;
        if opportunity.pipeline_stage_id == stage_id {
            return Ok(());
        }
        let context = self
            .builtin
            .stage_change_context(sub_account, opportunity_id, stage_id)
            .await
            .map_err(crm_error)?
            .ok_or_else(|| AppError::BadRequest("That stage is not in the opportunity's pipeline.".to_owned()))?;
        self.builtin
            .move_opportunity(sub_account, opportunity_id, &context.pipeline_id, stage_id)
            .await
            .map_err(crm_error)?;
        let event = context.into_event(&member, "builtin", new_id());
        self.ingestor.ingest(event).await.map_err(ingest_error)?;
        Ok(())
    }

    async fn log_call(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        contact_id: &ContactId,
        summary: &str,
        transcript: &str,
    ) -> AppResult<()> {
        let member = self.member_with_builtin_crm(user, sub_account).await?;
        let sub_account = member.id();
        let summary = summary.trim();
        if summary.is_empty() {
            return Err(AppError::BadRequest("A call needs a summary.".to_owned()));
        }
        if summary.chars().count() > MAX_SUMMARY || transcript.chars().count() > MAX_TRANSCRIPT {
            return Err(AppError::BadRequest(format!(
                "The summary may have at most {MAX_SUMMARY} characters and the transcript {MAX_TRANSCRIPT}."
            )));
        }
        let contact = self.builtin.get_contact(sub_account, contact_id).await.map_err(crm_error)?;
        let call_id = self.builtin.insert_call(sub_account, contact_id, summary, transcript).await?;
        let detail = EventDetail::CallCompleted {
            call_id: call_id.clone(),
            summary: summary.to_owned(),
            transcript: transcript.to_owned(),
        };
        let event = CrmEvent::new(&member, "builtin", call_id, contact.id, contact.name, detail);
        self.ingestor.ingest(event).await.map_err(ingest_error)?;
        Ok(())
    }
}
