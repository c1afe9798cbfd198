//! The shared core of OpsFlow: templates, fields, rules, evaluation, note formatting and trigger
//! definitions.
//!
//! Pure Rust with serde and a small regex engine; no I/O and no clock. It is compiled into the
//! server and into the browser's wasm, so conditional visibility and validation are computed by
//! the *same* code in both places: the browser on every change, the server again on submit.

pub mod change;
mod condition;
pub mod crm;
pub mod date;
pub mod editing;
pub mod event;
pub mod field;
pub mod form;
pub mod form_event;
pub mod id;
pub mod locale;
pub mod messaging;
pub mod module;
pub mod named;
pub mod note;
pub mod nul;
pub mod plan;
pub mod record;
pub mod record_event;
pub mod role;
pub mod rule;
pub mod starter;
mod tagged;
pub mod template;
pub mod transfer;
pub mod trigger;
pub mod value;
pub mod workflow;
pub mod writeback;

pub use crm::{CrmField, CrmFieldType, CrmFieldValue, Pipeline, Stage};
pub use date::Date;
pub use event::EventType;
pub use field::{Field, FieldKind};
pub use form::FormStatus;
pub use id::{
    ActionId, ContactId, EventId, FormId, OpportunityId, RunId, SubAccountId, TemplateId, TriggerId, UserId, WorkflowId,
};
pub use locale::{Currency, Locale, NumberFormat};
pub use module::{Module, TriggerModule};
pub use note::format_note;
pub use plan::{CleanAnswer, Evaluation, FormPlan};
pub use record::{RecordField, RecordFieldKind, RecordProblem};
pub use record_event::{Cause, Chain, Fired, RecordEvent, RunTrace};
pub use role::Role;
pub use rule::{Condition, ConditionValue, Logic, Operator, Rule, RuleGroup};
pub use template::{Template, TemplateProblem};
pub use trigger::{TriggerConfig, TriggerEvent, TriggerProblem, Writebacks};
pub use value::{Answer, Answers, FieldError, Value};
pub use writeback::{WritebackKind, WritebackResult, WritebackState};

#[cfg(test)]
#[expect(clippy::expect_used, reason = "a test stops at the first surprise")]
mod tests;
