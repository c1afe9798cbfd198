//! Triggers: which CRM event creates a form from which template, and what the submitted form
//! writes back.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

use super::crm::{CrmField, Pipeline};
use super::event::EventType;
use super::field::Field;
use super::id::TemplateId;
use super::tagged::Tagged;
use super::template::{Template, TemplateProblem};

/// An event with what a trigger matches it on: a trigger listens for one (`stage_changed` into
/// one stage), and each CRM event is one; a trigger fires for an event equal to its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TriggerEvent {
    /// An opportunity moved into `stage_id` of `pipeline_id`.
    StageChanged { pipeline_id: String, stage_id: String },
    /// A Voice AI call ended.
    CallCompleted,
}

impl<'de> Deserialize<'de> for TriggerEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut event = Tagged::read(deserializer, "type")?;
        // Form triggers listen for two event types; the others are the workflow engine's.
        let forms_listen_for = &EventType::NAMES[..EventType::FORM_TRIGGERS.len()];
        Ok(match event.tag().parse::<EventType>() {
            Ok(EventType::StageChanged) => TriggerEvent::StageChanged {
                pipeline_id: event.text("pipeline_id")?,
                stage_id: event.text("stage_id")?,
            },
            Ok(EventType::CallCompleted) => TriggerEvent::CallCompleted,
            _ => return Err(event.unknown(forms_listen_for)),
        })
    }
}

impl TriggerEvent {
    pub fn event_type(&self) -> EventType {
        match self {
            TriggerEvent::StageChanged { .. } => EventType::StageChanged,
            TriggerEvent::CallCompleted => EventType::CallCompleted,
        }
    }

    /// Whether a trigger listening for `self` fires for `event`.
    pub fn matches(&self, event: &TriggerEvent) -> bool {
        self == event
    }
}

/// The writebacks a trigger's forms perform on submit. Each is independent of the others.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Writebacks {
    /// Write the answers as a note on the contact.
    #[serde(default)]
    pub note: bool,
    /// Form field → CRM custom field; only mapped fields are written.
    #[serde(default)]
    pub custom_fields: Vec<FieldMapping>,
    /// Create a follow-up task due the next day.
    #[serde(default)]
    pub task: Option<TaskWriteback>,
    /// Move the opportunity to this stage of the trigger's pipeline, after everything else.
    #[serde(default)]
    pub move_to_stage: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldMapping {
    pub form_field: String,
    pub crm_field_id: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskWriteback {
    /// Custom title; `None` (or blank) uses [`default_task_title`].
    #[serde(default)]
    pub title: Option<String>,
}

impl TaskWriteback {
    pub fn title_for(&self, template_name: &str) -> String {
        match self.title.as_deref().map(str::trim) {
            Some(title) if !title.is_empty() => title.to_owned(),
            _ => default_task_title(template_name),
        }
    }
}

pub fn default_task_title(template_name: &str) -> String {
    format!("Follow up: {template_name}")
}

/// A trigger as an admin configures it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerConfig {
    pub event: TriggerEvent,
    pub template_id: TemplateId,
    pub writebacks: Writebacks,
}

pub const MAX_TASK_TITLE_LEN: usize = 200;

/// One reason a trigger cannot be saved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum TriggerProblem {
    UnknownPipeline {
        pipeline_id: String,
    },
    UnknownStage {
        stage_id: String,
    },
    MoveNeedsStageTrigger,
    MoveToOtherPipeline {
        stage_id: String,
    },
    MoveToSameStage,
    UnknownFormField {
        field: String,
    },
    UnknownCrmField {
        crm_field_id: String,
    },
    IncompatibleMapping {
        field: String,
        crm_field: String,
        kind: String,
        data_type: String,
    },
    CrmFieldMappedTwice {
        crm_field: String,
    },
    /// The form field can give a value the CRM field has no option for.
    MissingOption {
        field: String,
        crm_field: String,
        option: String,
    },
    TaskTitleTooLong,
    /// A trigger for the same event already creates a form from the same template.
    AlreadyExists,
}

impl<'de> Deserialize<'de> for TriggerProblem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use TriggerProblem as P;
        const VARIANTS: &[&str] = &[
            "unknown_pipeline",
            "unknown_stage",
            "move_needs_stage_trigger",
            "move_to_other_pipeline",
            "move_to_same_stage",
            "unknown_form_field",
            "unknown_crm_field",
            "incompatible_mapping",
            "crm_field_mapped_twice",
            "missing_option",
            "task_title_too_long",
            "already_exists",
        ];
        let mut p = Tagged::read(deserializer, "problem")?;
        Ok(match p.tag() {
            "unknown_pipeline" => P::UnknownPipeline { pipeline_id: p.text("pipeline_id")? },
            "unknown_stage" => P::UnknownStage { stage_id: p.text("stage_id")? },
            "move_needs_stage_trigger" => P::MoveNeedsStageTrigger,
            "move_to_other_pipeline" => P::MoveToOtherPipeline { stage_id: p.text("stage_id")? },
            "move_to_same_stage" => P::MoveToSameStage,
            "unknown_form_field" => P::UnknownFormField { field: p.text("field")? },
            "unknown_crm_field" => P::UnknownCrmField { crm_field_id: p.text("crm_field_id")? },
            "incompatible_mapping" => P::IncompatibleMapping {
                field: p.text("field")?,
                crm_field: p.text("crm_field")?,
                kind: p.text("kind")?,
                data_type: p.text("data_type")?,
            },
            "crm_field_mapped_twice" => P::CrmFieldMappedTwice { crm_field: p.text("crm_field")? },
            "missing_option" => {
                P::MissingOption { field: p.text("field")?, crm_field: p.text("crm_field")?, option: p.text("option")? }
            }
            "task_title_too_long" => P::TaskTitleTooLong,
            "already_exists" => P::AlreadyExists,
            _ => return Err(p.unknown(VARIANTS)),
        })
    }
}

impl fmt::Display for TriggerProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use TriggerProblem as P;
        match self {
            P::UnknownPipeline { pipeline_id } => {
                write!(f, "Pipeline “{pipeline_id}” does not exist in this sub-account.")
            }
            P::UnknownStage { stage_id } => write!(f, "Stage “{stage_id}” is not a stage of the chosen pipeline."),
            P::MoveNeedsStageTrigger => f.write_str(
                "A pipeline move needs an opportunity, so it is only available for pipeline stage triggers.",
            ),
            P::MoveToOtherPipeline { stage_id } => {
                write!(
                    f,
                    "Stage “{stage_id}” is not in the trigger's pipeline; a form can only move within the same pipeline."
                )
            }
            P::MoveToSameStage => {
                f.write_str("The pipeline move goes to the stage that fires the trigger; pick another stage.")
            }
            P::UnknownFormField { field } => write!(f, "The template has no answerable field “{field}” to map."),
            P::UnknownCrmField { crm_field_id } => {
                write!(f, "Custom field “{crm_field_id}” does not exist in the CRM.")
            }
            P::IncompatibleMapping { field, crm_field, kind, data_type } => write!(
                f,
                "Form field “{field}” ({kind}) cannot be written to custom field “{crm_field}” ({data_type})."
            ),
            P::CrmFieldMappedTwice { crm_field } => write!(f, "Custom field “{crm_field}” is mapped more than once."),
            P::MissingOption { field, crm_field, option } => write!(
                f,
                "Form field “{field}” can be answered “{option}”, which custom field “{crm_field}” has no option for."
            ),
            P::TaskTitleTooLong => write!(f, "The task title is longer than {MAX_TASK_TITLE_LEN} characters."),
            P::AlreadyExists => f.write_str(
                "A trigger for this event already creates a form from this template; a second would put two identical forms in the inbox.",
            ),
        }
    }
}

/// Whether one custom field mapping can work: the form field exists and takes an answer, the CRM
/// field exists, its type accepts the form field's kind and it has an option for every value the
/// form field can give. The template builder runs this on
/// every trigger of a template it saves, so an edit cannot silently break a writeback.
pub fn check_mapping(
    mapping: &FieldMapping,
    template: &Template,
    crm_fields: &[CrmField],
) -> Result<(), TriggerProblem> {
    let field = template.field(&mapping.form_field).filter(|f| f.kind.takes_answer());
    let crm_field = crm_fields.iter().find(|c| c.id == mapping.crm_field_id);
    match (field, crm_field) {
        (None, _) => Err(TriggerProblem::UnknownFormField { field: mapping.form_field.clone() }),
        (_, None) => Err(TriggerProblem::UnknownCrmField { crm_field_id: mapping.crm_field_id.clone() }),
        (Some(field), Some(crm_field)) if !crm_field.data_type.accepts(field.kind) => {
            Err(TriggerProblem::IncompatibleMapping {
                field: field.label.clone(),
                crm_field: crm_field.name.clone(),
                kind: field.kind.label().to_owned(),
                data_type: crm_field.data_type.label().to_owned(),
            })
        }
        (Some(field), Some(crm_field)) => match crm_field.refused_value(field) {
            Some(option) => Err(TriggerProblem::MissingOption {
                field: field.label.clone(),
                crm_field: crm_field.name.clone(),
                option,
            }),
            None => Ok(()),
        },
    }
}

/// The mappings an edit of `base` into `template` breaks, as problems on the fields they map: a
/// field that is gone, no longer fits its CRM field's type, or gained an option the CRM field
/// lacks. The builder shows them while editing and the server refuses a save with them. What
/// was already so before the edit — a CRM field removed or an option dropped in the CRM, a
/// mapping saved before options were checked — is the trigger's problem, not the edit's, so it is
/// left out: it must not keep the admin from saving other changes.
pub fn broken_mappings(
    mappings: &[FieldMapping],
    template: &Template,
    base: &Template,
    crm_fields: &[CrmField],
) -> Vec<TemplateProblem> {
    let mut problems = Vec::new();
    for mapping in mappings {
        let Err(
            problem @ (TriggerProblem::UnknownFormField { .. }
            | TriggerProblem::IncompatibleMapping { .. }
            | TriggerProblem::MissingOption { .. }),
        ) = check_mapping(mapping, template, crm_fields)
        else {
            continue;
        };
        if let TriggerProblem::MissingOption { option, .. } = &problem
            && base.field(&mapping.form_field).and_then(Field::possible_values).is_some_and(|was| was.contains(option))
        {
            continue;
        }
        let problem =
            TemplateProblem::TriggerMapping { field: mapping.form_field.clone(), reason: problem.to_string() };
        if !problems.contains(&problem) {
            problems.push(problem);
        }
    }
    problems
}

/// Checks a trigger against the template it uses and the sub-account's CRM.
pub fn check_trigger(
    config: &TriggerConfig,
    template: &Template,
    pipelines: &[Pipeline],
    crm_fields: &[CrmField],
) -> Vec<TriggerProblem> {
    let mut problems = Vec::new();
    let writebacks = &config.writebacks;
    match &config.event {
        TriggerEvent::StageChanged { pipeline_id, stage_id } => match pipelines.iter().find(|p| &p.id == pipeline_id) {
            None => problems.push(TriggerProblem::UnknownPipeline { pipeline_id: pipeline_id.clone() }),
            Some(pipeline) => {
                if pipeline.stage(stage_id).is_none() {
                    problems.push(TriggerProblem::UnknownStage { stage_id: stage_id.clone() });
                }
                if let Some(target) = &writebacks.move_to_stage {
                    if pipeline.stage(target).is_none() {
                        problems.push(TriggerProblem::MoveToOtherPipeline { stage_id: target.clone() });
                    } else if target == stage_id {
                        problems.push(TriggerProblem::MoveToSameStage);
                    }
                }
            }
        },
        TriggerEvent::CallCompleted => {
            if writebacks.move_to_stage.is_some() {
                problems.push(TriggerProblem::MoveNeedsStageTrigger);
            }
        }
    }
    for (i, mapping) in writebacks.custom_fields.iter().enumerate() {
        if let Err(problem) = check_mapping(mapping, template, crm_fields) {
            problems.push(problem);
        } else if writebacks.custom_fields[..i].iter().any(|m| m.crm_field_id == mapping.crm_field_id) {
            let crm_field = crm_fields.iter().find(|c| c.id == mapping.crm_field_id).map(|c| c.name.clone());
            let twice = TriggerProblem::CrmFieldMappedTwice { crm_field: crm_field.unwrap_or_default() };
            if !problems.contains(&twice) {
                problems.push(twice);
            }
        }
    }
    if let Some(task) = &writebacks.task
        && task.title.as_deref().is_some_and(|t| t.chars().count() > MAX_TASK_TITLE_LEN)
    {
        problems.push(TriggerProblem::TaskTitleTooLong);
    }
    problems
}
