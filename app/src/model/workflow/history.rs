//! A workflow's runs as the REST API and the run history show them: seed 001's "Run history"
//! (a page of runs, newest first) and "Run detail with steps".

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ActionType;
use crate::model::event::EventType;
use crate::model::id::{ActionId, RunId, WorkflowId};

/// How far a run got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// A step is due or running.
    Running,
    /// A `wait` step holds it until `resumeAt`.
    Waiting,
    Completed,
    /// A step failed for good; later steps did not run.
    Failed,
    /// Its workflow was deleted while it waited.
    Cancelled,
}

impl RunStatus {
    pub const ALL: [RunStatus; 5] =
        [RunStatus::Running, RunStatus::Waiting, RunStatus::Completed, RunStatus::Failed, RunStatus::Cancelled];
    pub const NAMES: &'static [&'static str] = &["running", "waiting", "completed", "failed", "cancelled"];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Due: it runs as soon as a worker takes it (or at its retry's time).
    Pending,
    Running,
    /// A `wait` waiting for its time.
    Waiting,
    Completed,
    Failed,
    /// Not run (its run was cancelled first).
    Cancelled,
}

impl StepStatus {
    pub const ALL: [StepStatus; 6] = [
        StepStatus::Pending,
        StepStatus::Running,
        StepStatus::Waiting,
        StepStatus::Completed,
        StepStatus::Failed,
        StepStatus::Cancelled,
    ];
    pub const NAMES: &'static [&'static str] = &["pending", "running", "waiting", "completed", "failed", "cancelled"];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// One run of a workflow. Times are RFC 3339.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub id: RunId,
    pub workflow_id: WorkflowId,
    /// The version it runs, whatever the workflow became since.
    pub workflow_version: i64,
    pub trigger_type: EventType,
    pub record_id: String,
    pub status: RunStatus,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// When a waiting run goes on.
    pub resume_at: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// The trigger record and its previous values as the event carried them (`{record,
    /// previous}`); in a run's detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub trigger: Option<Value>,
    /// Its steps in the order they ran; in a run's detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<Step>>,
}

/// One action a run reached.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Step {
    pub id: String,
    pub action_id: ActionId,
    pub action_type: ActionType,
    pub status: StepStatus,
    pub attempts: i64,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// The action's settings as filled in for this run, secrets left out.
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub input: Option<Value>,
    /// What it did: the record it made, the user it chose, the answer it got, the path it took.
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub output: Option<Value>,
    pub error: Option<String>,
}

/// A page of a workflow's runs, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RunPage {
    pub data: Vec<Run>,
    /// From 1.
    pub page: i64,
    /// 1 to 100.
    pub limit: i64,
    /// Runs of the workflow in all.
    pub total: i64,
    /// The workflow was deleted: it starts no more runs, and these stay readable.
    #[serde(default, rename = "workflowDeleted")]
    pub workflow_deleted: bool,
}
