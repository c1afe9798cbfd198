//! Small shared pieces: error display, loading states, the sub-account id from the URL.

use leptos::prelude::*;
use leptos_router::components::{A, Redirect};
use leptos_router::hooks::{use_location, use_params_map};

use crate::api::AppError;

/// The `:sa` segment of the current URL.
pub fn sub_account_id() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("sa").unwrap_or_default())
}

/// Shows an error where the data would have been. An expired session goes to the sign-in page
/// and comes back here afterwards.
#[component]
pub fn ErrorView(error: AppError) -> impl IntoView {
    if error == AppError::NotSignedIn {
        let location = use_location();
        let next = format!("{}{}", location.pathname.get_untracked(), location.search.get_untracked());
        let path = format!("/login?next={}", encode_component(&next));
        return view! { <Redirect path/> }.into_any();
    }
    view! {
        <div class="alert alert-error" role="alert">
            <strong>"Something is not right. "</strong>
            {error.to_string()}
        </div>
    }
    .into_any()
}

#[component]
pub fn Loading(#[prop(into, default = "Loading…".into())] label: String) -> impl IntoView {
    view! { <p class="loading" aria-busy="true">{label}</p> }
}

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
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

/// A loaded list as a page shows it: its rows, one sentence when there are none, or the error.
pub fn list_view<T>(
    loaded: Result<Vec<T>, AppError>,
    empty: &'static str,
    rows: impl FnOnce(Vec<T>) -> AnyView,
) -> AnyView {
    match loaded {
        Ok(items) if items.is_empty() => view! { <p class="empty">{empty}</p> }.into_any(),
        Ok(items) => rows(items),
        Err(error) => view! { <ErrorView error/> }.into_any(),
    }
}
