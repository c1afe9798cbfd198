//! The REST API's credentials: `Authorization: Bearer <key>`, a key an admin made in Settings.
//! A key is its sub-account's: everything its caller reads or changes is scoped there. Each key
//! may make a limited number of calls a minute (429 with `Retry-After` past it).
//!
//! A request that carries a key is authenticated by the key alone — never by a cookie it also
//! carries — which is why the cross-site guard lets it through: a page on another site cannot
//! make a browser send an `Authorization` header without a CORS preflight OpsFlow never allows.

use app::api::AppError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use super::ApiError;
use crate::auth::token_hash;
use crate::db::tenancy::{KeyHolder, KeyState};
use crate::state::AppState;

/// Keys start with this, so a leaked one is recognisable (and secret scanners can match it).
pub const KEY_PREFIX: &str = "opsf_";

/// The routes that take only an API key, never a cookie: no request to them can act for a
/// signed-in browser, so the cross-site check has nothing to protect there (a request without a
/// key is answered 401).
const KEY_ONLY_ROUTES: &[&str] = &["/api/v1/workflows"];
/// The routes that take a key or a session cookie: a request that sends a key skips the
/// cross-site check; one without is a cookie's and is checked.
const KEY_OR_COOKIE_ROUTES: &[&str] = &["/api/v1/events"];

/// The bearer token of a request, when it sends one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Whether a request is authenticated by an API key alone: any call to a key-only route, and a
/// call to a key-or-cookie route that sends a key. (A cookie-authenticated route added under
/// `/api/v1` later is in neither list, so it keeps the cross-site check.)
pub fn sends_key(path: &str, headers: &HeaderMap) -> bool {
    let under = |routes: &[&str]| {
        routes.iter().any(|route| path.strip_prefix(route).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')))
    };
    under(KEY_ONLY_ROUTES) || (under(KEY_OR_COOKIE_ROUTES) && bearer(headers).is_some())
}

/// The caller of a REST API route: the holder of a live key, within its rate.
pub struct ApiCaller(pub KeyHolder);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = bearer(&parts.headers).ok_or(AppError::ApiKeyRequired)?;
        state.service.key_holder(key).await.map(ApiCaller).map_err(ApiError)
    }
}

impl crate::service::Service {
    /// The holder of a live key; `ApiKeyRequired` for a revoked, unknown or malformed one (the
    /// same answer, so keys cannot be probed), `Forbidden` for one whose maker is no longer an
    /// admin, `TooManyAttempts` past the sub-account's rate.
    pub async fn key_holder(&self, key: &str) -> Result<KeyHolder, AppError> {
        if !key.starts_with(KEY_PREFIX) || key.len() > 200 {
            return Err(AppError::ApiKeyRequired);
        }
        let holder = match self.store.key_holder(&token_hash(key)).await?.ok_or(AppError::ApiKeyRequired)? {
            KeyState::Live(holder) => holder,
            KeyState::MakerNotAdmin => {
                return Err(AppError::Forbidden(
                    "This API key stopped working: the person who made it is no longer an admin of its sub-account. \
                     An admin can make a new key in Settings."
                        .to_owned(),
                ));
            }
        };
        let per_minute = i64::from(self.options.api_calls_per_minute);
        self.store.take_api_call(holder.id(), per_minute).map_err(AppError::TooManyAttempts)?;
        Ok(holder)
    }
}
