//! The built-in CRM's own screens: the pipeline board and a contact's record, assembled from what
//! the built-in CRM reads (`crm::builtin::views`), with times and money as the sub-account
//! writes them; a move on the board and a logged call, which fire the events a CRM would.

use app::api::AppError;
use app::api::ports::{AppResult, CrmViewPort};
use app::api::types::{
    CallView, ContactDetail, ContactOpportunity, ContactRow, CrmBoard, NoteView, OpportunityCard, PipelineBoard,
    SessionUser, StageColumn, TaskView,
};
use app::model::{Cause, ContactId, Module, OpportunityId, Pipeline, SubAccountId};
use async_trait::async_trait;
use serde_json::{Map, Value, json};

use super::records::record_error;
use super::{Service, crm_error, ingest_error};
use crate::crm::Crm;
use crate::crm::builtin::views::{ContactRecord, Deal};
use crate::events::{CrmEvent, EventDetail};
use crate::time::format_ms;

/// Longest call summary and transcript the CRM view accepts.
const MAX_SUMMARY: usize = 2_000;
const MAX_TRANSCRIPT: usize = 100_000;

#[async_trait]
impl CrmViewPort for Service {
    async fn crm_board(&self, user: &SessionUser, sub_account: &SubAccountId) -> AppResult<CrmBoard> {
        let member = self.member_with_builtin_crm(user, sub_account).await?;
        let pipelines = self.builtin.pipelines(member.id()).await.map_err(crm_error)?;
        let deals = self.builtin.deals(member.id()).await.map_err(crm_error)?;
        let contacts = self.builtin.contacts(member.id()).await.map_err(crm_error)?;
        Ok(CrmBoard {
            pipelines: pipelines.into_iter().map(|pipeline| pipeline_board(pipeline, &deals)).collect(),
            contacts: contacts
                .into_iter()
                .map(|c| ContactRow { id: c.id, name: c.name, email: c.email, phone: c.phone })
                .collect(),
            number_format: member.sub_account().number_format(),
        })
    }

    async fn contact(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        contact_id: &ContactId,
    ) -> AppResult<ContactDetail> {
        let member = self.member_with_builtin_crm(user, sub_account).await?;
        let record = self.builtin.contact_record(member.id(), contact_id).await.map_err(crm_error)?;
        let (zone, format) = (&member.sub_account().time_zone, member.sub_account().number_format());
        let ContactRecord { contact, custom_fields, opportunities, notes, tasks, calls } = record;
        Ok(ContactDetail {
            id: contact.id,
            name: contact.name,
            email: contact.email,
            phone: contact.phone,
            custom_fields: custom_fields
                .into_iter()
                .map(|(name, data_type, value)| (name, value.show(data_type, &format)))
                .collect(),
            opportunities: opportunities
                .into_iter()
                .map(|(id, name, pipeline_name, stage_name)| ContactOpportunity { id, name, pipeline_name, stage_name })
                .collect(),
            notes: notes.into_iter().map(|(body, at)| NoteView { body, created_at: format_ms(at, zone) }).collect(),
            tasks: tasks
                .into_iter()
                .map(|(title, due, completed)| TaskView {
                    due_date: due.get(..10).unwrap_or(&due).to_owned(),
                    title,
                    completed,
                })
                .collect(),
            calls: calls
                .into_iter()
                .map(|(summary, at)| CallView { summary, created_at: format_ms(at, zone) })
                .collect(),
        })
    }

    /// A move on the board is a person's change in the CRM: it fires the opportunity's events
    /// and, in the same transaction, the stage-change form triggers (a writeback's move does
    /// neither of the latter: it would echo back into new forms).
    async fn move_opportunity(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        opportunity_id: &OpportunityId,
        stage_id: &str,
    ) -> AppResult<()> {
        let member = self.member_with_builtin_crm(user, sub_account).await?;
        // Another sub-account's deal is not found (404) before any stage is looked at.
        self.builtin.get_opportunity(member.id(), opportunity_id).await.map_err(crm_error)?;
        let context = self
            .builtin
            .stage_change_context(member.id(), opportunity_id, stage_id)
            .await
            .map_err(crm_error)?
            .ok_or_else(|| AppError::BadRequest("That stage is not in the opportunity's pipeline.".to_owned()))?;
        let values: Map<String, Value> =
            [("pipelineId".to_owned(), json!(context.pipeline_id)), ("stageId".to_owned(), json!(stage_id))]
                .into_iter()
                .collect();
        let cause = Cause::Person { user_id: user.id.clone() };
        let written = self
            .builtin
            .update_record(&member, &cause, Module::Opportunities, opportunity_id, &values)
            .await
            .map_err(record_error)?;
        if !written.forms.is_empty() {
            self.notifier.changed(member.id());
        }
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

/// A pipeline as the board shows it: a column per stage with the deals in it.
fn pipeline_board(pipeline: Pipeline, deals: &[Deal]) -> PipelineBoard {
    let columns = pipeline
        .stages
        .iter()
        .map(|stage| StageColumn {
            stage_id: stage.id.clone(),
            stage_name: stage.name.clone(),
            opportunities: deals
                .iter()
                .filter(|deal| deal.pipeline_id == pipeline.id && deal.stage_id == stage.id)
                .map(|deal| OpportunityCard {
                    id: deal.id.clone(),
                    name: deal.name.clone(),
                    contact_id: deal.contact_id.clone(),
                    contact_name: deal.contact_name.clone(),
                    monetary_value: deal.monetary_value,
                })
                .collect(),
        })
        .collect();
    PipelineBoard { id: pipeline.id, name: pipeline.name, columns }
}
