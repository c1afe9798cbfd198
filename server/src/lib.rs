//! The OpsFlow server: everything that touches the outside world. Follow one form from event
//! to note through `events` → `db` → `service` (called by the app's server functions) →
//! `writeback` → `crm`.

// Leptos views are nested generic types; the settings form needs more than the default depth.
#![recursion_limit = "256"]

pub mod auth;
pub mod config;
pub mod crm;
pub mod db;
pub mod demo;
pub mod engine;
pub mod events;
pub mod highlevel;
pub mod http;
pub mod jobs;
pub mod notify;
pub mod service;
pub mod state;
pub mod supervise;
pub mod time;
pub mod writeback;

use app::api::ports::SharedBackend;
use app::{App, shell};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::sync::Arc;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::service::Service;
use crate::state::AppState;

/// Request bodies larger than this are refused with 413 before they are read...
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// ...except HighLevel's webhooks: a Voice AI call's transcript can be long, and a webhook
/// refused for its size is lost (HighLevel retries only a 429).
pub const MAX_WEBHOOK_BYTES: usize = 2 * 1024 * 1024;

/// The whole HTTP application: pages, server functions, API routes and static files.
pub fn router(service: Arc<Service>, leptos_options: LeptosOptions) -> Router {
    let options = service.options();
    let https = options.secure_cookies || options.public_url.as_deref().is_some_and(|url| url.starts_with("https://"));
    let security = http::SecurityHeaders { frame_ancestors: options.frame_ancestors.clone(), https };
    let own_origin = http::OwnOrigin { public_url: options.public_url.clone(), https };
    let trust_proxy = options.trust_proxy;
    let backend: SharedBackend = service.clone();
    let state = AppState { leptos_options: leptos_options.clone(), service };
    // Once per process. Listing the routes renders the app with resource loading suppressed by a
    // process-wide flag (leptos-rs/leptos#4773): a page rendered meanwhile by another router in
    // the same process — parallel tests — would wait forever on a resource that never loads.
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    let routes = ROUTES.get_or_init(|| generate_route_list(App)).clone();
    let webhooks = Router::new()
        .route("/webhooks/highlevel", post(http::highlevel_webhook))
        .layer(DefaultBodyLimit::max(MAX_WEBHOOK_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_WEBHOOK_BYTES));
    let app = Router::new()
        .route("/healthz", get(http::healthz))
        .route("/readyz", get(http::readyz))
        .route("/api/v1/events", post(http::ingest_event))
        .route("/api/v1/openapi.json", get(http::openapi_json))
        .route("/api/v1/docs", get(http::api_reference))
        .route("/api/v1/workflows", get(http::list_workflows).post(http::create_workflow))
        .route(
            "/api/v1/workflows/{id}",
            get(http::get_workflow).put(http::update_workflow).delete(http::delete_workflow),
        )
        .route("/api/v1/workflows/{id}/toggle", patch(http::toggle_workflow))
        // The static `runs` wins over `{id}`: `/workflows/runs/X` is a run, never a workflow.
        .route("/api/v1/workflows/runs/{run_id}", get(http::get_run))
        .route("/api/v1/workflows/runs/{run_id}/retry", post(http::retry_run))
        .route("/api/v1/workflows/{id}/runs", get(http::list_runs))
        .route("/oauth/highlevel/install", get(http::highlevel_install))
        .route("/sso", get(http::sso_page))
        .route("/sso/highlevel", post(http::sso_sign_in))
        .route("/sso/session", get(http::sso_session))
        .route("/sso/handoff", get(http::sso_handoff_page).post(http::sso_handoff))
        .route("/oauth/highlevel/callback", get(http::highlevel_callback))
        .route("/s/{sub_account}/inbox/stream", get(http::inbox_stream))
        .route("/login", post(http::sign_in_page))
        .route("/s/{sa}/forms/{form}", post(http::submit_form_without_js))
        .route("/s/{sa}/settings", post(http::save_messaging_settings))
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                http::provide_request_nonce();
                provide_context(backend.clone());
            },
            {
                let options = leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(http::provide_request_nonce, shell))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES));
    webhooks
        .merge(app)
        .layer(axum::middleware::from_fn(http::server_fn_error_status))
        .layer(axum::middleware::from_fn_with_state(own_origin, http::refuse_cross_site))
        .layer(axum::middleware::from_fn_with_state(trust_proxy, http::client_address))
        .layer(axum::middleware::from_fn_with_state(security, http::security_headers))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &axum::http::Request<_>| {
                    let uri = http::logged_uri(request.uri());
                    tracing::info_span!("request", method = %request.method(), %uri, version = ?request.version())
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .with_state(state)
}
