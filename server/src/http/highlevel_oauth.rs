//! The install flow's two URLs. `GET /oauth/highlevel/install` sends an agency admin to
//! HighLevel's location chooser; HighLevel sends them back to `GET /oauth/highlevel/callback`
//! (the app's redirect URL) with a code, which completes the install.
//!
//! The link carries a random `state`, also kept in a short-lived cookie. HighLevel does not
//! document echoing `state` back (reference §1.2): a callback with a `state` must match the
//! cookie; one without is accepted, as the code alone is only good for this app's secret.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::plain_page as page;
use crate::state::AppState;

const STATE_COOKIE: &str = "opsflow_oauth_state";

pub async fn highlevel_install(State(state): State<AppState>) -> Response {
    let Some(highlevel) = state.service.highlevel() else {
        return page(StatusCode::NOT_FOUND, "Not connected", "This OpsFlow server is not connected to HighLevel.");
    };
    let nonce = crate::db::new_id();
    let cookie = format!("{STATE_COOKIE}={nonce}; Path=/oauth/highlevel; HttpOnly; SameSite=Lax; Max-Age=600");
    let mut response =
        (StatusCode::SEE_OTHER, [(header::LOCATION, highlevel.crm.tokens().oauth().install_url(&nonce))])
            .into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

pub async fn highlevel_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(callback): Query<Callback>,
) -> Response {
    let Some(highlevel) = state.service.highlevel() else {
        return page(StatusCode::NOT_FOUND, "Not connected", "This OpsFlow server is not connected to HighLevel.");
    };
    if let Some(error) = callback.error {
        return page(StatusCode::BAD_REQUEST, "Install cancelled", &format!("HighLevel said: {error}."));
    }
    let Some(code) = callback.code.filter(|code| !code.is_empty()) else {
        return page(StatusCode::BAD_REQUEST, "Install failed", "The link back from HighLevel had no code.");
    };
    if let Some(sent) = callback.state
        && cookie(&headers, STATE_COOKIE).as_deref() != Some(sent.as_str())
    {
        return page(
            StatusCode::BAD_REQUEST,
            "Install failed",
            "This install link was not started here, or is more than ten minutes old. Start the install again.",
        );
    }
    match highlevel.complete_install(&code).await {
        Ok(installed) => {
            let count = installed.sub_accounts.len();
            let names = installed.sub_accounts.join(", ");
            let text = match count {
                0 => "OpsFlow is installed for the agency. Sub-accounts appear as OpsFlow is installed in them."
                    .to_owned(),
                1 => format!("OpsFlow is installed in 1 sub-account: {names}."),
                _ => format!("OpsFlow is installed in {count} sub-accounts: {names}."),
            };
            page(StatusCode::OK, "OpsFlow is connected", &text)
        }
        Err(error) => {
            tracing::warn!(%error, "HighLevel install failed");
            page(StatusCode::BAD_GATEWAY, "Install failed", &error.to_string())
        }
    }
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}
