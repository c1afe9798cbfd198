//! `POST /api/v1/events`: the built-in CRM's event API. It feeds the same ingestion path as the
//! board and (later) signed webhooks: store once, match triggers, create pending forms. The
//! response comes only after the event is durable.

use app::api::AppError;
use app::model::{ContactId, OpportunityId, SubAccountId};
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header::RETRY_AFTER};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{ApiError, request_user};
use crate::crm::Crm;
use crate::db::tenancy::Member;
use crate::events::{CrmEvent, EventDetail, IngestError, IngestOutcome};
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

const MAX_ID_LEN: usize = 200;

pub async fn ingest_event(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<EventRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let user = request_user(&state.service, &headers).await?;
    let Json(request) = body.map_err(|rejection| AppError::BadRequest(rejection.body_text()))?;
    let (id, sub_account_id) = match &request {
        EventRequest::StageChanged { id, sub_account_id, .. }
        | EventRequest::CallCompleted { id, sub_account_id, .. } => (id.trim(), sub_account_id),
    };
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return Err(AppError::BadRequest(format!("`id` must be 1 to {MAX_ID_LEN} characters.")).into());
    }
    let member = state.service.member(&user, sub_account_id).await?;
    let event = resolve(&state, &request, id, &member).await?;
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

/// Looks up the names an inbox row shows (contact, pipeline, stage) in the built-in CRM.
async fn resolve(state: &AppState, request: &EventRequest, id: &str, member: &Member) -> Result<CrmEvent, ApiError> {
    let (crm, sub_account) = (state.service.builtin(), member.id());
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
            Ok(context.into_event(member, "api", id.to_owned()))
        }
        EventRequest::CallCompleted { contact_id, summary, transcript, .. } => {
            let contact = crm.get_contact(sub_account, contact_id).await.map_err(crm_error)?;
            let detail = EventDetail::CallCompleted {
                call_id: id.to_owned(),
                summary: summary.clone(),
                transcript: transcript.clone(),
            };
            Ok(CrmEvent::new(member, "api", id.to_owned(), contact.id, contact.name, detail))
        }
    }
}
