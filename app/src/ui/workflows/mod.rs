//! The Workflows screens (admins): the list with its module filter, on/off switch and last run;
//! the editor; each workflow's run history and a run's steps. Everything here but the editor is
//! rendered on the server, and its buttons are plain form posts: they work before the wasm loads.

mod editor;
mod runs;
mod settings;

pub use editor::WorkflowEditorPage;
pub use runs::{RunHistoryPage, RunPage};

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::common::{ErrorPage, Loading, confirm, load_first, plain_form_error, sub_account_id};
use crate::api::workflows::{WorkflowRow, list_workflows};
use crate::model::TriggerModule;
use crate::model::workflow::history::RunStatus;

/// A run's or step's status as a badge.
pub(super) fn status_badge(status: &'static str) -> impl IntoView {
    let tone = match status {
        "completed" => "badge badge-success",
        "failed" => "badge badge-error",
        "running" | "waiting" | "pending" => "badge badge-pending",
        _ => "badge",
    };
    view! { <span class=tone data-status=status>{status}</span> }
}

fn run_status(status: RunStatus) -> impl IntoView {
    status_badge(status.as_str())
}

#[component]
pub fn WorkflowsPage() -> impl IntoView {
    let sa = sub_account_id().get_untracked();
    let module = use_query_map().read_untracked().get("module").and_then(|name| name.parse::<TriggerModule>().ok());
    let rows = load_first(list_workflows(sa.clone(), module));
    let refused = ["/api/workflows/toggle", "/api/workflows/delete"].into_iter().find_map(plain_form_error);
    view! {
        <Title text="Workflows"/>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || {
                let (sa, refused) = (sa.clone(), refused.clone());
                Suspend::new(async move {
                    match rows.await {
                        Ok(rows) => view! { <WorkflowList sa rows module refused/> }.into_any(),
                        Err(error) => {
                            view! { <ErrorPage error back=format!("/s/{sa}/inbox") back_label="← Inbox"/> }.into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn WorkflowList(
    sa: crate::model::SubAccountId,
    rows: Vec<WorkflowRow>,
    module: Option<TriggerModule>,
    refused: Option<crate::api::AppError>,
) -> impl IntoView {
    let base = format!("/s/{sa}/workflows");
    let filter = std::iter::once((None, "All"))
        .chain(TriggerModule::ALL.into_iter().map(|m| (Some(m), m.label())))
        .map(|(choice, label)| {
            let href = match choice {
                Some(m) => format!("{base}?module={}", m.as_str()),
                None => base.clone(),
            };
            let current = (choice == module).then_some("page");
            view! { <a href=href class="chip" aria-current=current>{label}</a> }
        })
        .collect_view();
    let empty = rows.is_empty().then(|| {
        let what = module.map_or("yet".to_owned(), |m| format!("on {} yet", m.label().to_lowercase()));
        view! {
            <p class="empty">
                {format!("No workflows {what}. A workflow runs its actions — assign, notify, email, wait, branch — each time a CRM event happens.")}
            </p>
        }
    });
    let table = (!rows.is_empty()).then(|| {
        let body = rows.into_iter().map(|row| view! { <WorkflowListRow sa=sa.clone() row/> }).collect_view();
        view! {
            <table class="table" data-testid="workflows">
                <thead>
                    <tr>
                        <th scope="col">"Workflow"</th>
                        <th scope="col">"Starts when"</th>
                        <th scope="col">"Actions"</th>
                        <th scope="col">"Last run"</th>
                        <th scope="col">"Runs"</th>
                        <th scope="col">"Active"</th>
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        }
    });
    view! {
        <div class="page-head">
            <h1>"Workflows"</h1>
            <div class="head-actions">
                <a class="button button-primary" href=format!("{base}/new")>"New workflow"</a>
            </div>
        </div>
        <p class="muted">"Actions that run by themselves when something happens in the CRM. Each change makes a new version; runs keep the version they started with."</p>
        {refused.map(|error| view! {
            <div class="alert alert-error" role="alert">{format!("Nothing changed. {error}")}</div>
        })}
        <nav class="chips" aria-label="Module">{filter}</nav>
        {empty}
        {table}
    }
}

#[component]
fn WorkflowListRow(sa: crate::model::SubAccountId, row: WorkflowRow) -> impl IntoView {
    let edit = format!("/s/{sa}/workflows/{}", row.id);
    let history = format!("/s/{sa}/workflows/{}/runs", row.id);
    let last_run = match &row.last_run {
        Some(run) => view! {
            <a href=format!("/s/{sa}/runs/{}", run.id)>{run_status(run.status)}</a>
            " "
            <span class="muted">{run.started_at.clone()}</span>
        }
        .into_any(),
        None => view! { <span class="muted">"Never"</span> }.into_any(),
    };
    let next = if row.is_active { "false" } else { "true" };
    let switch_label = format!("{} “{}”", if row.is_active { "Disable" } else { "Enable" }, row.name);
    view! {
        <tr data-workflow=row.id.to_string()>
            <td>
                <a href=edit class="row-title">{row.name.clone()}</a>
                {(!row.description.is_empty()).then(|| view! { <div class="muted small">{row.description.clone()}</div> })}
            </td>
            <td>{row.trigger.label()}<div class="muted small">{format!("{} · v{}", row.module.label(), row.version)}</div></td>
            <td>{row.actions}</td>
            <td>{last_run}</td>
            <td><a href=history class="count-link">{row.runs}</a></td>
            <td>
                // A plain post: the server switches it and sends the browser back here.
                <form method="post" action="/api/workflows/toggle" class="inline-form">
                    <input type="hidden" name="sub_account" value=sa.to_string()/>
                    <input type="hidden" name="workflow" value=row.id.to_string()/>
                    <input type="hidden" name="active" value=next/>
                    <WorkflowSwitch on=row.is_active label=switch_label name=row.name.clone()/>
                </form>
            </td>
        </tr>
    }
}

/// What switching a workflow off does, asked before it is done.
pub(super) fn switch_off_question(name: &str) -> String {
    format!(
        "Switch off “{name}”? Its runs that have not finished are cancelled — steps queued and waits \
         included — and events start nothing until it is on again."
    )
}

/// The list's On/Off switch, in the form that posts it; switching off asks first. (Without the
/// client, the plain form switches at once.)
#[island]
fn WorkflowSwitch(on: bool, label: String, name: String) -> impl IntoView {
    let ask = move |ev: leptos::ev::MouseEvent| {
        if on && !confirm(&switch_off_question(&name)) {
            ev.prevent_default();
        }
    };
    view! {
        <button type="submit" class="switch" role="switch" aria-checked=on.to_string() aria-label=label on:click=ask>
            {if on { "On" } else { "Off" }}
        </button>
    }
}
