//! The routes that are not Leptos pages or server functions: health checks, the events API and
//! the live inbox stream. Errors answer JSON with the same typed error the UI receives, and so
//! do the server functions' (see `error_status`).

mod error_status;
mod events;
mod health;
mod highlevel_oauth;
mod highlevel_webhook;
mod inbox_stream;

pub use error_status::server_fn_error_status;
pub use events::ingest_event;
pub use health::{healthz, readyz};
pub use highlevel_oauth::{highlevel_callback, highlevel_install};
pub use highlevel_webhook::highlevel_webhook;
pub use inbox_stream::inbox_stream;

use app::api::AppError;
use app::api::ports::AuthPort;
use app::api::session::session_token;
use app::api::types::SessionUser;
use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::service::Service;

/// An [`AppError`] as an HTTP response: a status code that says what kind of failure it is,
/// and the error itself as JSON with a human `message`.
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        ApiError(error)
    }
}

/// The HTTP status that says what kind of failure an error is.
pub fn status_of(error: &AppError) -> StatusCode {
    match error {
        AppError::NotSignedIn | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::InvalidAnswers(_)
        | AppError::InvalidTemplate(_)
        | AppError::InvalidTrigger(_)
        | AppError::InvalidImport(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = status_of(&self.0);
        let mut body = serde_json::to_value(&self.0).unwrap_or_default();
        if let Some(object) = body.as_object_mut() {
            object.insert("message".to_owned(), self.0.to_string().into());
        }
        (status, Json(body)).into_response()
    }
}

/// The signed-in user of a plain HTTP request (the session cookie).
pub async fn request_user(service: &Service, headers: &HeaderMap) -> Result<SessionUser, ApiError> {
    let token = session_token(headers).ok_or(AppError::NotSignedIn)?;
    Ok(service.session_user(&token).await?.ok_or(AppError::NotSignedIn)?)
}
