//! Writebacks: what a submitted form writes to the CRM. Each writeback runs on its own — a
//! failing custom field update does not stop the note or the task — and the pipeline move runs
//! last, after the answers are on the contact. Every result is reported, success or failure.

use app::api::types::{WritebackKind, WritebackResult, WritebackState};
use app::model::trigger::default_task_title;
use app::model::{CleanAnswer, CrmFieldValue, Date, Writebacks, format_note};

use crate::crm::{Crm, CrmError, CustomFieldUpdate, NewNote, NewTask, sentence_case};

/// Everything one form's writebacks need.
pub struct WritebackJob<'a> {
    pub location_id: &'a str,
    pub contact_id: &'a str,
    pub contact_name: &'a str,
    pub opportunity_id: Option<&'a str>,
    pub pipeline_id: Option<&'a str>,
    pub template_name: &'a str,
    pub answers: &'a [CleanAnswer],
    pub writebacks: &'a Writebacks,
    /// The staff member who submitted, credited on the note.
    pub user_id: Option<&'a str>,
    /// Today in the sub-account's time zone.
    pub today: Date,
    /// When the follow-up task is due (ISO 8601).
    pub task_due: String,
}

/// The writebacks a trigger's settings turn on, in the order they run.
pub fn enabled(writebacks: &Writebacks) -> Vec<WritebackKind> {
    WritebackKind::ORDER
        .into_iter()
        .filter(|kind| match kind {
            WritebackKind::Note => writebacks.note,
            WritebackKind::CustomFields => !writebacks.custom_fields.is_empty(),
            WritebackKind::Task => writebacks.task.is_some(),
            WritebackKind::PipelineMove => writebacks.move_to_stage.is_some(),
        })
        .collect()
}

/// Runs every enabled writeback in order and reports each result to `record` as soon as it is
/// known (so a crash mid-way leaves the finished ones recorded).
pub async fn run<F, Fut>(crm: &dyn Crm, job: &WritebackJob<'_>, mut record: F) -> Vec<WritebackResult>
where
    F: FnMut(WritebackResult) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut results = Vec::new();
    for kind in enabled(job.writebacks) {
        let outcome = match kind {
            WritebackKind::Note => write_note(crm, job).await,
            WritebackKind::CustomFields => write_custom_fields(crm, job).await,
            WritebackKind::Task => write_task(crm, job).await,
            WritebackKind::PipelineMove => move_opportunity(crm, job).await,
        };
        let result = match outcome {
            Ok(message) => WritebackResult { kind, state: WritebackState::Succeeded, message },
            Err(error) => {
                tracing::warn!(?kind, %error, contact = job.contact_id, "writeback failed");
                WritebackResult { kind, state: WritebackState::Failed, message: sentence_case(&error.to_string()) }
            }
        };
        record(result.clone()).await;
        results.push(result);
    }
    results
}

async fn write_note(crm: &dyn Crm, job: &WritebackJob<'_>) -> Result<String, CrmError> {
    let body = format_note(job.template_name, job.contact_name, job.today, job.answers);
    let note = NewNote { body, user_id: job.user_id.map(str::to_owned) };
    crm.create_note(job.location_id, job.contact_id, &note).await?;
    Ok(format!("Note added to {}.", job.contact_name))
}

async fn write_custom_fields(crm: &dyn Crm, job: &WritebackJob<'_>) -> Result<String, CrmError> {
    let definitions = crm.custom_fields(job.location_id).await?;
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
            field_value: CrmFieldValue::from_answer(&answer.value, field.data_type),
        });
        names.push(field.name.clone());
    }
    if updates.is_empty() {
        return Ok("No mapped field was answered, so no custom field changed.".to_owned());
    }
    crm.update_contact_custom_fields(job.location_id, job.contact_id, &updates).await?;
    Ok(format!("Updated {}.", names.join(", ")))
}

async fn write_task(crm: &dyn Crm, job: &WritebackJob<'_>) -> Result<String, CrmError> {
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
        assigned_to: job.user_id.map(str::to_owned),
    };
    crm.create_task(job.location_id, job.contact_id, &task).await?;
    Ok(format!("Task “{title}” due {}.", job.today.next_day()))
}

async fn move_opportunity(crm: &dyn Crm, job: &WritebackJob<'_>) -> Result<String, CrmError> {
    let (Some(opportunity_id), Some(pipeline_id), Some(stage_id)) =
        (job.opportunity_id, job.pipeline_id, job.writebacks.move_to_stage.as_deref())
    else {
        return Err(CrmError::Rejected("this form has no opportunity to move".to_owned()));
    };
    crm.move_opportunity(job.location_id, opportunity_id, pipeline_id, stage_id).await?;
    let pipelines = crm.pipelines(job.location_id).await?;
    let stage_name = pipelines.iter().find_map(|p| p.stage(stage_id)).map_or(stage_id, |s| s.name.as_str());
    Ok(format!("Opportunity moved to {stage_name}."))
}
