//! Who is calling: the session cookie, read inside server function bodies.

use http::HeaderMap;
use http::header::{COOKIE, SET_COOKIE};
use leptos::prelude::*;

use super::error::AppError;
use super::ports::SharedBackend;
use super::types::SessionUser;

pub const SESSION_COOKIE: &str = "opsflow_session";
pub const DEVICE_COOKIE: &str = "opsflow_device";

/// The session token from a request's `Cookie` headers.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE)
}

/// The browser's device token: given at its first sign-in to an account, it lets the right
/// password in while others' guesses hold the account up.
pub fn device_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, DEVICE_COOKIE)
}

fn cookie(headers: &HeaderMap, wanted: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == wanted)
        .map(|(_, value)| value.to_owned())
        .filter(|value| !value.is_empty())
}

/// Where a request came from (the peer's address, or the proxy's word for it when the server is
/// told to trust one). The server puts it in each request's extensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub String);

/// The calling client's address, or `unknown` when the server did not say.
pub fn client_address() -> String {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<ClientAddress>().map(|address| address.0.clone()))
        .unwrap_or_else(|| "unknown".to_owned())
}

pub fn backend() -> Result<SharedBackend, AppError> {
    use_context::<SharedBackend>().ok_or_else(|| AppError::Internal("the backend is not configured".to_owned()))
}

async fn request_token() -> Result<Option<String>, AppError> {
    let headers: HeaderMap = leptos_axum::extract().await.map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(session_token(&headers))
}

/// The signed-in user, if any.
pub async fn optional_user() -> Result<Option<SessionUser>, AppError> {
    match request_token().await? {
        Some(token) => backend()?.session_user(&token).await,
        None => Ok(None),
    }
}

/// The signed-in user, or `NotSignedIn`.
pub async fn current_user() -> Result<SessionUser, AppError> {
    optional_user().await?.ok_or(AppError::NotSignedIn)
}

pub async fn current_token() -> Result<Option<String>, AppError> {
    request_token().await
}

pub fn set_cookie(value: &str) -> Result<(), AppError> {
    let response = use_context::<leptos_axum::ResponseOptions>()
        .ok_or_else(|| AppError::Internal("no response to set a cookie on".to_owned()))?;
    let header = http::HeaderValue::from_str(value).map_err(|e| AppError::Internal(e.to_string()))?;
    response.append_header(SET_COOKIE, header);
    Ok(())
}
