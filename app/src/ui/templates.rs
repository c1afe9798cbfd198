//! The templates of a sub-account: the list, and for admins everything done with a whole
//! template — create, open in the builder, duplicate, export, import, delete. A template in use
//! (pending forms or triggers) shows why it cannot be deleted; the server refuses the same
//! deletion with the same reason.

use leptos::prelude::*;
use leptos_meta::Title;

use super::common::{ErrorPage, Loading, confirm, go_to, sub_account_id};
use super::island_data::IslandData;
use super::layout::is_admin;
use super::toast::{Toasts, Tone, use_toasts};
use crate::api::AppError;
use crate::api::templates::{
    create_template, delete_template, duplicate_template, export_template, import_template, list_templates,
};
use crate::api::types::TemplateSummary;
use crate::model::editing::insert_field;
use crate::model::{FieldKind, SubAccountId, Template};

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

/// "v1: 2 · v2: 1" when some pending forms use an older version than the current one; forms keep
/// the version they were created from.
fn pending_by_version(template: &TemplateSummary) -> Option<String> {
    let older = template.pending_versions.iter().any(|p| p.version != template.version);
    older.then(|| {
        template.pending_versions.iter().map(|p| format!("v{}: {}", p.version, p.forms)).collect::<Vec<_>>().join(" · ")
    })
}

#[component]
pub fn TemplatesPage() -> impl IntoView {
    let sa = sub_account_id();
    let admin = is_admin();
    let templates = OnceResource::new(list_templates(sa.get_untracked()));

    view! {
        <Title text="Templates"/>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                // The table renders even when empty: its head holds "New template" and "Import".
                match templates.await {
                    Ok(templates) => view! {
                        <TemplateTable sub_account=sa.get_untracked() templates=IslandData(templates) admin/>
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorPage error back=format!("/s/{}/inbox", sa.get_untracked()) back_label="← Inbox"/> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn builder_url(sub_account: &str, template_id: &str) -> String {
    format!("/s/{sub_account}/templates/{template_id}")
}

fn show_error(toasts: Toasts, title: &str, error: &AppError) {
    toasts.show(Tone::Error, title, vec![(Tone::Error, error.to_string())]);
}

/// The template list, with the admin's actions. A deleted template leaves the table; a created
/// or imported one opens in the builder. Lazy, like the builder: only this page needs its code.
#[island(lazy)]
fn TemplateTable(sub_account: SubAccountId, templates: IslandData<Vec<TemplateSummary>>, admin: bool) -> impl IntoView {
    let toasts = use_toasts();
    // Ids in reactive state are the page's strings (see `TriggerSettings`).
    let sa = StoredValue::new(sub_account.into_string());
    let rows = RwSignal::new(templates.0);
    let import_problems = RwSignal::new(Vec::<String>::new());
    let busy = RwSignal::new(false);

    let delete = Action::new(move |template_id: &String| {
        let id = template_id.clone();
        async move { delete_template(sa.get_value().into(), id.as_str().into()).await.map(|()| id) }
    });
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(id)) => {
            rows.update(|rows| rows.retain(|t| *t.id != *id));
            toasts.show(Tone::Success, "Template deleted", Vec::new())
        }
        Some(Err(error)) => show_error(toasts, "The template was not deleted", &error),
        None => {}
    });
    // Creating, duplicating and importing all end in the builder of the new template.
    let open_new = move |title: &'static str, made: Result<crate::api::types::TemplateDraft, AppError>| {
        busy.set(false);
        match made {
            Ok(draft) => go_to(&builder_url(&sa.get_value(), &draft.id)),
            Err(AppError::InvalidImport(problems)) => import_problems.set(problems),
            Err(error) => show_error(toasts, title, &error),
        }
    };
    let create = move |_| {
        busy.set(true);
        let mut template = Template { name: "Untitled template".to_owned(), fields: Vec::new() };
        insert_field(&mut template.fields, 0, FieldKind::ShortText);
        leptos::task::spawn_local(async move {
            open_new("The template was not created", create_template(sa.get_value().into(), template).await);
        });
    };
    let on_file = move |ev: leptos::ev::Event| {
        import_problems.set(Vec::new());
        let Some(file) = chosen_file(&ev) else { return };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let made = match read_text(file).await {
                Ok(text) => import_template(sa.get_value().into(), text).await,
                Err(error) => Err(error),
            };
            open_new("The template was not imported", made);
        });
    };

    view! {
        <div>
        <div class="page-head">
            <h1>"Templates"</h1>
            {admin.then(|| view! {
                <div class="head-actions">
                    <button type="button" class="button button-primary" disabled=move || busy.get() on:click=create>
                        "New template"
                    </button>
                    <input type="file" id="import-file" class="file-input" accept=".json,application/json" on:change=on_file/>
                    <label for="import-file" class="button">"Import from file…"</label>
                </div>
            })}
        </div>
        <p class="muted">"The fields staff fill in. Forms keep the template version they were created from."</p>
        {move || {
            let problems = import_problems.get();
            (!problems.is_empty()).then(|| view! {
                <div class="alert alert-error" role="alert" data-testid="import-problems">
                    <strong>"The file was not imported. Nothing was saved:"</strong>
                    <ul>{problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
                </div>
            })
        }}
        <Show when=move || rows.with(Vec::is_empty)>
            <p class="empty">"No templates yet."</p>
        </Show>
        <table class="table" data-testid="templates" hidden=move || rows.with(Vec::is_empty)>
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
                <For each=move || rows.get() key=|template| (template.id.clone(), template.version) let:template>
                    <TemplateRow sa template admin rows delete/>
                </For>
            </tbody>
        </table>
        </div>
    }
}

#[component]
fn TemplateRow(
    sa: StoredValue<String>,
    template: TemplateSummary,
    admin: bool,
    rows: RwSignal<Vec<TemplateSummary>>,
    delete: Action<String, Result<String, AppError>>,
) -> impl IntoView {
    let toasts = use_toasts();
    let reason = in_use_reason(&template);
    let reason_id = format!("why-{}", template.id);
    let blocked = reason.is_some();
    let (id, name) = (StoredValue::new(template.id.to_string()), StoredValue::new(template.name.clone()));
    // A template in use cannot be deleted: its button is disabled, with the reason beside it (and
    // the server refuses the same deletion with the same reason).
    let on_delete = move |_| {
        if confirm(&format!("Delete the template “{}”? This cannot be undone.", name.get_value())) {
            delete.dispatch(id.get_value());
        }
    };
    let on_duplicate = move |_| {
        leptos::task::spawn_local(async move {
            match duplicate_template(sa.get_value().into(), id.get_value().into()).await {
                Ok(copy) => match list_templates(sa.get_value().into()).await {
                    Ok(list) => {
                        rows.set(list);
                        toasts.show(Tone::Success, format!("Copied as “{}”", copy.template.name), Vec::new());
                    }
                    Err(error) => show_error(toasts, "The list could not be reloaded", &error),
                },
                Err(error) => show_error(toasts, "The template was not copied", &error),
            }
        });
    };
    let on_export = move |_| {
        leptos::task::spawn_local(async move {
            match export_template(sa.get_value().into(), id.get_value().into()).await {
                Ok(file) => download(&format!("{}.opsflow.json", file_stem(&name.get_value())), &file),
                Err(error) => show_error(toasts, "The template was not exported", &error),
            }
        });
    };
    let versions = pending_by_version(&template);

    view! {
        <tr data-template=template.name.clone()>
            <td data-label="Name">
                {if admin {
                    view! { <a href=builder_url(&sa.get_value(), &template.id)><strong>{template.name.clone()}</strong></a> }.into_any()
                } else {
                    view! { <strong>{template.name.clone()}</strong> }.into_any()
                }}
            </td>
            <td data-label="Fields">{template.field_count}</td>
            <td data-label="Version">{format!("v{}", template.version)}</td>
            <td data-label="Pending forms">
                {template.pending_forms}
                {versions.map(|v| view! { <span class="hint" data-testid="pending-versions">{format!(" ({v})")}</span> })}
            </td>
            <td data-label="Last change">{template.updated_at.clone()}</td>
            <td class="actions">
                {admin.then(|| view! {
                    <a class="button button-small" href=builder_url(&sa.get_value(), &template.id)
                        aria-label=format!("Edit {}", template.name)>"Edit"</a>
                    <button type="button" class="button button-small" aria-label=format!("Duplicate {}", template.name)
                        on:click=on_duplicate>"Duplicate"</button>
                    <button type="button" class="button button-small" aria-label=format!("Export {}", template.name)
                        on:click=on_export>"Export"</button>
                    <button
                        type="button"
                        class="button button-small button-danger"
                        disabled=blocked
                        aria-describedby=reason_id.clone()
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

/// A file name from a template name: letters and digits, dashes between words.
fn file_stem(name: &str) -> String {
    let stem: String = name.chars().map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    let stem = stem.split('-').filter(|part| !part.is_empty()).collect::<Vec<_>>().join("-");
    if stem.is_empty() { "template".to_owned() } else { stem }
}

#[cfg(feature = "hydrate")]
fn chosen_file(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    use wasm_bindgen::JsCast;
    let input = ev.target()?.dyn_into::<web_sys::HtmlInputElement>().ok()?;
    let file = input.files()?.get(0);
    // Choosing the same file again after fixing it must fire `change` again.
    input.set_value("");
    file
}

#[cfg(not(feature = "hydrate"))]
fn chosen_file(_: &leptos::ev::Event) -> Option<web_sys::File> {
    None
}

#[cfg(feature = "hydrate")]
async fn read_text(file: web_sys::File) -> Result<String, AppError> {
    let text = wasm_bindgen_futures::JsFuture::from(file.text()).await;
    text.ok().and_then(|t| t.as_string()).ok_or_else(|| AppError::BadRequest("The file could not be read.".to_owned()))
}

#[cfg(not(feature = "hydrate"))]
async fn read_text(_: web_sys::File) -> Result<String, AppError> {
    Err(AppError::BadRequest("Files are read in the browser.".to_owned()))
}

/// Saves `text` as a file through the browser's download.
fn download(file_name: &str, text: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("application/json");
        let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
        let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
        let link = document().create_element("a").ok().and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok());
        if let Some(link) = link {
            link.set_href(&url);
            link.set_download(file_name);
            link.click();
        }
        // Revoked a moment later: revoking at once can cancel the download that just started.
        set_timeout(move || drop(web_sys::Url::revoke_object_url(&url)), std::time::Duration::from_secs(1));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (file_name, text);
}
