//! HighLevel's record webhooks as changes to the modules' records: which module, which record,
//! and the fields the body says (in `model::record`'s names). A body says only what it carries,
//! so the fields it leaves out keep the values the last snapshot had.

use app::model::Module;
use serde_json::{Map, Value};

use super::payload::PayloadError;

/// What one webhook says about one record.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordChange {
    pub module: Module,
    pub record_id: String,
    /// The fields the body carries, by the module's field names.
    pub fields: Map<String, Value>,
    /// The webhook reports a new record (`*Create`).
    pub creates: bool,
    /// What the webhook's type itself says the record was before, for a record seen for the
    /// first time (a completed task was open).
    pub implied_previous: Map<String, Value>,
}

/// (our field, HighLevel's field) for each module a webhook can change.
const CONTACT_FIELDS: &[(&str, &str)] = &[
    ("firstName", "firstName"),
    ("lastName", "lastName"),
    ("email", "email"),
    ("phone", "phone"),
    ("source", "source"),
    ("ownerId", "assignedTo"),
    ("tags", "tags"),
];
const OPPORTUNITY_FIELDS: &[(&str, &str)] = &[
    ("name", "name"),
    ("contactId", "contactId"),
    ("pipelineId", "pipelineId"),
    ("stageId", "pipelineStageId"),
    ("monetaryValue", "monetaryValue"),
    ("status", "status"),
    ("ownerId", "assignedTo"),
];
const TASK_FIELDS: &[(&str, &str)] = &[
    ("title", "title"),
    ("body", "body"),
    ("dueDate", "dueDate"),
    ("assignedTo", "assignedTo"),
    ("contactId", "contactId"),
];

/// The record change a webhook reports, or `None` for a webhook about something else.
pub fn record_change(event_type: &str, body: &Value) -> Option<Result<RecordChange, PayloadError>> {
    let (module, fields, creates) = match event_type {
        "ContactCreate" => (Module::Contacts, CONTACT_FIELDS, true),
        "ContactUpdate" => (Module::Contacts, CONTACT_FIELDS, false),
        "OpportunityCreate" => (Module::Opportunities, OPPORTUNITY_FIELDS, true),
        "OpportunityUpdate"
        | "OpportunityStageUpdate"
        | "OpportunityStatusUpdate"
        | "OpportunityAssignedToUpdate"
        | "OpportunityMonetaryValueUpdate" => (Module::Opportunities, OPPORTUNITY_FIELDS, false),
        "TaskCreate" => (Module::Tasks, TASK_FIELDS, true),
        "TaskComplete" => (Module::Tasks, TASK_FIELDS, false),
        _ => return None,
    };
    let Some(record_id) = body.get("id").and_then(Value::as_str).filter(|id| !id.is_empty()) else {
        return Some(Err(PayloadError::Fields {
            event_type: event_type.to_owned(),
            error: "missing field `id`".to_owned(),
        }));
    };
    let mut record: Map<String, Value> =
        fields.iter().filter_map(|(ours, theirs)| Some(((*ours).to_owned(), body.get(*theirs)?.clone()))).collect();
    // A contact's `name` when it has no first name; custom fields by id (the webhook has no keys).
    if module == Module::Contacts
        && !record.contains_key("firstName")
        && let Some(name) = body.get("name")
    {
        record.insert("firstName".to_owned(), name.clone());
    }
    if let Some(custom) = body.get("customFields").and_then(Value::as_array) {
        let values: Map<String, Value> = custom
            .iter()
            .filter_map(|field| Some((field.get("id")?.as_str()?.to_owned(), field.get("value")?.clone())))
            .collect();
        record.insert("customFields".to_owned(), Value::Object(values));
    }
    let mut implied_previous = Map::new();
    match event_type {
        "TaskComplete" => {
            record.insert("completed".to_owned(), Value::Bool(true));
            implied_previous.insert("completed".to_owned(), Value::Bool(false));
        }
        "TaskCreate" => {
            record.entry("completed").or_insert(Value::Bool(false));
        }
        _ => {}
    }
    Some(Ok(RecordChange { module, record_id: record_id.to_owned(), fields: record, creates, implied_previous }))
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]

    use super::*;
    use serde_json::json;

    #[test]
    fn the_documented_bodies_map_to_records() {
        // reference §5.2: OpportunityStatusUpdate, and a ContactUpdate.
        let deal = json!({"type": "OpportunityStatusUpdate", "locationId": "l1", "id": "o1", "assignedTo": "u1",
            "contactId": "c1", "monetaryValue": 40, "name": "Roof", "pipelineId": "p1", "pipelineStageId": "s1",
            "source": "web", "status": "won", "dateAdded": "2021-11-26T12:41:02.193Z"});
        let change = record_change("OpportunityStatusUpdate", &deal).unwrap().unwrap();
        assert_eq!((change.module, change.record_id.as_str(), change.creates), (Module::Opportunities, "o1", false));
        assert_eq!(
            Value::Object(change.fields),
            json!({"name": "Roof", "contactId": "c1", "pipelineId": "p1",
            "stageId": "s1", "monetaryValue": 40, "status": "won", "ownerId": "u1"})
        );
        let contact = json!({"type": "ContactUpdate", "id": "c1", "name": "Ana Ruiz", "email": "ana@example.com",
            "tags": ["vip"], "customFields": [{"id": "f1", "value": "Hot"}]});
        let change = record_change("ContactUpdate", &contact).unwrap().unwrap();
        assert_eq!(
            Value::Object(change.fields),
            json!({"firstName": "Ana Ruiz", "email": "ana@example.com",
            "tags": ["vip"], "customFields": {"f1": "Hot"}})
        );
        let done = record_change("TaskComplete", &json!({"id": "t1", "title": "Call"})).unwrap().unwrap();
        assert_eq!(
            (done.fields["completed"].clone(), done.implied_previous["completed"].clone()),
            (json!(true), json!(false))
        );
        assert!(record_change("NoteCreate", &json!({"id": "n1"})).is_none());
        assert!(record_change("TaskCreate", &json!({"title": "no id"})).unwrap().is_err());
    }
}
