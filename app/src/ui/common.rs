//! Small shared pieces: loading a page's data, error display, loading states, the sub-account id
//! from the URL.

use std::future::Future;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_params_map};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::AppError;
use crate::model::SubAccountId;

/// The `:sa` segment of the current URL.
pub fn sub_account_id() -> Memo<SubAccountId> {
    route_id("sa")
}

/// The id in a segment of the current URL (`:form`, `:template`, `:contact`...), typed.
pub fn route_id<Id>(segment: &'static str) -> Memo<Id>
where
    Id: From<String> + PartialEq + Send + Sync + 'static,
{
    let params = use_params_map();
    Memo::new(move |_| Id::from(params.read().get(segment).unwrap_or_default()))
}

/// Loads what a page needs before any of it is sent. A visitor who is not signed in is
/// redirected to the sign-in page (and comes back here afterwards) with a real HTTP redirect,
/// which is only possible while the response has not started.
pub fn load_first<T>(
    load: impl Future<Output = Result<T, AppError>> + Send + 'static,
) -> OnceResource<Result<T, AppError>>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    let sign_in = sign_in_path();
    let status = ErrorStatus::new();
    OnceResource::new_blocking(async move {
        let loaded = load.await;
        #[cfg(feature = "ssr")]
        if loaded.as_ref().err() == Some(&AppError::NotSignedIn) {
            leptos_axum::redirect(&sign_in);
        }
        match &loaded {
            // Redirected to the sign-in page above (the redirect carries its own status).
            Err(AppError::NotSignedIn) => {}
            Err(error) => status.set(error),
            Ok(_) => {}
        }
        #[cfg(not(feature = "ssr"))]
        let _ = sign_in;
        loaded
    })
}

/// Sets the response's status for an error while a blocking load runs, before the response
/// starts: an error page that sets it when it renders can be too late for a streamed page,
/// which would then answer 200 (seen under load). Does nothing in the browser.
#[derive(Clone)]
pub struct ErrorStatus {
    #[cfg(feature = "ssr")]
    response: Option<leptos_axum::ResponseOptions>,
}

impl ErrorStatus {
    /// Taken from the rendering context (call it in a component, outside the load).
    pub fn new() -> Self {
        Self {
            #[cfg(feature = "ssr")]
            response: use_context::<leptos_axum::ResponseOptions>(),
        }
    }

    pub fn set(&self, error: &AppError) {
        #[cfg(feature = "ssr")]
        if let Some(response) = &self.response {
            response.set_status(error.http_status());
        }
        #[cfg(not(feature = "ssr"))]
        let _ = error;
    }
}

/// The error a plain form post (no JavaScript) came back with: Leptos sends the browser back
/// to the page with the server function's path and its error in the query (`__path`,
/// `__err`). `None` when the page was not reached that way, or for another form.
pub fn plain_form_error(endpoint: &str) -> Option<AppError> {
    let query = leptos_router::hooks::use_query_map();
    let query = query.read_untracked();
    (query.get("__path")?.as_str() == endpoint)
        .then(|| query.get("__err"))
        .flatten()
        .map(|error| leptos::server_fn::error::ServerFnUrlError::<AppError>::decode_err(&error))
}

/// The sign-in page, returning to the current page afterwards.
fn sign_in_path() -> String {
    let location = use_location();
    let next = format!("{}{}", location.pathname.get_untracked(), location.search.get_untracked());
    format!("/login?next={}", encode_component(&next))
}

/// Shows an error where the data would have been.
#[component]
pub fn ErrorView(error: AppError) -> impl IntoView {
    if error == AppError::NotSignedIn {
        // Only reached when the session ends while a page renders; `load_first` redirects before.
        return view! {
            <div class="alert alert-error" role="alert">
                {error.to_string()} " " <a href=sign_in_path()>"Sign in again"</a>
            </div>
        }
        .into_any();
    }
    view! {
        <div class="alert alert-error" role="alert">
            <strong>"Something is not right. "</strong>
            {error.to_string()}
        </div>
    }
    .into_any()
}

/// A page whose data cannot be shown: a heading that says what kind of failure it is, the
/// reason, a way back — and, rendered on the server, the matching HTTP status (403 for a staff
/// member on an admin page, 404 for another sub-account's address).
#[component]
pub fn ErrorPage(error: AppError, #[prop(into)] back: String, back_label: &'static str) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(error.http_status());
    }
    let heading = match &error {
        AppError::Forbidden(_) => "Only admins can open this page",
        AppError::NotFound(_) => "Not found",
        AppError::NotSignedIn => "Signed out",
        _ => "This page cannot be shown",
    };
    view! {
        <Title text=heading/>
        <div class="error-page">
            <h1>{heading}</h1>
            <ErrorView error/>
            <p><a href=back>{back_label}</a></p>
        </div>
    }
}

/// Moves focus to the first box (input, list, text area) inside the element `container` once
/// the view has caught up (an added part is rendered in the next frame).
pub fn focus_first_in(container: &str) {
    #[cfg(feature = "hydrate")]
    {
        let selector = format!("#{container} :is(input:not([type=hidden]), select, textarea)");
        request_animation_frame(move || {
            use wasm_bindgen::JsCast;
            let found = document().query_selector(&selector).ok().flatten();
            if let Some(element) = found.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = element.focus();
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = container;
}

/// Asks before the page is left — a link, Back, a reload, closing the tab — while `dirty` says
/// there are unsaved changes. Pages are whole documents (islands), so leaving is unloading.
pub fn warn_before_leaving(dirty: impl Fn() -> bool + 'static) {
    let handle = window_event_listener(leptos::ev::beforeunload, move |ev| {
        if dirty() {
            ev.prevent_default();
            // Older browsers show the prompt only when a return value is set.
            ev.set_return_value("You have unsaved changes.");
        }
    });
    on_cleanup(move || handle.remove());
}

/// Problems as a list that is announced when it appears: the alert is the list's container, so
/// the list keeps its list role (an alert role on the list itself breaks it for screen readers).
#[component]
pub fn ProblemList(
    class: &'static str,
    problems: Vec<String>,
    #[prop(optional)] testid: Option<&'static str>,
) -> impl IntoView {
    view! {
        <div role="alert" data-testid=testid>
            <ul class=class>{problems.into_iter().map(|problem| view! { <li>{problem}</li> }).collect_view()}</ul>
        </div>
    }
}

#[component]
pub fn Loading(#[prop(into, default = "Loading…".into())] label: String) -> impl IntoView {
    view! { <p class="loading" aria-busy="true">{label}</p> }
}

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <Title text="Page not found"/>
        <main class="page narrow">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. " <A href="/">"Back to your sub-accounts"</A></p>
        </main>
    }
}

/// Percent-encodes a query parameter value.
pub fn encode_component(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The browser's confirmation dialog (always yes during server rendering, where it never runs).
pub fn confirm(message: &str) -> bool {
    #[cfg(feature = "hydrate")]
    return window().confirm_with_message(message).unwrap_or(false);
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = message;
        true
    }
}

/// Loads another page in full (from an island, which has no router): after a save, the page
/// shows what the server now holds.
pub fn go_to(url: &str) {
    #[cfg(feature = "hydrate")]
    let _ = window().location().set_href(url);
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}
