//! The user interface, by feature. Pages render on the server only; the parts people interact
//! with are islands (`#[island]`), which the browser hydrates from props the server embeds. The
//! client carries the islands and the shared model, not every page — a whole-app hydration cost
//! 369 KB of compressed wasm.

mod api_keys;
mod builder;
mod client_scripts;
mod common;
mod crm;
mod form;
mod home;
mod inbox;
mod island_data;
mod layout;
mod live;
mod login;
mod messaging;
mod notifications;
mod records;
mod settings;
mod templates;
mod toast;
mod workflows;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <client_scripts::ClientScripts options/>
                // Without JavaScript nothing shows or hides fields as answers change, so every
                // conditional field is shown, with its rule in words. (More specific than the
                // stylesheet's rules, which come after this.)
                <noscript>
                    <style>".conditional[hidden] { display: block; } .conditional > .applies-when { display: block; }"</style>
                </noscript>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/opsflow.css"/>
        <Title formatter=|page: String| if page.is_empty() { "OpsFlow".to_owned() } else { format!("{page} · OpsFlow") }/>
        <Router>
            <Routes fallback=|| view! { <common::NotFound/> }>
                // In-order streaming: each page arrives complete in the HTML, so it reads and
                // works before the wasm loads, or without JavaScript at all. Pages whose title
                // comes from their data render in one piece (Async): only what is rendered
                // before the first streamed chunk reaches the head.
                <Route path=path!("/login") view=login::LoginPage ssr=SsrMode::InOrder/>
                <Route path=path!("/") view=home::HomePage ssr=SsrMode::InOrder/>
                <ParentRoute path=path!("/s/:sa") view=layout::SubAccountLayout ssr=SsrMode::InOrder>
                    <Route path=path!("") view=inbox::InboxPage ssr=SsrMode::InOrder/>
                    <Route path=path!("inbox") view=inbox::InboxPage ssr=SsrMode::InOrder/>
                    <Route path=path!("forms/:form") view=form::FormPage ssr=SsrMode::Async/>
                    <Route path=path!("templates") view=templates::TemplatesPage ssr=SsrMode::InOrder/>
                    <Route path=path!("templates/:template") view=builder::BuilderPage ssr=SsrMode::Async/>
                    <Route path=path!("settings") view=settings::SettingsPage ssr=SsrMode::InOrder/>
                    <Route path=path!("crm") view=crm::BoardPage ssr=SsrMode::InOrder/>
                    <Route path=path!("crm/contacts/:contact") view=crm::ContactPage ssr=SsrMode::Async/>
                    <Route path=path!("records/:module") view=records::RecordsPage ssr=SsrMode::InOrder/>
                    <Route path=path!("records/:module/:id") view=records::RecordPage ssr=SsrMode::Async/>
                    <Route path=path!("activity") view=records::ActivityPage ssr=SsrMode::InOrder/>
                    <Route path=path!("workflows") view=workflows::WorkflowsPage ssr=SsrMode::Async/>
                    <Route path=path!("workflows/:workflow") view=workflows::WorkflowEditorPage ssr=SsrMode::Async/>
                    <Route path=path!("workflows/:workflow/runs") view=workflows::RunHistoryPage ssr=SsrMode::Async/>
                    <Route path=path!("runs/:run") view=workflows::RunPage ssr=SsrMode::Async/>
                    <Route path=path!("notifications") view=notifications::NotificationsPage ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
        <toast::Toaster/>
    }
}
