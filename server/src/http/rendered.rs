//! The app's pages rendered in answer to a plain form post (no JavaScript needed): the page at
//! the request's own address, with one more value in its context that says what the post left
//! to show (a refused sign-in, a refused form), under the status that says how it went.

use app::api::ports::SharedBackend;
use app::shell;
use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use leptos::prelude::provide_context;

use super::provide_request_nonce;
use crate::state::AppState;

pub async fn render_page<T>(state: &AppState, parts: Parts, outcome: T, status: StatusCode) -> Response
where
    T: Clone + Send + Sync + 'static,
{
    let backend: SharedBackend = state.service.clone();
    let options = state.leptos_options.clone();
    let render = leptos_axum::render_app_async_with_context(
        move || {
            provide_request_nonce();
            provide_context(backend.clone());
            provide_context(outcome.clone());
        },
        move || shell(options.clone()),
    );
    let mut response = render(Request::from_parts(parts, Body::empty())).await;
    // The page itself rendered (a redirect to sign in stays one); the status says the post failed.
    if response.status().is_success() {
        *response.status_mut() = status;
    }
    response
}
