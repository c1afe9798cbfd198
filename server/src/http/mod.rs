//! The routes that are not Leptos pages or server functions: health checks, the events API and
//! the live inbox stream. Errors answer JSON with the same typed error the UI receives.

mod events;
mod health;
mod inbox_stream;

pub use events::ingest_event;
pub use health::{healthz, readyz};
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self.0 {
            AppError::NotSignedIn | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::InvalidAnswers(_) | AppError::InvalidTemplate(_) | AppError::InvalidTrigger(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
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
