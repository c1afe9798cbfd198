//! The properties of the selected field. Each box writes straight into the template (one undo
//! step per box typed in); the problems of the field are listed above its properties.

use leptos::prelude::*;

use super::canvas::refocus;
use super::editor::Editor;
use super::rules::ShowIf;
use crate::model::editing::{key_from_label, rename_key};
use crate::model::{Field, FieldKind, NumberFormat};

#[component]
pub fn Properties(editor: Editor) -> impl IntoView {
    view! {
        <section class="builder-pane properties" aria-labelledby="properties-title">
            <h2 id="properties-title">"Field properties"</h2>
            {move || match editor.selected.get() {
                Some(index) => view! { <FieldProperties editor index/> }.into_any(),
                None => view! { <p class="muted">"Select a field on the form to edit it."</p> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn FieldProperties(editor: Editor, index: usize) -> impl IntoView {
    let kind = Memo::new(move |_| editor.template.with(|t| t.fields.get(index).map(|f| f.kind)));
    let key = Memo::new(move |_| editor.template.with(|t| t.fields.get(index).map(|f| f.key.clone())));
    let problems = move || key.get().map(|key| editor.problems_of(&key)).unwrap_or_default();
    move || {
        let kind = kind.get()?;
        Some(view! {
            {move || {
                let problems = problems();
                (!problems.is_empty()).then(|| view! {
                    <div class="alert alert-error" data-testid="field-problems">
                        <ul>{problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
                    </div>
                })
            }}
            <TextProp editor index id="p-label" label="Label" get=|f| f.label.clone() set=|f, v| f.label = v/>
            <KeyProp editor index key/>
            <KindProp editor index kind/>
            {kind.takes_answer().then(|| view! {
                <label class="choice">
                    <input
                        type="checkbox"
                        id="p-required"
                        prop:checked=move || editor.template.with(|t| t.fields.get(index).is_some_and(|f| f.required))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            editor.edit(|t| t.fields[index].required = on);
                        }
                    />
                    <span>"Required"</span>
                </label>
            })}
            <TextProp editor index id="p-help" label="Help text" get=|f| f.help.clone().unwrap_or_default()
                set=|f, v| f.help = non_empty(v)/>
            {(kind.is_text() || kind.is_numeric() || kind == FieldKind::Dropdown).then(|| view! {
                <TextProp editor index id="p-placeholder" label="Placeholder"
                    get=|f| f.placeholder.clone().unwrap_or_default() set=|f, v| f.placeholder = non_empty(v)/>
            })}
            {kind.has_options().then(|| view! { <OptionsProp editor index/> })}
            {kind.is_numeric().then(|| view! {
                <div class="prop-pair">
                    <NumberProp editor index id="p-min" label="Minimum" get=|f| f.min set=|f, v| f.min = v/>
                    <NumberProp editor index id="p-max" label="Maximum" get=|f| f.max set=|f, v| f.max = v/>
                </div>
            })}
            {kind.is_text().then(|| view! {
                <div class="prop-pair">
                    <NumberProp editor index id="p-min-length" label="Minimum length"
                        get=|f| f.min_length.map(f64::from) set=|f, v| f.min_length = v.map(to_length)/>
                    <NumberProp editor index id="p-max-length" label="Maximum length"
                        get=|f| f.max_length.map(f64::from) set=|f, v| f.max_length = v.map(to_length)/>
                </div>
                <TextProp editor index id="p-pattern" label="Pattern (regular expression)"
                    get=|f| f.pattern.clone().unwrap_or_default() set=|f, v| f.pattern = non_empty(v)/>
                <TextProp editor index id="p-pattern-message" label="Message when an answer does not match"
                    get=|f| f.pattern_message.clone().unwrap_or_default() set=|f, v| f.pattern_message = non_empty(v)/>
            })}
            <ShowIf editor index/>
        })
    }
}

fn non_empty(value: String) -> Option<String> {
    (!value.trim().is_empty()).then_some(value)
}

/// Lengths are whole and not negative; the box is a number input, so this only rounds.
fn to_length(value: f64) -> u32 {
    value.max(0.0).min(f64::from(u32::MAX)).round() as u32
}

/// A new field's key follows its label until the admin sets one, so "Call outcome" becomes
/// `call_outcome`. A key the saved template already has stays put: forms, answers and mappings
/// refer to it.
fn follow_label(editor: Editor, index: usize, old_label: &str) {
    let saved_keys =
        editor.saved.with_untracked(|s| s.template.fields.iter().map(|f| f.key.clone()).collect::<Vec<_>>());
    editor.template.update(|t| {
        let others: Vec<Field> =
            t.fields.iter().enumerate().filter(|(i, _)| *i != index).map(|(_, f)| f.clone()).collect();
        let current = &t.fields[index];
        if saved_keys.contains(&current.key) || current.key != key_from_label(old_label, &others) {
            return;
        }
        let new_key = key_from_label(&current.label, &others);
        let _ = rename_key(&mut t.fields, index, &new_key);
    });
}

#[component]
fn TextProp(
    editor: Editor,
    index: usize,
    id: &'static str,
    label: &'static str,
    get: fn(&Field) -> String,
    set: fn(&mut Field, String),
) -> impl IntoView {
    let value = move || editor.template.with(|t| t.fields.get(index).map(get).unwrap_or_default());
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                dir="auto"
                type="text"
                id=id
                prop:value=value
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    let old = editor.label_at(index);
                    editor.edit_as(Some(format!("{id}:{index}")), |t| set(&mut t.fields[index], text));
                    if id == "p-label" {
                        follow_label(editor, index, &old);
                    }
                }
            />
        </div>
    }
}

#[component]
fn NumberProp(
    editor: Editor,
    index: usize,
    id: &'static str,
    label: &'static str,
    get: fn(&Field) -> Option<f64>,
    set: fn(&mut Field, Option<f64>),
) -> impl IntoView {
    // A memo, so the box is only rewritten when the number changes: typing "1." must not be
    // turned back into "1" under the cursor.
    let value = Memo::new(move |_| {
        editor
            .template
            .with(|t| t.fields.get(index).and_then(get).map(|n| NumberFormat::TEMPLATE.number(n)))
            .unwrap_or_default()
    });
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                type="number"
                id=id
                step="any"
                prop:value=move || value.get()
                on:input=move |ev| {
                    // Read in the templates' notation by the model's one number parser.
                    let number = NumberFormat::TEMPLATE.parse_number(event_target_value(&ev).trim());
                    editor.edit_as(Some(format!("{id}:{index}")), |t| set(&mut t.fields[index], number));
                }
            />
        </div>
    }
}

/// The key box: a refused key stays in the box with the reason, and the field keeps its key.
#[component]
fn KeyProp(editor: Editor, index: usize, key: Memo<Option<String>>) -> impl IntoView {
    let text = RwSignal::new(key.get_untracked().unwrap_or_default());
    let error = RwSignal::new(None::<String>);
    // The key also changes by undo and by following the label.
    Effect::new(move |_| {
        if let Some(key) = key.get() {
            text.set(key);
            error.set(None);
        }
    });
    let apply = move |_| {
        let new = text.get_untracked();
        let mut outcome = Ok(());
        editor.edit(|t| outcome = rename_key(&mut t.fields, index, new.trim()));
        error.set(outcome.err().map(|e| e.to_string()));
    };
    view! {
        <div class="field" class:has-error=move || error.with(Option::is_some)>
            <label for="p-key">"Key"</label>
            <p class="help" id="p-key-help">"Used by rules, mappings and {{variables}}. Generated from the label."</p>
            <input
                dir="auto"
                type="text"
                id="p-key"
                spellcheck="false"
                aria-describedby="p-key-help p-key-error"
                aria-invalid=move || error.with(Option::is_some).to_string()
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
                on:change=apply
            />
            <p class="field-error" id="p-key-error">{move || error.get()}</p>
        </div>
    }
}

#[component]
fn KindProp(editor: Editor, index: usize, kind: FieldKind) -> impl IntoView {
    view! {
        <div class="field">
            <label for="p-kind">"Kind"</label>
            <select
                id="p-kind"
                on:change=move |ev| {
                    let chosen = event_target_value(&ev);
                    let Some(new) = FieldKind::ALL.into_iter().find(|k| k.label() == chosen) else { return };
                    editor.edit(|t| {
                        let field = &mut t.fields[index];
                        field.kind = new;
                        if new.has_options() && field.options.is_empty() {
                            field.options = vec!["Option 1".to_owned(), "Option 2".to_owned()];
                        }
                    });
                    refocus("p-kind");
                }
            >
                {FieldKind::ALL
                    .into_iter()
                    .map(|k| view! { <option value=k.label() selected=k == kind>{k.label()}</option> })
                    .collect_view()}
            </select>
        </div>
    }
}

/// A change to a field's option list.
type OptionsEdit = Box<dyn FnOnce(&mut Vec<String>)>;

#[component]
fn OptionsProp(editor: Editor, index: usize) -> impl IntoView {
    let count = Memo::new(move |_| editor.template.with(|t| t.fields.get(index).map_or(0, |f| f.options.len())));
    let edit_options = move |change: OptionsEdit| {
        editor.edit(|t| change(&mut t.fields[index].options));
    };
    view! {
        <fieldset class="field options-editor">
            <legend>"Options"</legend>
            <ol class="option-list">
                {move || {
                    (0..count.get())
                        .map(|i| {
                            let id = format!("p-option-{i}");
                            let is_last = move || i + 1 >= count.get();
                            let value = move || {
                                editor.template.with(|t| t.fields.get(index).and_then(|f| f.options.get(i).cloned()).unwrap_or_default())
                            };
                            view! {
                                <li class="option-row">
                                    <label class="sr-only" for=id.clone()>{format!("Option {}", i + 1)}</label>
                                    <input
                                        dir="auto"
                                        type="text"
                                        id=id.clone()
                                        prop:value=value
                                        on:input=move |ev| {
                                            let text = event_target_value(&ev);
                                            editor.edit_as(Some(format!("option:{index}:{i}")), |t| t.fields[index].options[i] = text);
                                        }
                                    />
                                    <button type="button" class="icon-button" aria-label=format!("Move option {} up", i + 1)
                                        disabled=i == 0
                                        on:click=move |_| edit_options(Box::new(move |o| o.swap(i - 1, i)))>"↑"</button>
                                    <button type="button" class="icon-button" aria-label=format!("Move option {} down", i + 1)
                                        disabled=is_last
                                        on:click=move |_| edit_options(Box::new(move |o| o.swap(i, i + 1)))>"↓"</button>
                                    <button type="button" class="icon-button danger" aria-label=format!("Remove option {}", i + 1)
                                        on:click=move |_| edit_options(Box::new(move |o| { o.remove(i); }))>"✕"</button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ol>
            <button
                type="button"
                class="button button-small"
                on:click=move |_| {
                    let n = count.get_untracked() + 1;
                    edit_options(Box::new(move |o| o.push(format!("Option {n}"))));
                    refocus(&format!("p-option-{}", n - 1));
                }
            >
                "Add option"
            </button>
        </fieldset>
    }
}
