//! The headers that tell the browser what a response may do.
//!
//! The Content-Security-Policy allows scripts from OpsFlow itself and the inline scripts it wrote
//! for this response — each response gets a fresh nonce, which the page's island loader
//! (`app::ui::client_scripts`) and Leptos' streaming scripts carry (see [`provide_request_nonce`]),
//! and the plain pages on theirs — so an injected
//! `<script>` does not run even if some text ever escaped unescaped. `'wasm-unsafe-eval'` lets the
//! client's WebAssembly compile. Styles may be inline (views set `style` attributes); scripts may
//! not. `frame-ancestors` says who may frame OpsFlow (HighLevel's app when connected).
//!
//! Pages and API answers carry per-user data, so they are `Cache-Control: no-store`: Back after a
//! submit or a sign-out asks the server again instead of showing the old page (the browser keeps
//! such a page out of its back/forward cache). Static files keep their own.

use axum::extract::{Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderValue, request::Parts};
use axum::middleware::Next;
use axum::response::Response;
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};

/// What every response's headers depend on.
#[derive(Clone, Debug)]
pub struct SecurityHeaders {
    /// CSP `frame-ancestors` sources.
    pub frame_ancestors: String,
    /// Served over HTTPS: browsers are told to use nothing else (HSTS).
    pub https: bool,
}

impl SecurityHeaders {
    fn policy(&self, nonce: &Nonce) -> String {
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'self'; \
             form-action 'self'; frame-ancestors {}",
            self.frame_ancestors
        )
    }
}

/// Gives the request its nonce and the response its security headers.
pub async fn security_headers(State(config): State<SecurityHeaders>, mut request: Request, next: Next) -> Response {
    let nonce = Nonce::new();
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if let Ok(policy) = HeaderValue::from_str(&config.policy(&nonce)) {
        headers.insert(CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    let per_user = headers.get(CONTENT_TYPE).and_then(|t| t.to_str().ok()).is_some_and(|t| {
        t.starts_with("text/html") || t.starts_with("application/json") || t.starts_with("text/event-stream")
    });
    if per_user && !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if config.https {
        headers.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    response
}

/// For the Leptos renderer: the nonce this response's policy allows, instead of a new one of its own.
pub fn provide_request_nonce() {
    if let Some(nonce) = use_context::<Parts>().and_then(|parts| parts.extensions.get::<Nonce>().cloned()) {
        provide_context(nonce);
    }
}
