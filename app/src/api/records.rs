//! The built-in CRM's records of the six modules and their Activity: lists, a record with its
//! history, saving, converting a lead, and the sub-account's event stream.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

use super::error::AppError;
use crate::model::{EventType, Module, NumberFormat, Pipeline, SubAccountId};

/// A record: `id` and its module's fields (see `model::record`).
pub type RecordValues = Map<String, Value>;

/// A module's records, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordList {
    pub module: Module,
    pub records: Vec<RecordValues>,
    /// Names for the ids the records hold (users, linked records, pipelines, stages).
    pub labels: BTreeMap<String, String>,
    pub format: NumberFormat,
}

/// What an editor offers for a module's references.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EditOptions {
    /// The sub-account's users: (id, name).
    pub users: Vec<(String, String)>,
    /// The records a link field can name, per linked module: (id, label).
    pub links: BTreeMap<String, Vec<(String, String)>>,
    pub pipelines: Vec<Pipeline>,
}

/// One record with what its page needs; `record` is `None` for a new one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordDetail {
    pub module: Module,
    pub record: Option<RecordValues>,
    pub options: EditOptions,
    pub labels: BTreeMap<String, String>,
    pub activity: Vec<ActivityItem>,
    pub format: NumberFormat,
}

/// One change as the Activity views list it: the events one save fired (a stage and a score
/// changed: `lead_updated`, `lead_stage_changed`, `lead_score_changed`) are one item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActivityItem {
    pub id: String,
    pub module: Module,
    /// The events, the most telling first: what changed, then the plain "updated".
    pub event_types: Vec<EventType>,
    pub record_id: String,
    pub record_label: String,
    /// In the sub-account's time zone.
    pub occurred_at: String,
    /// Who or what caused it, in words: a person's name, "API", "HighLevel", "Workflow run …".
    pub cause: String,
    /// The fields it changed: (label, before, after), as the page shows values.
    pub changes: Vec<(String, String, String)>,
}

/// The sub-account's Activity, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActivityList {
    pub items: Vec<ActivityItem>,
    /// Admins may filter by module and type.
    pub can_filter: bool,
}

#[server(prefix = "/api", endpoint = "records/list")]
pub async fn load_records(sub_account: SubAccountId, module: Module) -> Result<RecordList, AppError> {
    use super::session::{backend, current_user};
    backend()?.records(&current_user().await?, &sub_account, module).await
}

#[server(prefix = "/api", endpoint = "records/load")]
pub async fn load_record(
    sub_account: SubAccountId,
    module: Module,
    #[server(default)] id: Option<String>,
) -> Result<RecordDetail, AppError> {
    use super::session::{backend, current_user};
    backend()?.record(&current_user().await?, &sub_account, module, id.as_deref()).await
}

/// Creates (no `id`) or updates a record; answers its id. An update sends the fields it changes
/// and what the page showed of them (`seen`): it is refused if someone changed one since.
#[server(prefix = "/api", endpoint = "records/save", input = Json)]
pub async fn save_record(
    sub_account: SubAccountId,
    module: Module,
    id: Option<String>,
    values: RecordValues,
    #[server(default)] seen: Option<RecordValues>,
) -> Result<String, AppError> {
    use super::session::{backend, current_user};
    let record = RecordSave { id: id.as_deref(), values, seen };
    backend()?.save_record(&current_user().await?, &sub_account, module, record).await
}

/// A save of a record: which (none for a new one), the values, and what the page showed.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordSave<'a> {
    pub id: Option<&'a str>,
    pub values: RecordValues,
    pub seen: Option<RecordValues>,
}

/// Converts a lead into a contact; answers the contact's id.
#[server(prefix = "/api", endpoint = "records/convert-lead")]
pub async fn convert_lead(sub_account: SubAccountId, lead_id: String) -> Result<String, AppError> {
    use super::session::{backend, current_user};
    backend()?.convert_lead(&current_user().await?, &sub_account, &lead_id).await
}

#[server(prefix = "/api", endpoint = "activity/load")]
pub async fn load_activity(
    sub_account: SubAccountId,
    #[server(default)] module: Option<Module>,
    #[server(default)] event_type: Option<EventType>,
) -> Result<ActivityList, AppError> {
    use super::session::{backend, current_user};
    backend()?.activity(&current_user().await?, &sub_account, module, event_type).await
}
