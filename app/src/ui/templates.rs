//! The templates of a sub-account. A template in use (pending forms or triggers) shows why it
//! cannot be deleted; the server refuses the same deletion with the same reason.

use leptos::prelude::*;
use leptos_meta::Title;

use super::common::{Loading, confirm, list_view, sub_account_id};
use super::island_data::IslandData;
use super::layout::is_admin;
use super::toast::{Tone, use_toasts};
use crate::api::templates::{delete_template, list_templates};
use crate::api::types::TemplateSummary;

fn in_use_reason(template: &TemplateSummary) -> Option<String> {
    let plural = |n: i64, word: &str| if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") };
    if template.pending_forms > 0 {
        Some(format!("Has {} — complete them first.", plural(template.pending_forms, "pending form")))
    } else if template.trigger_count > 0 {
        Some(format!("Used by {} — remove them in Settings first.", plural(template.trigger_count, "trigger")))
    } else {
        None
    }
}

#[component]
pub fn TemplatesPage() -> impl IntoView {
    let sa = sub_account_id();
    let admin = is_admin();
    let templates = OnceResource::new(list_templates(sa.get_untracked()));

    view! {
        <Title text="Templates"/>
        <div class="page-head">
            <h1>"Templates"</h1>
        </div>
        <p class="muted">"The fields staff fill in. Forms keep the template version they were created from."</p>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                list_view(templates.await, "No templates yet.", |templates| {
                    view! { <TemplateTable sub_account=sa.get_untracked() templates=IslandData(templates) admin/> }
                        .into_any()
                })
            })}
        </Transition>
    }
}

/// The template list, with deletion for admins: a deleted template leaves the table.
#[island]
fn TemplateTable(sub_account: String, templates: IslandData<Vec<TemplateSummary>>, admin: bool) -> impl IntoView {
    let toasts = use_toasts();
    let rows = RwSignal::new(templates.0);
    let delete = Action::new(move |template_id: &String| {
        let (sa, id) = (sub_account.clone(), template_id.clone());
        async move { delete_template(sa, id.clone()).await.map(|()| id) }
    });
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(id)) => {
            rows.update(|rows| rows.retain(|t| t.id != id));
            toasts.show(Tone::Success, "Template deleted", Vec::new())
        }
        Some(Err(error)) => {
            toasts.show(Tone::Error, "The template was not deleted", vec![(Tone::Error, error.to_string())])
        }
        None => {}
    });

    view! {
        <table class="table" data-testid="templates">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Fields"</th>
                    <th scope="col">"Version"</th>
                    <th scope="col">"Pending forms"</th>
                    <th scope="col">"Last change"</th>
                    <th scope="col"><span class="sr-only">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                <For each=move || rows.get() key=|template| template.id.clone() let:template>
                    {
                        let reason = in_use_reason(&template);
                        let reason_id = format!("why-{}", template.id);
                        let described_by = reason_id.clone();
                        let blocked = reason.is_some();
                        let id = template.id.clone();
                        let name = template.name.clone();
                        // A template in use is not deleted, so there is nothing to confirm: the
                        // server's refusal explains why in a toast.
                        let on_delete = move |_| {
                            if blocked || confirm(&format!("Delete the template “{name}”? This cannot be undone.")) {
                                delete.dispatch(id.clone());
                            }
                        };
                        view! {
                            <tr>
                                <td data-label="Name"><strong>{template.name.clone()}</strong></td>
                                <td data-label="Fields">{template.field_count}</td>
                                <td data-label="Version">{format!("v{}", template.version)}</td>
                                <td data-label="Pending forms">{template.pending_forms}</td>
                                <td data-label="Last change">{template.updated_at.clone()}</td>
                                <td class="actions">
                                    {admin.then(|| view! {
                                        <button
                                            class=if blocked { "button button-small button-danger is-blocked" } else { "button button-small button-danger" }
                                            aria-describedby=described_by
                                            aria-label=format!("Delete {}", template.name)
                                            on:click=on_delete
                                        >
                                            "Delete"
                                        </button>
                                    })}
                                    {reason.map(|why| view! { <p class="hint" id=reason_id>{why}</p> })}
                                </td>
                            </tr>
                        }
                    }
                </For>
            </tbody>
        </table>
    }
}
