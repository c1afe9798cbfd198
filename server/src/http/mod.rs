//! The routes that are not Leptos pages or server functions: health checks, the events API and
//! the live inbox stream. Errors answer JSON with the same typed error the UI receives, and so
//! do the server functions' (see `error_status`).

mod access_log;
mod api_key;
mod client_address;
mod cross_site;
mod error_status;
mod events;
mod form_post;
mod health;
mod highlevel_oauth;
mod highlevel_sso;
mod highlevel_webhook;
mod inbox_stream;
mod openapi;
mod rendered;
mod security_headers;
mod settings_post;
mod sign_in_page;
mod workflows_api;

pub use access_log::logged_uri;
pub use api_key::KEY_PREFIX;
pub use client_address::client_address;
pub use cross_site::{OwnOrigin, refuse_cross_site};
pub use error_status::server_fn_error_status;
pub use events::ingest_event;
pub use form_post::submit_form_without_js;
pub use health::{healthz, readyz};
pub use highlevel_oauth::{highlevel_callback, highlevel_install};
pub use highlevel_sso::{sso_handoff, sso_handoff_page, sso_page, sso_session, sso_sign_in};
pub use highlevel_webhook::highlevel_webhook;
pub use inbox_stream::inbox_stream;
pub use openapi::{api_reference, openapi_json};
pub use security_headers::{SecurityHeaders, provide_request_nonce, security_headers};
pub use settings_post::save_messaging_settings;
pub use sign_in_page::sign_in_page;
pub use workflows_api::{
    create_workflow, delete_workflow, get_run, get_workflow, list_runs, list_workflows, retry_run, toggle_workflow,
    update_workflow,
};

use app::api::AppError;
use app::api::ports::AuthPort;
use app::api::session::session_token;
use app::api::types::SessionUser;
use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};

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
        let status = self.0.http_status();
        let mut body = serde_json::to_value(&self.0).unwrap_or_default();
        if let Some(object) = body.as_object_mut() {
            object.insert("message".to_owned(), self.0.to_string().into());
        }
        let mut response = (status, Json(body)).into_response();
        set_retry_after(&mut response, &self.0);
        response
    }
}

/// `Retry-After` on an answer that says to wait; `WWW-Authenticate` on one that asks for a key.
pub(crate) fn set_retry_after(response: &mut Response, error: &AppError) {
    match error {
        AppError::TooManyAttempts(seconds) => {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, (*seconds).into());
        }
        AppError::ApiKeyRequired => {
            response
                .headers_mut()
                .insert(axum::http::header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Bearer"));
        }
        _ => {}
    }
}

/// The signed-in user of a plain HTTP request (the session cookie).
pub async fn request_user(service: &Service, headers: &HeaderMap) -> Result<SessionUser, ApiError> {
    let token = session_token(headers).ok_or(AppError::NotSignedIn)?;
    Ok(service.session_user(&token).await?.ok_or(AppError::NotSignedIn)?)
}

/// A small page outside the app (the end of an install, a sign-in hand-off).
pub(crate) fn plain_page(status: StatusCode, title: &str, text: &str) -> Response {
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>{title} · OpsFlow</title>\
         <link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\
         <link rel=\"stylesheet\" href=\"/pkg/opsflow.css\"></head><body><main class=\"install-result\">\
         <h1>{title}</h1><p>{text}</p><p><a href=\"/\">Open OpsFlow</a></p></main></body></html>",
        title = escape(title),
        text = escape(text),
    );
    (status, Html(html)).into_response()
}
