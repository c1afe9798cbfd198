//! The frame around every sub-account page: who is signed in, where they are, where they can go.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::{A, Outlet};
use leptos_router::hooks::use_location;

use super::common::{ErrorPage, ErrorStatus, ErrorView, Loading, load_first, sub_account_id};
use super::notifications::Bell;
use crate::api::AppError;
use crate::api::auth::{SignOut, me};
use crate::api::sub_accounts::open_sub_account;
use crate::api::types::{SessionUser, SubAccountSummary};
use crate::model::NumberFormat;

/// The signed-in user and the open sub-account (or why it cannot be opened), shared with the
/// pages inside the layout.
#[derive(Clone, Copy)]
pub struct Workspace(pub OnceResource<Result<(SessionUser, Opened), AppError>>);

/// The sub-account, or why this user cannot open it.
type Opened = Result<SubAccountSummary, AppError>;

/// Whether the signed-in user is an admin. The pages inside the layout render once the workspace
/// has loaded, so they always know.
pub fn is_admin() -> bool {
    use_context::<Workspace>()
        .and_then(|w| w.0.get_untracked())
        .and_then(Result::ok)
        .is_some_and(|(user, _)| user.is_admin())
}

/// How the open sub-account writes numbers and money.
pub fn number_format() -> NumberFormat {
    use_context::<Workspace>()
        .and_then(|w| w.0.get_untracked())
        .and_then(Result::ok)
        .and_then(|(_, opened)| opened.ok())
        .map(|sub_account| sub_account.number_format)
        .unwrap_or_default()
}

#[component]
pub fn TopBar(user: SessionUser, #[prop(optional)] sub_account: Option<SubAccountSummary>) -> impl IntoView {
    let nav = sub_account.clone().map(|sub_account| {
        let base = format!("/s/{}", sub_account.id);
        view! {
            <nav class="tabs" aria-label="Sub-account">
                <A href=format!("{base}/inbox")>"Inbox"</A>
                <A href=format!("{base}/templates")>"Templates"</A>
                <A href=format!("{base}/settings")>"Settings"</A>
                {user.is_admin().then(|| view! { <A href=format!("{base}/workflows")>"Workflows"</A> })}
                {sub_account.builtin_crm.then(|| view! {
                    <A href=format!("{base}/crm")>"CRM"</A>
                    <A href=format!("{base}/records/leads")>"Records"</A>
                    <A href=format!("{base}/activity")>"Activity"</A>
                })}
            </nav>
        }
    });
    let role = if user.is_admin() { "Admin" } else { "Staff" };
    let bell = sub_account
        .as_ref()
        .and_then(|s| s.unread_notifications.map(|unread| view! { <Bell sub_account=s.id.clone() unread/> }));
    view! {
        <header class="topbar">
            <div class="topbar-left">
                <a href="/" class="brand" aria-label="OpsFlow home">
                    <span class="brand-mark" aria-hidden="true">"◆"</span>
                    "OpsFlow"
                </a>
                {sub_account.map(|s| view! { <span class="crumb" data-testid="sub-account-name">{s.name}</span> })}
            </div>
            {nav}
            <div class="topbar-user">
                {bell}
                <span class="user-name">{user.name}</span>
                <span class="role-badge">{role}</span>
                // A plain post: the server ends the session and redirects to the sign-in page.
                <form method="post" action=SignOut::PATH>
                    <button type="submit" class="button button-ghost">"Sign out"</button>
                </form>
            </div>
        </header>
    }
}

/// The section of `/s/{sub-account}/{section}/…` a path is in, as a title.
fn section_title(path: &str) -> String {
    let mut parts = path.trim_matches('/').split('/').skip(2);
    match (parts.next().unwrap_or_default(), parts.next()) {
        ("" | "inbox", _) => "Inbox".to_owned(),
        ("forms", _) => "Form".to_owned(),
        ("templates", None) => "Templates".to_owned(),
        ("templates", Some(_)) => "Template".to_owned(),
        ("settings", _) => "Settings".to_owned(),
        ("crm", None) => "CRM".to_owned(),
        ("crm", Some(_)) => "Contact".to_owned(),
        ("records", Some(module)) => {
            module.parse::<crate::model::Module>().map_or_else(|_| "Records".to_owned(), |m| m.label().to_owned())
        }
        ("activity", _) => "Activity".to_owned(),
        ("workflows", None) => "Workflows".to_owned(),
        ("workflows", Some(_)) | ("runs", _) => "Workflow".to_owned(),
        ("notifications", _) => "Notifications".to_owned(),
        _ => String::new(),
    }
}

#[component]
pub fn SubAccountLayout() -> impl IntoView {
    let sa = sub_account_id().get_untracked();
    // Opening the sub-account creates its starter templates the first time, so the pages
    // inside render only after it has answered.
    let status = ErrorStatus::new();
    let workspace = load_first(async move {
        let user = me().await?.ok_or(AppError::NotSignedIn)?;
        let opened = open_sub_account(sa).await;
        if let Err(error) = &opened {
            status.set(error);
        }
        Ok((user, opened))
    });
    provide_context(Workspace(workspace));
    view! {
        // The section's name as the page's title, registered before anything waits: a page's
        // own <Title> renders inside this Suspense and, under load, after the streamed head was
        // sent (seen as an empty title in Chromium). The page's own, when in time, wins.
        <Title text=section_title(&use_location().pathname.get_untracked())/>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match workspace.await {
                    Ok((user, Ok(sub_account))) => view! {
                        <TopBar user sub_account/>
                        <noscript>
                            <p class="noscript-notice" role="note">
                                "JavaScript is off. Forms can still be filled in and submitted, with every \
                                conditional field shown and when it applies; the template builder, drag and \
                                drop, retries and live updates need JavaScript."
                            </p>
                        </noscript>
                        <main class="page">
                            <Outlet/>
                        </main>
                    }
                    .into_any(),
                    // Another sub-account's address looks like one that does not exist.
                    Ok((user, Err(error))) => view! {
                        <TopBar user/>
                        <main class="page narrow">
                            <ErrorPage error back="/" back_label="← Your sub-accounts"/>
                        </main>
                    }
                    .into_any(),
                    // Every page has a title, this one too (a screen reader announces it first).
                    Err(error) => view! {
                        <Title text="This page cannot be shown"/>
                        <main class="page narrow">
                            <ErrorView error/>
                        </main>
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}
