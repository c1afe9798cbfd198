//! The writebacks of a submitted form: which kinds there are, the order they run in, and how
//! each one ended. The store, the job runner and the pages all speak these types.

use serde::{Deserialize, Serialize};

use super::trigger::Writebacks;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WritebackKind {
    Note,
    CustomFields,
    Task,
    PipelineMove,
}

impl WritebackKind {
    /// The order writebacks run in: the pipeline move last, so a move that fires other
    /// automations happens only after the answers are on the contact.
    pub const ORDER: [WritebackKind; 4] =
        [WritebackKind::Note, WritebackKind::CustomFields, WritebackKind::Task, WritebackKind::PipelineMove];

    pub fn label(self) -> &'static str {
        match self {
            WritebackKind::Note => "Contact note",
            WritebackKind::CustomFields => "Custom fields",
            WritebackKind::Task => "Follow-up task",
            WritebackKind::PipelineMove => "Pipeline move",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WritebackState {
    /// Queued with the submit and not finished yet: running, or waiting to be retried.
    Pending,
    Succeeded,
    Failed,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WritebackResult {
    pub kind: WritebackKind,
    pub state: WritebackState,
    /// What was written, or why it failed, in words for the person who submitted.
    pub message: String,
}

impl Writebacks {
    /// The writebacks these settings turn on, in the order they run.
    pub fn enabled(&self) -> Vec<WritebackKind> {
        WritebackKind::ORDER
            .into_iter()
            .filter(|kind| match kind {
                WritebackKind::Note => self.note,
                WritebackKind::CustomFields => !self.custom_fields.is_empty(),
                WritebackKind::Task => self.task.is_some(),
                WritebackKind::PipelineMove => self.move_to_stage.is_some(),
            })
            .collect()
    }
}
