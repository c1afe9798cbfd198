//! OpsFlow's Leptos application: the shared model, the UI, and the server functions.

pub mod model;

use leptos::prelude::*;

#[component]
pub fn App() -> impl IntoView {
    view! { <p>"OpsFlow"</p> }
}
