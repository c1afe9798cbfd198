//! The template builder: a palette of field kinds, the form's fields, the selected field's
//! properties (with the visual rule builder) and a live preview, in one screen.
//!
//! It is a lazy island: its code is split into a separate wasm chunk that the browser fetches
//! only when the builder is opened, so staff filling forms never download it. The editing itself
//! is the shared model (`model::editing`, `Template::problems`, `FormPlan`), the same code the
//! server runs when it accepts or refuses a save.

mod canvas;
mod editor;
mod preview;
mod properties;
pub(crate) mod rules;

use leptos::prelude::*;
use leptos_meta::Title;

use super::common::{ErrorPage, Loading, route_id, sub_account_id, warn_before_leaving};
use super::island_data::IslandData;
use super::layout::number_format;
use super::toast::{Tone, use_toasts};
use crate::api::AppError;
use crate::api::templates::{create_template, get_template, load_template_mappings, save_template};
use crate::api::types::{TemplateDraft, TemplateMappings};
use crate::model::{NumberFormat, SubAccountId, Template, TemplateId};
use canvas::{Canvas, Drag, Palette};
use editor::Editor;
use preview::Preview;
use properties::Properties;

#[component]
pub fn BuilderPage() -> impl IntoView {
    let sa = sub_account_id().get_untracked();
    let template_id = route_id::<TemplateId>("template").get_untracked();
    let data = OnceResource::new({
        let (sa, id) = (sa.clone(), template_id.clone());
        async move {
            let mappings = load_template_mappings(sa.clone(), id.clone()).await?;
            Ok::<_, AppError>((get_template(sa, id).await?, mappings))
        }
    });
    view! {
        <Transition fallback=|| view! { <Loading label="Opening the template…"/> }>
            {move || {
                let sa = sa.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok((draft, mappings)) => view! {
                            <Title text=format!("Edit {}", draft.template.name)/>
                            <a href=format!("/s/{sa}/templates") class="back-link">"← Templates"</a>
                            <h1 class="sr-only">{format!("Edit {}", draft.template.name)}</h1>
                            <TemplateBuilder sub_account=sa draft=IslandData(draft) mappings=IslandData(mappings) number_format=number_format()/>
                        }
                        .into_any(),
                        Err(error) => view! { <ErrorPage error back=format!("/s/{sa}/templates") back_label="← Templates"/> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

#[island(lazy)]
fn TemplateBuilder(
    sub_account: SubAccountId,
    draft: IslandData<TemplateDraft>,
    mappings: IslandData<TemplateMappings>,
    number_format: NumberFormat,
) -> impl IntoView {
    let editor = Editor::new(draft.0, mappings.0, number_format);
    let drag = Drag::new();
    let toasts = use_toasts();
    // Ids in reactive state are the page's strings (see `TriggerSettings`).
    let sa = StoredValue::new(sub_account.into_string());
    let save = Action::new(move |(): &()| {
        let (sa, saved) = (sa.get_value(), editor.saved.get_untracked());
        let template = editor.template.get_untracked();
        async move { save_template(sa.into(), saved.id, saved.version, template).await }
    });
    // Someone saved since this edit began: the edit stays on screen with what to do about it.
    let conflict = RwSignal::new(None::<String>);
    Effect::new(move |_| match save.value().get() {
        Some(Ok(draft)) => {
            toasts.show(Tone::Success, format!("Saved as version {}", draft.version), Vec::new());
            conflict.set(None);
            editor.saved.set(draft);
        }
        Some(Err(AppError::Conflict(message))) => conflict.set(Some(message)),
        Some(Err(error)) => {
            toasts.show(Tone::Error, "The template was not saved", vec![(Tone::Error, error.to_string())])
        }
        None => {}
    });
    let reload = move |_| {
        // The person chose to drop the edit: nothing to warn about when the page goes.
        editor.saved.update(|saved| saved.template = editor.template.get_untracked());
        #[cfg(feature = "hydrate")]
        let _ = window().location().reload();
    };
    let save_copy = move |_| {
        let mut copy = editor.template.get_untracked();
        copy.name = Template::copy_name(&copy.name);
        leptos::task::spawn_local(async move {
            match create_template(sa.get_value().into(), copy).await {
                Ok(made) => {
                    editor.saved.update(|saved| saved.template = editor.template.get_untracked());
                    #[cfg(feature = "hydrate")]
                    let _ = window().location().set_href(&format!("/s/{}/templates/{}", sa.get_value(), made.id));
                    #[cfg(not(feature = "hydrate"))]
                    let _ = made;
                }
                Err(error) => {
                    toasts.show(Tone::Error, "The copy was not saved", vec![(Tone::Error, error.to_string())])
                }
            }
        });
    };
    let try_save = move || {
        let count = editor.problems.with_untracked(Vec::len);
        if count > 0 {
            let what = if count == 1 { "the problem".to_owned() } else { format!("the {count} problems") };
            toasts.show(Tone::Error, format!("Fix {what} before saving"), Vec::new());
        } else if !save.pending().get_untracked() {
            save.dispatch(());
        }
    };
    shortcuts(editor, try_save);
    warn_before_leaving(move || editor.is_dirty());

    let status = move || {
        let version = editor.saved.with(|s| s.version);
        if save.pending().get() {
            "Saving…".to_owned()
        } else if editor.is_dirty() {
            format!("Unsaved changes · based on v{version}")
        } else {
            format!("Saved · v{version}")
        }
    };
    view! {
        <div class="builder" data-testid="builder">
            <div class="builder-bar">
                <div class="field builder-name">
                    <label for="template-name">"Template name"</label>
                    <input
                        dir="auto"
                        type="text"
                        id="template-name"
                        prop:value=move || editor.template.with(|t| t.name.clone())
                        on:input=move |ev| {
                            let name = event_target_value(&ev);
                            editor.edit_as(Some("name".to_owned()), |t| t.name = name);
                        }
                    />
                </div>
                <p class="builder-status" data-testid="builder-status">{status}</p>
                <div class="builder-actions">
                    <button type="button" class="button button-small" aria-keyshortcuts="Control+Z"
                        disabled=move || !editor.can_undo() on:click=move |_| editor.undo()>"Undo"</button>
                    <button type="button" class="button button-small" aria-keyshortcuts="Control+Shift+Z"
                        disabled=move || !editor.can_redo() on:click=move |_| editor.redo()>"Redo"</button>
                    <button type="button" class="button button-primary" aria-keyshortcuts="Control+S"
                        disabled=move || save.pending().get() on:click=move |_| try_save()>"Save"</button>
                </div>
            </div>
            {move || conflict.get().map(|message| view! {
                <div class="alert alert-error" role="alert" data-testid="edit-conflict">
                    <p>{message}</p>
                    <div class="alert-actions">
                        <button type="button" class="button button-small" on:click=reload>"Reload the new version"</button>
                        <button type="button" class="button button-small" on:click=save_copy>"Save mine as a copy"</button>
                    </div>
                </div>
            })}
            <ProblemSummary editor/>
            <div class="sr-only" role="status" aria-live="polite" data-testid="announcer">{move || editor.announcement.get()}</div>
            <div class="builder-panes">
                <Palette editor drag/>
                <Canvas editor drag/>
                <Properties editor/>
                <Preview editor/>
            </div>
        </div>
    }
}

/// Every problem of the template; a problem on a field selects that field when clicked.
#[component]
fn ProblemSummary(editor: Editor) -> impl IntoView {
    move || {
        let problems = editor.problems.get();
        if problems.is_empty() {
            return None;
        }
        let title = match problems.len() {
            1 => "1 problem to fix before saving".to_owned(),
            n => format!("{n} problems to fix before saving"),
        };
        Some(view! {
            <div class="alert alert-error problem-summary" data-testid="problem-summary">
                <strong>{title}</strong>
                <ul>
                    {problems
                        .into_iter()
                        .map(|problem| {
                            let text = editor.template.with_untracked(|t| t.explain(&problem));
                            let position = problem
                                .field()
                                .and_then(|key| editor.template.with_untracked(|t| t.fields.iter().position(|f| f.key == key)));
                            match position {
                                Some(at) => view! {
                                    <li>
                                        <button type="button" class="link-button" on:click=move |_| editor.selected.set(Some(at))>
                                            {text}
                                        </button>
                                    </li>
                                }
                                .into_any(),
                                None => view! { <li>{text}</li> }.into_any(),
                            }
                        })
                        .collect_view()}
                </ul>
            </div>
        })
    }
}

/// Ctrl/⌘+Z undoes, Ctrl/⌘+Shift+Z and Ctrl+Y redo, Ctrl/⌘+S saves. In a text box, undo is the
/// box's own (the browser's), as people expect.
fn shortcuts(editor: Editor, save: impl Fn() + Send + Sync + 'static) {
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if !(ev.ctrl_key() || ev.meta_key()) {
            return;
        }
        let key = ev.key().to_lowercase();
        let in_text = in_text_box();
        match key.as_str() {
            "s" => {
                ev.prevent_default();
                save();
            }
            "z" if !in_text && ev.shift_key() => editor.redo(),
            "z" if !in_text => editor.undo(),
            "y" if !in_text => editor.redo(),
            _ => return,
        }
        ev.prevent_default();
    });
    on_cleanup(move || handle.remove());
}

fn in_text_box() -> bool {
    #[cfg(feature = "hydrate")]
    {
        let tag = document().active_element().map(|e| e.tag_name().to_lowercase()).unwrap_or_default();
        matches!(tag.as_str(), "input" | "textarea")
    }
    #[cfg(not(feature = "hydrate"))]
    false
}
