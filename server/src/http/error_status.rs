//! Server functions answer every error with status 500; the typed error in the body says what
//! really happened. This layer gives those answers the status that error deserves (404, 409,
//! 422, ...), the same as the plain HTTP routes, so logs, proxies and API clients are not told
//! that a refused request was a crash. The browser's server-function client decodes the body of
//! any 4xx or 5xx alike, so the UI is unaffected.
//!
//! Why not set the status where an error is produced? Leptos 0.8 lets a server function set it
//! (`leptos_axum::ResponseOptions::set_status`), but `handle_server_fns` applies it *after* its
//! plain-form redirect: a status set with the error would replace the 302 that sends a form
//! posted without JavaScript back to its page, so each of the thirty-odd server functions would
//! have to ask how it was called first. Here it is done once, for JSON answers only, from the one
//! mapping `AppError::http_status` that the plain routes use too.

use app::api::AppError;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::set_retry_after;

/// Error bodies are a few hundred bytes; anything larger is not one of ours.
const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn server_fn_error_status(request: Request, next: Next) -> Response {
    let is_server_fn = request.uri().path().starts_with("/api/") && !request.uri().path().starts_with("/api/v1/");
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if !is_server_fn || response.status() != StatusCode::INTERNAL_SERVER_ERROR || !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::from("server function error body too large"));
    };
    let error = serde_json::from_slice::<AppError>(&bytes).ok();
    if let Some(error) = &error {
        parts.status = error.http_status();
    }
    let mut response = Response::from_parts(parts, Body::from(bytes));
    if let Some(error) = &error {
        set_retry_after(&mut response, error);
    }
    response
}
