//! Signing in from HighLevel's custom menu. `/sso` is the page the menu link opens in its
//! iframe: it asks the parent window for the user context (`REQUEST_USER_DATA`), posts the
//! encrypted answer to `/sso/highlevel`, and goes to the user's inbox — or, when the browser
//! dropped the session cookie because the frame is cross-site, offers to continue in a tab of
//! its own through the one-time `/sso/handoff` link.

use app::api::AppError;
use app::api::ports::AuthPort;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::{ApiError, plain_page, request_user, status_of};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct SignIn {
    payload: String,
}

pub async fn sso_sign_in(State(state): State<AppState>, body: Result<Json<SignIn>, JsonRejection>) -> Response {
    let Json(request) = match body {
        Ok(body) => body,
        Err(rejection) => return ApiError(AppError::BadRequest(rejection.body_text())).into_response(),
    };
    match state.service.sso_sign_in(&request.payload).await {
        Ok(session) => {
            let body = Json(json!({ "landing": session.landing, "handoff": session.handoff }));
            with_cookie(body.into_response(), &state.service.session_cookie(Some(&session.token)))
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

#[derive(Deserialize)]
pub struct Handoff {
    #[serde(default)]
    code: String,
}

pub async fn sso_handoff(State(state): State<AppState>, Query(handoff): Query<Handoff>) -> Response {
    match state.service.sso_handoff(&handoff.code).await {
        Ok((token, landing)) => {
            let redirect = (StatusCode::SEE_OTHER, [(header::LOCATION, landing)]).into_response();
            with_cookie(redirect, &state.service.session_cookie(Some(&token)))
        }
        Err(error) => plain_page(status_of(&error), "Sign-in link expired", &error.to_string()),
    }
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

pub async fn sso_page() -> Response {
    Html(SSO_PAGE).into_response()
}

/// The custom page. Plain HTML and a few lines of script: it must work before (and without)
/// the app's client, and only relays messages — no form logic lives here.
const SSO_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Signing in · OpsFlow</title><link rel="stylesheet" href="/pkg/opsflow.css"></head>
<body><main class="install-result">
<h1>OpsFlow</h1>
<p id="sso-status" role="status">Signing you in with your HighLevel account…</p>
<p id="sso-tab" hidden><a class="button primary" id="sso-open" target="_blank" rel="noopener">Open OpsFlow in a new tab</a></p>
</main>
<script>
(() => {
  const status = document.getElementById('sso-status');
  const say = (text) => { status.textContent = text; };
  if (window.parent === window) {
    say('Open OpsFlow from the menu inside HighLevel, or ');
    const link = Object.assign(document.createElement('a'), { href: '/login', textContent: 'sign in with an OpsFlow account' });
    status.append(link, '.');
    return;
  }
  const timeout = setTimeout(() => say('HighLevel did not say who you are. Reload the page to try again.'), 15000);
  window.addEventListener('message', async ({ data }) => {
    if (!data || data.message !== 'REQUEST_USER_DATA_RESPONSE') return;
    clearTimeout(timeout);
    try {
      const response = await fetch('/sso/highlevel', {
        method: 'POST', credentials: 'include',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ payload: data.payload }),
      });
      const body = await response.json();
      if (!response.ok) { say(body.message); return; }
      // A browser that blocks cookies in frames has dropped the session: continue in a tab.
      const kept = await fetch('/sso/session', { credentials: 'include' });
      if (kept.ok) { window.location.replace(body.landing); return; }
      say('Your browser keeps no sign-in inside HighLevel’s frame. Continue in a tab of its own:');
      const open = document.getElementById('sso-open');
      open.href = body.handoff;
      document.getElementById('sso-tab').hidden = false;
    } catch (error) {
      say('OpsFlow could not be reached. Reload the page to try again.');
    }
  });
  window.parent.postMessage({ message: 'REQUEST_USER_DATA' }, '*');
})();
</script></body></html>
"#;
