//! Writebacks: what a submitted form writes to the CRM. Each writeback is a job of its own
//! (`service::writebacks` runs them) — a failing custom field update does not stop the note or
//! the task — and in one pass the pipeline move runs last, after the answers are on the contact.
//!
//! A retry must never make a second note or task. HighLevel takes no idempotency key, and the
//! note's text is fixed by the form, so no marker can ride along: an attempt that follows
//! another first looks on the contact for the note (same text) or task (same title, text and
//! due date) an earlier attempt may have created before its answer was lost, and counts it as
//! done — unless another writeback already claimed that note or task as its own.

use app::model::trigger::default_task_title;
use app::model::{
    Cause, CleanAnswer, ContactId, CrmFieldValue, Date, NumberFormat, OpportunityId, SubAccountId, UserId,
    WritebackKind, Writebacks, format_note,
};
use std::collections::HashSet;

use crate::crm::{Crm, CrmError, CustomFieldUpdate, NewNote, NewTask};

/// Everything one form's writebacks need.
pub struct WritebackJob<'a> {
    pub sub_account: &'a SubAccountId,
    pub contact_id: &'a ContactId,
    pub contact_name: &'a str,
    pub opportunity_id: Option<&'a OpportunityId>,
    pub pipeline_id: Option<&'a str>,
    pub template_name: &'a str,
    pub answers: &'a [CleanAnswer],
    pub writebacks: &'a Writebacks,
    /// The staff member who submitted, credited on the note.
    pub user_id: Option<&'a UserId>,
    /// Who the writes are for, as the CRM's events record it: the person who submitted.
    pub cause: &'a Cause,
    /// Today in the sub-account's time zone.
    pub today: Date,
    /// When the follow-up task is due (ISO 8601).
    pub task_due: String,
    /// How the sub-account writes numbers and money, for the note and text fields.
    pub format: NumberFormat,
}

/// What a writeback did.
#[derive(Clone, Debug, PartialEq)]
pub struct Written {
    /// In words for the person who submitted.
    pub message: String,
    /// The note or task it created (or found from an earlier attempt).
    pub created_id: Option<String>,
}

impl Written {
    fn said(message: String) -> Self {
        Self { message, created_id: None }
    }
}

/// Whether an earlier attempt of this writeback ran, and if so the notes and tasks other
/// writebacks created on the contact (which are not this one's).
#[derive(Clone, Copy, Debug)]
pub enum Attempt<'a> {
    First,
    Again { claimed_by_others: &'a HashSet<String> },
}

/// Runs one writeback.
pub async fn write(
    crm: &dyn Crm,
    job: &WritebackJob<'_>,
    kind: WritebackKind,
    attempt: Attempt<'_>,
) -> Result<Written, CrmError> {
    match kind {
        WritebackKind::Note => write_note(crm, job, attempt).await,
        WritebackKind::CustomFields => write_custom_fields(crm, job).await.map(Written::said),
        WritebackKind::Task => write_task(crm, job, attempt).await,
        WritebackKind::PipelineMove => move_opportunity(crm, job).await.map(Written::said),
    }
}

async fn write_note(crm: &dyn Crm, job: &WritebackJob<'_>, attempt: Attempt<'_>) -> Result<Written, CrmError> {
    let body = format_note(job.template_name, job.contact_name, job.today, job.answers, &job.format);
    let message = format!("Note added to {}.", job.contact_name);
    if let Attempt::Again { claimed_by_others } = attempt {
        let notes = crm.contact_notes(job.sub_account, job.contact_id).await?;
        if let Some(earlier) = notes.iter().find(|n| n.body.trim() == body.trim() && !claimed_by_others.contains(&n.id))
        {
            tracing::info!(note = earlier.id, contact = %job.contact_id, "an earlier attempt had added the note");
            return Ok(Written { message, created_id: Some(earlier.id.clone()) });
        }
    }
    let note = NewNote { body, user_id: job.user_id.map(|id| id.as_str().to_owned()) };
    let created = crm.create_note(job.sub_account, job.contact_id, &note).await?;
    Ok(Written { message, created_id: Some(created.id) })
}

async fn write_custom_fields(crm: &dyn Crm, job: &WritebackJob<'_>) -> Result<String, CrmError> {
    let definitions = crm.custom_fields(job.sub_account).await?;
    let mut updates = Vec::new();
    let mut names = Vec::new();
    for mapping in &job.writebacks.custom_fields {
        // Only mapped fields that were shown and answered are written.
        let Some(answer) = job.answers.iter().find(|a| a.key == mapping.form_field) else { continue };
        let field = definitions
            .iter()
            .find(|d| d.id == mapping.crm_field_id)
            .ok_or_else(|| CrmError::Rejected(format!("custom field {} no longer exists", mapping.crm_field_id)))?;
        updates.push(CustomFieldUpdate {
            id: field.id.clone(),
            key: field.key.clone(),
            field_value: CrmFieldValue::from_answer(&answer.value, field.data_type, &job.format),
        });
        names.push(field.name.clone());
    }
    if updates.is_empty() {
        return Ok("No mapped field was answered, so no custom field changed.".to_owned());
    }
    crm.update_contact_custom_fields(job.sub_account, job.contact_id, &updates, job.cause).await?;
    Ok(format!("Updated {}.", names.join(", ")))
}

async fn write_task(crm: &dyn Crm, job: &WritebackJob<'_>, attempt: Attempt<'_>) -> Result<Written, CrmError> {
    let title = job
        .writebacks
        .task
        .as_ref()
        .map_or_else(|| default_task_title(job.template_name), |task| task.title_for(job.template_name));
    let task = NewTask {
        title: title.clone(),
        body: format!("Created by OpsFlow from the {} form for {}.", job.template_name, job.contact_name),
        due_date: job.task_due.clone(),
        completed: false,
        assigned_to: job.user_id.map(|id| id.as_str().to_owned()),
    };
    let message = format!("Task “{title}” due {}.", job.today.next_day());
    if let Attempt::Again { claimed_by_others } = attempt {
        let tasks = crm.contact_tasks(job.sub_account, job.contact_id).await?;
        if let Some(earlier) = tasks.iter().find(|t| {
            t.title == task.title
                && t.body == task.body
                && same_moment(&t.due_date, &task.due_date)
                && !claimed_by_others.contains(&t.id)
        }) {
            tracing::info!(task = earlier.id, contact = %job.contact_id, "an earlier attempt had created the task");
            return Ok(Written { message, created_id: Some(earlier.id.clone()) });
        }
    }
    let created = crm.create_task(job.sub_account, job.contact_id, &task, job.cause).await?;
    Ok(Written { message, created_id: Some(created.id) })
}

/// HighLevel answers `2026-11-22T09:00:00.000Z` for the `2026-11-22T09:00:00Z` it was sent.
fn same_moment(a: &str, b: &str) -> bool {
    match (chrono::DateTime::parse_from_rfc3339(a), chrono::DateTime::parse_from_rfc3339(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

async fn move_opportunity(crm: &dyn Crm, job: &WritebackJob<'_>) -> Result<String, CrmError> {
    let (Some(opportunity_id), Some(pipeline_id), Some(stage_id)) =
        (job.opportunity_id, job.pipeline_id, job.writebacks.move_to_stage.as_deref())
    else {
        return Err(CrmError::Rejected("this form has no opportunity to move".to_owned()));
    };
    crm.move_opportunity(job.sub_account, opportunity_id, pipeline_id, stage_id, job.cause).await?;
    let pipelines = crm.pipelines(job.sub_account).await?;
    let stage_name = pipelines.iter().find_map(|p| p.stage(stage_id)).map_or(stage_id, |s| s.name.as_str());
    Ok(format!("Opportunity moved to {stage_name}."))
}
