//! The inbox: pending forms to fill, and completed forms to review. New forms arrive without a
//! reload: a `LiveRegion` follows the sub-account's event stream and swaps in the fresh list.
//! Each tab can be searched and filtered by template and is paged, all in the address (`?tab=`,
//! `q`, `template`, `page`), so a plain form and plain links do it, with or without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::common::{ErrorView, Loading, encode_component, sub_account_id};
use super::live::LiveRegion;
use crate::api::inbox::{completed_forms, pending_forms};
use crate::api::types::{CompletedFormRow, InboxPage, InboxQuery, PendingFormRow, WritebacksOverview};
use crate::model::SubAccountId;

#[component]
pub fn InboxPage() -> impl IntoView {
    let sa = sub_account_id();
    let query = use_query_map();
    let (tab, inbox_query) = query.with_untracked(|q| {
        let tab = if q.get("tab").as_deref() == Some("completed") { "completed" } else { "pending" };
        let inbox_query = InboxQuery {
            search: q.get("q").unwrap_or_default(),
            template_id: q.get("template").unwrap_or_default().into(),
            page: q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
        };
        (tab, inbox_query)
    });
    let tab_link = move |tab: &'static str| format!("/s/{}/inbox?tab={tab}", sa.get());
    let list = {
        let (sa, inbox_query) = (sa.get_untracked(), inbox_query.clone());
        OnceResource::new(async move {
            if tab == "completed" {
                completed_forms(sa, inbox_query).await.map(Tab::Completed)
            } else {
                pending_forms(sa, inbox_query).await.map(Tab::Pending)
            }
        })
    };
    let filter = StoredValue::new(inbox_query);

    view! {
        <Title text="Inbox"/>
        <div class="page-head">
            <h1>"Inbox"</h1>
        </div>
        <div class="segmented" role="tablist" aria-label="Forms">
            <A href=move || tab_link("pending") attr:role="tab" attr:aria-selected=(tab == "pending").to_string()>
                "Pending"
            </A>
            <A href=move || tab_link("completed") attr:role="tab" attr:aria-selected=(tab == "completed").to_string()>
                "Completed"
            </A>
        </div>
        <LiveRegion stream=format!("/s/{}/inbox/stream", sa.get_untracked()) target="inbox-list".to_owned()/>
        <div id="inbox-list">
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    let sa = sa.get_untracked();
                    match list.await {
                        Ok(Tab::Pending(page)) => {
                            view! { <ListOf sa tab filter=filter.get_value() page render=pending_table/> }.into_any()
                        }
                        Ok(Tab::Completed(page)) => {
                            view! { <ListOf sa tab filter=filter.get_value() page render=completed_table/> }.into_any()
                        }
                        Err(error) => view! { <ErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// The loaded tab.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
enum Tab {
    Pending(InboxPage<PendingFormRow>),
    Completed(InboxPage<CompletedFormRow>),
}

/// A tab's list: the filter (on the Completed tab always, on Pending once there is more than a
/// page), the table or why it is empty, and the pager.
#[component]
fn ListOf<T: Clone + Send + Sync + 'static>(
    sa: SubAccountId,
    tab: &'static str,
    filter: InboxQuery,
    page: InboxPage<T>,
    render: fn(&SubAccountId, Vec<T>) -> AnyView,
) -> impl IntoView {
    let show_filter = tab == "completed" || page.pages > 1 || filter.is_filtered();
    let empty = match (tab, filter.is_filtered()) {
        (_, true) => "No forms match. Try another search or template.",
        ("completed", false) => "No completed forms yet. Submitted forms are listed here with who submitted them.",
        _ => "No pending forms. New forms appear here as soon as a trigger fires.",
    };
    let rows =
        if page.rows.is_empty() { view! { <p class="empty">{empty}</p> }.into_any() } else { render(&sa, page.rows) };
    view! {
        {show_filter.then(|| view! { <Filter tab filter=filter.clone() templates=page.templates/> })}
        {rows}
        <Pager sa tab filter page=page.page pages=page.pages total=page.total/>
    }
}

/// Search and template filter: a GET form, so the address says what is shown.
#[component]
fn Filter(tab: &'static str, filter: InboxQuery, templates: Vec<crate::api::types::TemplateOption>) -> impl IntoView {
    view! {
        <form method="get" class="inbox-filter" role="search" aria-label="Filter forms">
            <input type="hidden" name="tab" value=tab/>
            <div class="field">
                <label for="inbox-search">"Search"</label>
                <input
                    dir="auto"
                    type="search"
                    id="inbox-search"
                    name="q"
                    value=filter.search.clone()
                    placeholder="Contact, template or who submitted"
                />
            </div>
            <div class="field">
                <label for="inbox-template">"Template"</label>
                <select id="inbox-template" name="template">
                    <option value="" selected=filter.template_id.is_empty()>"All templates"</option>
                    {templates
                        .into_iter()
                        .map(|t| {
                            let selected = t.id == filter.template_id;
                            view! { <option value=t.id.into_string() selected=selected>{t.name}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <button type="submit" class="button">"Show"</button>
        </form>
    }
}

/// “Page 2 of 5 · 112 forms” with links to the pages before and after, keeping the filter.
#[component]
fn Pager(sa: SubAccountId, tab: &'static str, filter: InboxQuery, page: u32, pages: u32, total: u32) -> impl IntoView {
    if pages <= 1 {
        return ().into_any();
    }
    let link = move |to: u32| {
        format!(
            "/s/{sa}/inbox?tab={tab}&q={}&template={}&page={to}",
            encode_component(&filter.search),
            encode_component(filter.template_id.as_str())
        )
    };
    view! {
        <nav class="pager" aria-label="Pages" data-testid="pager">
            {(page > 1).then(|| view! { <a class="button button-small" href=link(page - 1) rel="prev">"← Newer"</a> })}
            <span>{format!("Page {page} of {pages} · {total} forms")}</span>
            {(page < pages).then(|| view! { <a class="button button-small" href=link(page + 1) rel="next">"Older →"</a> })}
        </nav>
    }
    .into_any()
}

fn pending_table(sa: &SubAccountId, rows: Vec<PendingFormRow>) -> AnyView {
    view! {
        <table class="table" data-testid="pending-forms">
            <thead>
                <tr>
                    <th scope="col">"Contact"</th>
                    <th scope="col">"Template"</th>
                    <th scope="col">"Trigger"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col"><span class="sr-only">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|row| view! {
                        <tr>
                            <td data-label="Contact">{row.contact_name}</td>
                            <td data-label="Template">
                                {row.template_name}
                                <span class="version">{format!("v{}", row.template_version)}</span>
                            </td>
                            <td data-label="Trigger">{row.context}</td>
                            <td data-label="Created">{row.created_at}</td>
                            <td class="actions">
                                <A href=format!("/s/{sa}/forms/{}", row.id) attr:class="button button-small button-primary">
                                    "Open"
                                </A>
                            </td>
                        </tr>
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

fn completed_table(sa: &SubAccountId, rows: Vec<CompletedFormRow>) -> AnyView {
    view! {
        <table class="table" data-testid="completed-forms">
            <thead>
                <tr>
                    <th scope="col">"Contact"</th>
                    <th scope="col">"Template"</th>
                    <th scope="col">"Submitted by"</th>
                    <th scope="col">"When"</th>
                    <th scope="col">"Writebacks"</th>
                    <th scope="col"><span class="sr-only">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|row| {
                        let (class, state) = match row.writebacks {
                            WritebacksOverview::None => ("badge", "None"),
                            WritebacksOverview::AllDone => ("badge badge-success", "All done"),
                            WritebacksOverview::Pending => ("badge badge-pending", "Pending"),
                            WritebacksOverview::Failed => ("badge badge-error", "Failed"),
                        };
                        view! {
                            <tr>
                                <td data-label="Contact">{row.contact_name}</td>
                                <td data-label="Template">{row.template_name}</td>
                                <td data-label="Submitted by">{row.submitted_by}</td>
                                <td data-label="When">{row.submitted_at}</td>
                                <td data-label="Writebacks"><span class=class>{state}</span></td>
                                <td class="actions">
                                    <A href=format!("/s/{sa}/forms/{}", row.id) attr:class="button button-small">
                                        "View"
                                    </A>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
