//! `POST /webhooks/highlevel`, the one URL HighLevel delivers the app's webhooks to (set it as
//! the app's Default Webhook URL so INSTALL and UNINSTALL arrive too). The answers follow
//! HighLevel's retry rule (see `highlevel::webhooks`): 200 kept, 401 forged or stale, 400
//! unreadable, 429 "send it again later", 404 when this server is not connected.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header::RETRY_AFTER};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::highlevel::signature::SignatureHeaders;
use crate::highlevel::webhooks::{IntakeError, Receipt};
use crate::state::AppState;

pub async fn highlevel_webhook(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(highlevel) = state.service.highlevel() else {
        return answer(StatusCode::NOT_FOUND, "not_connected", "This OpsFlow server is not connected to HighLevel.");
    };
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let signatures = SignatureHeaders { ed25519: header("x-ghl-signature"), rsa: header("x-wh-signature") };
    match highlevel.intake.receive(signatures, &body, chrono::Utc::now()).await {
        Ok(Receipt::Stored) => (StatusCode::OK, Json(json!({ "status": "stored" }))).into_response(),
        Ok(Receipt::Duplicate) => (StatusCode::OK, Json(json!({ "status": "duplicate" }))).into_response(),
        Err(error) => refusal(&error),
    }
}

fn refusal(error: &IntakeError) -> Response {
    let message = error.to_string();
    match error {
        IntakeError::Signature(_) => {
            tracing::warn!(%message, "webhook refused: signature");
            answer(StatusCode::UNAUTHORIZED, "bad_signature", &message)
        }
        IntakeError::Age(_) => {
            tracing::warn!(%message, "webhook refused: timestamp");
            answer(StatusCode::UNAUTHORIZED, "stale", &message)
        }
        IntakeError::Payload(_) => answer(StatusCode::BAD_REQUEST, "bad_payload", &message),
        IntakeError::Overloaded | IntakeError::Store(_) => {
            if let IntakeError::Store(error) = error {
                tracing::error!(%error, "webhook not stored; asking HighLevel to send it again");
            }
            let mut response = answer(StatusCode::TOO_MANY_REQUESTS, "busy", "OpsFlow is busy; send this again later.");
            response.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("60"));
            response
        }
    }
}

fn answer(status: StatusCode, error: &str, message: &str) -> Response {
    (status, Json(json!({ "error": error, "message": message }))).into_response()
}
