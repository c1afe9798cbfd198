//! `POST /api/v1/events`: the event API, for the built-in CRM and for other CRMs. It feeds the
//! same ingestion path as the board and signed webhooks, and answers only once the event is
//! durable. Two kinds of body, by `type`:
//! - `stage_changed` and `call_completed` (what form triggers listen for) name the built-in
//!   CRM's opportunity or contact; stored once, they create the matching triggers' forms;
//! - any of seed 001's 27 module events carries the record another CRM changed — `record_id`,
//!   `record`, the changed fields' `previous` values, optionally `occurred_at` (RFC 3339) —
//!   checked against the module's fields by the model, and is stored once in the event stream.
//!
//! A caller authenticates with an API key (`Authorization: Bearer`; the body's `sub_account_id`
//! must then be the key's), or as a signed-in member of the sub-account (session cookie): staff
//! send the form events only, module events take an admin. The event records who sent it (the
//! key, or the person) as its cause.

use app::api::AppError;
use app::api::types::SessionUser;
use app::model::nul::{NUL_REFUSED, nul_paths};
use app::model::record_event::check_reported;
use app::model::{Cause, ContactId, EventType, OpportunityId, RecordEvent, SubAccountId};
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header::RETRY_AFTER};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::api_key::bearer;
use super::{ApiError, request_user};
use crate::crm::Crm;
use crate::db::new_id;
use crate::db::tenancy::{KeyHolder, Tenant};
use crate::events::{CrmEvent, EventDetail, Incoming, IngestError, IngestOutcome, ReportedEvent};
use crate::service::{crm_error, ingest_error};
use crate::state::AppState;

/// The body of an event. `id` is the caller's event id: sending the same id twice is safe.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum EventRequest {
    StageChanged {
        id: String,
        sub_account_id: SubAccountId,
        opportunity_id: OpportunityId,
        stage_id: String,
    },
    CallCompleted {
        id: String,
        sub_account_id: SubAccountId,
        contact_id: ContactId,
        summary: String,
        #[serde(default)]
        transcript: String,
    },
}

/// A module event another CRM reports.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleEventRequest {
    id: String,
    #[serde(rename = "type")]
    event_type: EventType,
    sub_account_id: SubAccountId,
    record_id: String,
    record: Map<String, Value>,
    #[serde(default)]
    previous: Map<String, Value>,
    /// RFC 3339; when it is left out, the moment OpsFlow received it.
    #[serde(default)]
    occurred_at: Option<String>,
}

const MAX_ID_LEN: usize = 200;

fn bad_request(text: String) -> ApiError {
    AppError::BadRequest(text).into()
}

fn checked_id(id: &str) -> Result<&str, ApiError> {
    checked("id", id)
}

/// An id the caller chose, within bounds.
fn checked<'a>(name: &str, id: &'a str) -> Result<&'a str, ApiError> {
    let id = id.trim();
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return Err(bad_request(format!("`{name}` must be 1 to {MAX_ID_LEN} characters.")));
    }
    Ok(id)
}

pub async fn ingest_event(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let caller = match bearer(&headers) {
        Some(key) => Caller::Key(state.service.key_holder(key).await?),
        None => Caller::Person(request_user(&state.service, &headers).await?),
    };
    let Json(body) = body.map_err(|rejection| AppError::BadRequest(rejection.body_text()))?;
    if let Some(path) = nul_paths(&body).first() {
        return Err(bad_request(format!("`{path}`: {NUL_REFUSED}")));
    }
    let form_trigger = matches!(body.get("type").and_then(Value::as_str), Some("stage_changed" | "call_completed"));
    let read = |error: serde_json::Error| bad_request(format!("The event could not be read: {error}."));
    let event: Incoming = if form_trigger {
        let request: EventRequest = serde_json::from_value(body).map_err(read)?;
        let (id, sub_account_id) = match &request {
            EventRequest::StageChanged { id, sub_account_id, .. }
            | EventRequest::CallCompleted { id, sub_account_id, .. } => (checked_id(id)?, sub_account_id),
        };
        let tenant = caller.tenant(&state, sub_account_id).await?;
        resolve(&state, &request, id, &tenant).await?.into()
    } else {
        let request: ModuleEventRequest = serde_json::from_value(body).map_err(read)?;
        let tenant = caller.reporter(&state, &request.sub_account_id).await?;
        reported(request, &tenant, caller.cause())?.into()
    };
    match state.service.ingestor().try_ingest(event).await {
        Ok(outcome) => {
            let status = if matches!(outcome, IngestOutcome::Duplicate) { StatusCode::OK } else { StatusCode::CREATED };
            Ok((status, Json(outcome)).into_response())
        }
        Err(IngestError::Overloaded) => {
            let mut response =
                ApiError(AppError::Conflict("OpsFlow is busy; retry shortly.".to_owned())).into_response();
            *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            response.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
            Ok(response)
        }
        Err(error) => Err(ingest_error(error).into()),
    }
}

/// Who sends an event: the holder of an API key, or a signed-in person.
enum Caller {
    Key(KeyHolder),
    Person(SessionUser),
}

impl Caller {
    /// The sub-account the event is for, when the caller may send it events: the key's own
    /// (another one answers 404, as for a person who is not a member).
    async fn tenant(&self, state: &AppState, sub_account: &SubAccountId) -> Result<Tenant, ApiError> {
        match self {
            Caller::Key(holder) if holder.id() == sub_account => Ok(Tenant::clone(holder)),
            Caller::Key(_) => Err(AppError::not_found("That sub-account").into()),
            Caller::Person(user) => {
                let member = state.service.member(user, sub_account).await?;
                Ok(Tenant::clone(&member))
            }
        }
    }

    /// The same, for a module event: a change another CRM made starts workflows, so a person
    /// must be an admin (staff send only the form events).
    async fn reporter(&self, state: &AppState, sub_account: &SubAccountId) -> Result<Tenant, ApiError> {
        match self {
            Caller::Key(_) => self.tenant(state, sub_account).await,
            Caller::Person(user) => {
                let member = state.service.member(user, sub_account).await?;
                let admin = member.admin().ok_or_else(|| {
                    AppError::Forbidden(
                        "Only admins and API keys can report CRM changes (module events); staff can send \
                         stage_changed and call_completed."
                            .to_owned(),
                    )
                })?;
                Ok(Tenant::clone(&admin))
            }
        }
    }

    /// Who the stored event says made the change.
    fn cause(&self) -> Cause {
        match self {
            Caller::Key(holder) => Cause::Api { key_id: Some(holder.key_id().to_owned()) },
            Caller::Person(user) => Cause::Person { user_id: user.id.clone() },
        }
    }
}

/// Looks up the names an inbox row shows (contact, pipeline, stage) in the built-in CRM.
async fn resolve(state: &AppState, request: &EventRequest, id: &str, tenant: &Tenant) -> Result<CrmEvent, ApiError> {
    let (crm, sub_account) = (state.service.builtin(), tenant.id());
    match request {
        EventRequest::StageChanged { opportunity_id, stage_id, .. } => {
            let context = crm
                .stage_change_context(sub_account, opportunity_id, stage_id)
                .await
                .map_err(crm_error)?
                .ok_or_else(|| {
                    AppError::BadRequest(format!(
                        "Opportunity {opportunity_id} does not exist here, or stage {stage_id} is not in its pipeline."
                    ))
                })?;
            Ok(context.into_event(tenant, "api", id.to_owned()))
        }
        EventRequest::CallCompleted { contact_id, summary, transcript, .. } => {
            let contact = crm.get_contact(sub_account, contact_id).await.map_err(crm_error)?;
            let detail = EventDetail::CallCompleted {
                call_id: id.to_owned(),
                summary: summary.clone(),
                transcript: transcript.clone(),
            };
            Ok(CrmEvent::new(tenant, "api", id.to_owned(), contact.id, contact.name, detail))
        }
    }
}

/// A module event, checked by the model against its module's fields.
fn reported(request: ModuleEventRequest, tenant: &Tenant, cause: Cause) -> Result<ReportedEvent, ApiError> {
    let id = checked_id(&request.id)?.to_owned();
    checked("record_id", &request.record_id)?;
    let module = check_reported(request.event_type, &request.record_id, &request.record, &request.previous)
        .map_err(|problems| ApiError(AppError::InvalidRecord(problems)))?;
    let occurred_at = match &request.occurred_at {
        None => crate::db::now_ms(),
        Some(text) => chrono::DateTime::parse_from_rfc3339(text)
            .map_err(|_| bad_request(format!("`occurred_at` must be a time like 2026-12-01T09:00:00Z, not “{text}”.")))?
            .timestamp_millis(),
    };
    let mut record = request.record;
    record.insert("id".to_owned(), Value::String(request.record_id.clone()));
    let event = RecordEvent {
        id: new_id().into(),
        sub_account_id: tenant.id().clone(),
        module,
        event_type: request.event_type,
        record_id: request.record_id,
        occurred_at,
        record,
        previous: request.previous,
        cause,
    };
    Ok(ReportedEvent::new(tenant, "api", id, event))
}
