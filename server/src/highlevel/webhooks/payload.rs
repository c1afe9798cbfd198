//! What a webhook body says (reference §5.2–5.4). Bodies are flat JSON with the event name in
//! `type`; the fields OpsFlow acts on are typed here, everything else is ignored (real deliveries
//! carry more than the documented examples). VoiceAiCallEnd is documented *without* a `type`, so a
//! body that has `agentId` and `transcript` and no `type` is taken for one.

use app::model::{ContactId, OpportunityId, SubAccountId};
use serde::Deserialize;
use serde_json::{Map, Value};

/// The envelope of any webhook: what is stored beside the body and used to dedupe it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    pub event_type: String,
    pub webhook_id: Option<String>,
    pub timestamp: Option<String>,
    pub location_id: Option<String>,
    pub company_id: Option<String>,
}

pub const VOICE_AI_CALL_END: &str = "VoiceAiCallEnd";
pub const OPPORTUNITY_STAGE_UPDATE: &str = "OpportunityStageUpdate";

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("the body is not a JSON object")]
    NotAnObject,
    #[error("the body has no `type`, and is not a Voice AI call end")]
    NoType,
    #[error("a {event_type} webhook is missing or has a malformed field: {error}")]
    Fields { event_type: String, error: String },
}

impl Envelope {
    pub fn read(body: &Value) -> Result<Self, PayloadError> {
        let object = body.as_object().ok_or(PayloadError::NotAnObject)?;
        let text = |name: &str| object.get(name).and_then(Value::as_str).map(str::to_owned);
        let event_type = match text("type") {
            Some(event_type) => event_type,
            None if is_call_end(object) => VOICE_AI_CALL_END.to_owned(),
            None => return Err(PayloadError::NoType),
        };
        Ok(Self {
            event_type,
            webhook_id: text("webhookId").filter(|id| !id.is_empty()),
            timestamp: text("timestamp"),
            location_id: text("locationId"),
            company_id: text("companyId"),
        })
    }
}

fn is_call_end(object: &Map<String, Value>) -> bool {
    object.contains_key("agentId") && object.contains_key("transcript")
}

/// OpportunityStageUpdate (and its siblings' shape).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpportunityChange {
    pub location_id: SubAccountId,
    pub id: OpportunityId,
    pub contact_id: ContactId,
    pub pipeline_id: String,
    pub pipeline_stage_id: String,
    #[serde(default)]
    pub name: String,
}

/// VoiceAiCallEnd.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallEnded {
    pub id: String,
    pub location_id: SubAccountId,
    pub contact_id: Option<ContactId>,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub transcript: String,
    #[serde(default)]
    pub trial_call: bool,
}

/// INSTALL: an agency (`companyId` only) or one location. "Future location" installs may lack
/// `companyId` (reference §5.4).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Install {
    pub company_id: Option<String>,
    pub location_id: Option<SubAccountId>,
    pub company_name: Option<String>,
}

/// UNINSTALL: a location (`locationId`) or the whole agency (`companyId`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Uninstall {
    pub company_id: Option<String>,
    pub location_id: Option<SubAccountId>,
}

/// A webhook, by what OpsFlow does with it.
#[derive(Clone, Debug, PartialEq)]
pub enum Webhook {
    StageUpdate(OpportunityChange),
    CallEnded(CallEnded),
    Install(Install),
    Uninstall(Uninstall),
    /// Contact, opportunity, note and task events (and any other): kept for the workflow engine.
    Record,
}

impl Webhook {
    pub fn parse(envelope: &Envelope, body: &Value) -> Result<Self, PayloadError> {
        let typed = |error: serde_json::Error| PayloadError::Fields {
            event_type: envelope.event_type.clone(),
            error: error.to_string(),
        };
        Ok(match envelope.event_type.as_str() {
            OPPORTUNITY_STAGE_UPDATE => Self::StageUpdate(OpportunityChange::deserialize(body).map_err(typed)?),
            VOICE_AI_CALL_END => Self::CallEnded(CallEnded::deserialize(body).map_err(typed)?),
            "INSTALL" => Self::Install(Install::deserialize(body).map_err(typed)?),
            "UNINSTALL" => Self::Uninstall(Uninstall::deserialize(body).map_err(typed)?),
            _ => Self::Record,
        })
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]

    use super::*;
    use serde_json::json;

    fn parse(body: Value) -> Result<(Envelope, Webhook), PayloadError> {
        let envelope = Envelope::read(&body)?;
        let webhook = Webhook::parse(&envelope, &body)?;
        Ok((envelope, webhook))
    }

    #[test]
    fn the_documented_stage_update_is_read_with_unknown_fields_ignored() {
        let (envelope, webhook) = parse(json!({
            "type": "OpportunityStageUpdate", "locationId": "ve9EPM428h8vShlRW1KT", "id": "wWhVuzqpRuOA1ZVWi4FC",
            "assignedTo": "bNl8QNGXhIQJLv8eeASQ", "contactId": "cJAWDskpkJHbRbhAT7bs", "monetaryValue": 40,
            "name": "Loram ipsu", "pipelineId": "VDm7RPYC2GLUvdpKmBfC",
            "pipelineStageId": "e93ba61a-53b3-45e7-985a-c7732dbcdb69", "source": "Loram ipsu", "status": "open",
            "dateAdded": "2021-11-26T12:41:02.193Z", "webhookId": "wh-1", "timestamp": "2026-11-21T10:00:00Z",
            "appId": "app", "versionId": "v"
        }))
        .unwrap();
        assert_eq!(envelope.webhook_id.as_deref(), Some("wh-1"));
        assert_eq!(envelope.location_id.as_deref(), Some("ve9EPM428h8vShlRW1KT"));
        let Webhook::StageUpdate(change) = webhook else { panic!("a stage update") };
        assert_eq!(change.pipeline_stage_id, "e93ba61a-53b3-45e7-985a-c7732dbcdb69");
        assert_eq!(change.contact_id, "cJAWDskpkJHbRbhAT7bs");
    }

    #[test]
    fn a_call_end_is_recognised_with_or_without_its_type() {
        let body = json!({
            "id": "CALL_abcdef123456", "locationId": "LOC_1234567890", "agentId": "507f1f77bcf86cd799439011",
            "contactId": "contact_abc123", "duration": 187, "summary": "Caller asked for a quote.",
            "transcript": "bot: Hello\nhuman: Hi", "trialCall": false
        });
        let (envelope, webhook) = parse(body.clone()).unwrap();
        assert_eq!(envelope.event_type, VOICE_AI_CALL_END);
        let Webhook::CallEnded(call) = webhook else { panic!("a call end") };
        assert_eq!(
            (call.contact_id.as_deref(), call.summary.as_str()),
            (Some("contact_abc123"), "Caller asked for a quote.")
        );
        let mut typed = body;
        typed["type"] = json!("VoiceAiCallEnd");
        assert!(matches!(parse(typed).unwrap().1, Webhook::CallEnded(_)));
    }

    #[test]
    fn installs_uninstalls_and_records() {
        let (_, install) =
            parse(json!({"type": "INSTALL", "appId": "a", "companyId": "c1", "locationId": "l1"})).unwrap();
        assert_eq!(
            install,
            Webhook::Install(Install {
                company_id: Some("c1".to_owned()),
                location_id: Some("l1".into()),
                company_name: None
            })
        );
        let (_, uninstall) = parse(json!({"type": "UNINSTALL", "appId": "a", "companyId": "c1"})).unwrap();
        assert!(matches!(uninstall, Webhook::Uninstall(Uninstall { location_id: None, .. })));
        let note = json!({"type": "NoteCreate", "locationId": "l1", "id": "n1", "body": "Hi", "contactId": "c"});
        assert_eq!(parse(note).unwrap().1, Webhook::Record);
    }

    #[test]
    fn malformed_bodies_say_what_is_wrong() {
        assert_eq!(parse(json!([1])).unwrap_err(), PayloadError::NotAnObject);
        assert_eq!(parse(json!({"locationId": "l1"})).unwrap_err(), PayloadError::NoType);
        let error = parse(json!({"type": "OpportunityStageUpdate", "locationId": "l1", "id": "o1"})).unwrap_err();
        assert!(
            error.to_string().contains("OpportunityStageUpdate") && error.to_string().contains("contactId"),
            "{error}"
        );
    }
}
