//! The CRM events OpsFlow knows, by one name each: the same spelling on the wire, in the
//! database and in the settings page's choices. Adding an event type starts here.
//!
//! Two are what form triggers listen for (`stage_changed`, `call_completed`); 27 are seed 001's,
//! each in one [`Module`], as the workflow engine's triggers name them; and `form_submitted`, a
//! form submitted in the inbox, starts workflows of the `forms` trigger module.

use super::module::{Module, TriggerModule};
use super::named::named;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventType {
    /// An opportunity moved to another stage of its pipeline (what form triggers listen for).
    StageChanged,
    /// A Voice AI call ended.
    CallCompleted,
    LeadCreated,
    LeadUpdated,
    LeadStageChanged,
    LeadScoreChanged,
    LeadConverted,
    LeadAssigned,
    ContactCreated,
    ContactUpdated,
    ContactAssigned,
    AccountCreated,
    AccountUpdated,
    AccountAssigned,
    OpportunityCreated,
    OpportunityUpdated,
    OpportunityStageChanged,
    OpportunityWon,
    OpportunityLost,
    OpportunityAssigned,
    TaskCreated,
    TaskUpdated,
    TaskOverdue,
    TaskCompleted,
    ProjectCreated,
    ProjectUpdated,
    ProjectStatusChanged,
    ProjectTaskOverdue,
    ProjectCompleted,
    /// A form was submitted in the inbox (OpsFlow's own event, whatever the CRM).
    FormSubmitted,
}

impl EventType {
    pub const ALL: [EventType; 30] = [
        EventType::StageChanged,
        EventType::CallCompleted,
        EventType::LeadCreated,
        EventType::LeadUpdated,
        EventType::LeadStageChanged,
        EventType::LeadScoreChanged,
        EventType::LeadConverted,
        EventType::LeadAssigned,
        EventType::ContactCreated,
        EventType::ContactUpdated,
        EventType::ContactAssigned,
        EventType::AccountCreated,
        EventType::AccountUpdated,
        EventType::AccountAssigned,
        EventType::OpportunityCreated,
        EventType::OpportunityUpdated,
        EventType::OpportunityStageChanged,
        EventType::OpportunityWon,
        EventType::OpportunityLost,
        EventType::OpportunityAssigned,
        EventType::TaskCreated,
        EventType::TaskUpdated,
        EventType::TaskOverdue,
        EventType::TaskCompleted,
        EventType::ProjectCreated,
        EventType::ProjectUpdated,
        EventType::ProjectStatusChanged,
        EventType::ProjectTaskOverdue,
        EventType::ProjectCompleted,
        EventType::FormSubmitted,
    ];
    /// What a form trigger can listen for (the settings page offers these). First in `ALL`, so
    /// their names are the first of `NAMES`.
    pub const FORM_TRIGGERS: [EventType; 2] = [EventType::StageChanged, EventType::CallCompleted];
    /// Each type's name, in the order of the variants (and of `ALL`).
    pub const NAMES: &'static [&'static str] = &[
        "stage_changed",
        "call_completed",
        "lead_created",
        "lead_updated",
        "lead_stage_changed",
        "lead_score_changed",
        "lead_converted",
        "lead_assigned",
        "contact_created",
        "contact_updated",
        "contact_assigned",
        "account_created",
        "account_updated",
        "account_assigned",
        "opportunity_created",
        "opportunity_updated",
        "opportunity_stage_changed",
        "opportunity_won",
        "opportunity_lost",
        "opportunity_assigned",
        "task_created",
        "task_updated",
        "task_overdue",
        "task_completed",
        "project_created",
        "project_updated",
        "project_status_changed",
        "project_task_overdue",
        "project_completed",
        "form_submitted",
    ];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The event as an admin choosing a trigger reads it.
    pub fn label(self) -> &'static str {
        match self {
            EventType::StageChanged => "An opportunity moves to a pipeline stage",
            EventType::CallCompleted => "A Voice AI call ends",
            EventType::LeadCreated => "A lead is created",
            EventType::LeadUpdated => "A lead changes",
            EventType::LeadStageChanged => "A lead's stage changes",
            EventType::LeadScoreChanged => "A lead's score changes",
            EventType::LeadConverted => "A lead is converted",
            EventType::LeadAssigned => "A lead gets another owner",
            EventType::ContactCreated => "A contact is created",
            EventType::ContactUpdated => "A contact changes",
            EventType::ContactAssigned => "A contact gets another owner",
            EventType::AccountCreated => "An account is created",
            EventType::AccountUpdated => "An account changes",
            EventType::AccountAssigned => "An account gets another owner",
            EventType::OpportunityCreated => "An opportunity is created",
            EventType::OpportunityUpdated => "An opportunity changes",
            EventType::OpportunityStageChanged => "An opportunity's stage changes",
            EventType::OpportunityWon => "An opportunity is won",
            EventType::OpportunityLost => "An opportunity is lost",
            EventType::OpportunityAssigned => "An opportunity gets another owner",
            EventType::TaskCreated => "A task is created",
            EventType::TaskUpdated => "A task changes",
            EventType::TaskOverdue => "A task becomes overdue",
            EventType::TaskCompleted => "A task is completed",
            EventType::ProjectCreated => "A project is created",
            EventType::ProjectUpdated => "A project changes",
            EventType::ProjectStatusChanged => "A project's status changes",
            EventType::ProjectTaskOverdue => "A project task becomes overdue",
            EventType::ProjectCompleted => "A project is completed",
            EventType::FormSubmitted => "A form is submitted in the inbox",
        }
    }

    /// The module whose records the event is about; `None` for the two form-trigger events,
    /// which predate the modules, and for `form_submitted`, which is about a form.
    pub fn module(self) -> Option<Module> {
        match self {
            EventType::StageChanged | EventType::CallCompleted | EventType::FormSubmitted => None,
            EventType::LeadCreated
            | EventType::LeadUpdated
            | EventType::LeadStageChanged
            | EventType::LeadScoreChanged
            | EventType::LeadConverted
            | EventType::LeadAssigned => Some(Module::Leads),
            EventType::ContactCreated | EventType::ContactUpdated | EventType::ContactAssigned => {
                Some(Module::Contacts)
            }
            EventType::AccountCreated | EventType::AccountUpdated | EventType::AccountAssigned => {
                Some(Module::Accounts)
            }
            EventType::OpportunityCreated
            | EventType::OpportunityUpdated
            | EventType::OpportunityStageChanged
            | EventType::OpportunityWon
            | EventType::OpportunityLost
            | EventType::OpportunityAssigned => Some(Module::Opportunities),
            EventType::TaskCreated | EventType::TaskUpdated | EventType::TaskOverdue | EventType::TaskCompleted => {
                Some(Module::Tasks)
            }
            EventType::ProjectCreated
            | EventType::ProjectUpdated
            | EventType::ProjectStatusChanged
            | EventType::ProjectTaskOverdue
            | EventType::ProjectCompleted => Some(Module::Projects),
        }
    }

    /// Whether the event carries the record's previous values (what `changed_to`,
    /// `changed_from` and `any_change` compare with): not when the record is new, nor for the
    /// time-based events or a submitted form, where nothing was changed.
    pub fn has_previous(self) -> bool {
        !matches!(
            self,
            EventType::LeadCreated
                | EventType::ContactCreated
                | EventType::AccountCreated
                | EventType::OpportunityCreated
                | EventType::TaskCreated
                | EventType::ProjectCreated
                | EventType::TaskOverdue
                | EventType::ProjectTaskOverdue
                | EventType::CallCompleted
                | EventType::FormSubmitted
        )
    }

    /// The trigger module of the workflows the event starts; `None` for the form-trigger events,
    /// which start forms instead.
    pub fn trigger_module(self) -> Option<TriggerModule> {
        match self {
            EventType::FormSubmitted => Some(TriggerModule::Forms),
            other => other.module().map(TriggerModule::Records),
        }
    }

    /// The events of one module, in the seed's order.
    pub fn of_module(module: Module) -> impl Iterator<Item = EventType> {
        EventType::ALL.into_iter().filter(move |t| t.module() == Some(module))
    }

    /// The events that start workflows of a trigger module.
    pub fn of_trigger_module(module: TriggerModule) -> impl Iterator<Item = EventType> {
        EventType::ALL.into_iter().filter(move |t| t.trigger_module() == Some(module))
    }
}

named!(EventType, "an event type");
