//! The inbox: pending forms to fill, and completed forms to review. New forms arrive without a
//! reload: a `LiveRegion` follows the sub-account's event stream and swaps in the fresh list.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::common::{Loading, list_view, sub_account_id};
use super::live::LiveRegion;
use crate::api::inbox::{completed_forms, pending_forms};

#[component]
pub fn InboxPage() -> impl IntoView {
    let sa = sub_account_id();
    let query = use_query_map();
    let show_completed = Memo::new(move |_| query.read().get("tab").as_deref() == Some("completed"));
    let pending = OnceResource::new(pending_forms(sa.get_untracked()));
    let completed = OnceResource::new(completed_forms(sa.get_untracked()));
    let tab_link = move |tab: &'static str| format!("/s/{}/inbox?tab={tab}", sa.get());

    view! {
        <Title text="Inbox"/>
        <div class="page-head">
            <h1>"Inbox"</h1>
        </div>
        <div class="segmented" role="tablist" aria-label="Forms">
            <A href=move || tab_link("pending") attr:role="tab" attr:aria-selected=move || (!show_completed.get()).to_string()>
                "Pending"
            </A>
            <A href=move || tab_link("completed") attr:role="tab" attr:aria-selected=move || show_completed.get().to_string()>
                "Completed"
            </A>
        </div>
        <LiveRegion stream=format!("/s/{}/inbox/stream", sa.get_untracked()) target="inbox-list".to_owned()/>
        <div id="inbox-list">
        <Transition fallback=|| view! { <Loading/> }>
            {move || {
                if show_completed.get() {
                    Suspend::new(async move {
                        list_view(
                            completed.await,
                            "No completed forms yet. Submitted forms are listed here with who submitted them.",
                            |rows| view! {
                                <table class="table" data-testid="completed-forms">
                                    <thead>
                                        <tr>
                                            <th scope="col">"Contact"</th>
                                            <th scope="col">"Template"</th>
                                            <th scope="col">"Submitted by"</th>
                                            <th scope="col">"When"</th>
                                            <th scope="col"><span class="sr-only">"Actions"</span></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {rows
                                            .into_iter()
                                            .map(|row| view! {
                                                <tr>
                                                    <td data-label="Contact">{row.contact_name}</td>
                                                    <td data-label="Template">{row.template_name}</td>
                                                    <td data-label="Submitted by">{row.submitted_by}</td>
                                                    <td data-label="When">{row.submitted_at}</td>
                                                    <td class="actions">
                                                        <A href=format!("/s/{}/forms/{}", sa.get_untracked(), row.id) attr:class="button button-small">
                                                            "View"
                                                        </A>
                                                    </td>
                                                </tr>
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            }
                            .into_any(),
                        )
                    })
                    .into_any()
                } else {
                    Suspend::new(async move {
                        list_view(
                            pending.await,
                            "No pending forms. New forms appear here as soon as a trigger fires.",
                            |rows| view! {
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
                                                        <A href=format!("/s/{}/forms/{}", sa.get_untracked(), row.id) attr:class="button button-small button-primary">
                                                            "Open"
                                                        </A>
                                                    </td>
                                                </tr>
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            }
                            .into_any(),
                        )
                    })
                    .into_any()
                }
            }}
        </Transition>
        </div>
    }
}
