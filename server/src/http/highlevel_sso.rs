//! Signing in from HighLevel's custom menu. `/sso` is the page the menu link opens in its
//! iframe: it asks the parent window for the user context (`REQUEST_USER_DATA`), posts the
//! encrypted answer to `/sso/highlevel`, and goes to the user's inbox — or, when the browser
//! dropped the session cookie because the frame is cross-site, offers to continue in a tab of
//! its own through the one-time `/sso/handoff` link, which the frame completes with a verifier
//! only it holds (see `service::sso`).
//!
//! Both pages are plain HTML with a few lines of script (`pages/`): they must work before and
//! without the app's client, and only relay messages — no form logic lives here.

use app::api::AppError;
use app::api::ports::AuthPort;
use app::api::session::{ClientAddress, session_token};
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::{Extension, Json};
use leptos::nonce::Nonce;
use serde::Deserialize;
use serde_json::json;

use super::{ApiError, request_user};
use crate::state::AppState;

const SSO_PAGE: &str = include_str!("pages/sso.html");
const HANDOFF_PAGE: &str = include_str!("pages/handoff.html");

#[derive(Deserialize)]
pub struct SignIn {
    payload: String,
}

pub async fn sso_sign_in(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddress>,
    headers: HeaderMap,
    body: Result<Json<SignIn>, JsonRejection>,
) -> Response {
    let Json(request) = match body {
        Ok(body) => body,
        Err(rejection) => return ApiError(AppError::BadRequest(rejection.body_text())).into_response(),
    };
    let current = session_token(&headers);
    match state.service.sso_sign_in(&request.payload, &client.0, current.as_deref()).await {
        Ok(session) => {
            let body = json!({ "landing": session.landing, "handoff": session.handoff,
                               "handoffVerifier": session.handoff_verifier });
            let response = Json(body).into_response();
            match &session.token {
                Some(token) => with_cookie(response, &state.service.session_cookie(Some(token))),
                None => response,
            }
        }
        Err(error) => {
            tracing::warn!(%error, "HighLevel sign-in refused");
            ApiError(error).into_response()
        }
    }
}

/// 204 when the request carries a session: the page's check that the cookie was kept.
pub async fn sso_session(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match request_user(&state.service, &headers).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => error.into_response(),
    }
}

/// The page a hand-off link opens: it reads the code from the fragment and asks its opener for
/// the verifier.
pub async fn sso_handoff_page(Extension(nonce): Extension<Nonce>) -> Response {
    Html(HANDOFF_PAGE.replace("{NONCE}", &nonce)).into_response()
}

#[derive(Deserialize)]
pub struct Handoff {
    code: String,
    verifier: String,
}

/// Uses a hand-off code and its verifier: the session cookie, and where to go.
pub async fn sso_handoff(State(state): State<AppState>, body: Result<Json<Handoff>, JsonRejection>) -> Response {
    let Json(handoff) = match body {
        Ok(body) => body,
        Err(rejection) => return ApiError(AppError::BadRequest(rejection.body_text())).into_response(),
    };
    match state.service.sso_handoff(&handoff.code, &handoff.verifier).await {
        Ok((token, landing)) => {
            let body = Json(json!({ "landing": landing })).into_response();
            with_cookie(body, &state.service.session_cookie(Some(&token)))
        }
        Err(error) => ApiError(error).into_response(),
    }
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// The custom page, with the sources that may frame it: the only windows it asks who is looking,
/// and the only ones whose answer it reads (a page that frames it elsewhere gets nothing and is
/// heard by nobody).
pub async fn sso_page(State(state): State<AppState>, Extension(nonce): Extension<Nonce>) -> Response {
    let sources: Vec<&str> = state.service.options().frame_ancestors.split_whitespace().collect();
    // JSON in a script: `<` escaped so no source can close the element.
    let sources = serde_json::to_string(&sources).unwrap_or_else(|_| "[]".to_owned()).replace('<', "\\u003c");
    Html(SSO_PAGE.replace("{NONCE}", &nonce).replace("{FRAME_ANCESTORS}", &sources)).into_response()
}
