//! One input per field kind, with its label, help and error wired up for assistive technology.

use leptos::prelude::*;

use super::fill::FormState;
use crate::model::{Answer, Field, FieldKind};

#[component]
pub fn FieldInput(field: Field, state: FormState) -> impl IntoView {
    if field.kind == FieldKind::Section {
        return view! {
            <div class="section-heading">
                <h2>{field.label.clone()}</h2>
                {field.help.clone().map(|help| view! { <p class="help">{help}</p> })}
            </div>
        }
        .into_any();
    }
    let key = field.key.clone();
    let id = format!("f-{key}");
    let help_id = format!("{id}-help");
    let error_id = format!("{id}-error");
    let error = {
        let key = key.clone();
        Memo::new(move |_| state.error(&key))
    };
    let described_by = {
        let (help_id, error_id, has_help) = (help_id.clone(), error_id.clone(), field.help.is_some());
        move || {
            let mut ids = Vec::new();
            if has_help {
                ids.push(help_id.clone());
            }
            if error.with(Option::is_some) {
                ids.push(error_id.clone());
            }
            ids.join(" ")
        }
    };
    let invalid = move || error.with(Option::is_some).to_string();
    let grouped = matches!(field.kind, FieldKind::Radio | FieldKind::MultiSelect | FieldKind::Checkbox);
    let required_mark = field.required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> });
    let help = field.help.clone().map(|help| view! { <p class="help" id=help_id.clone()>{help}</p> });
    let error_view = {
        let field = field.clone();
        move || {
            error
                .get()
                .map(|e| view! { <p class="field-error" id=error_id.clone()>{field.error_text(&e, &state.format)}</p> })
        }
    };
    let control = control(&field, &id, state, described_by, invalid);
    let class = move || if error.with(Option::is_some) { "field has-error" } else { "field" };

    if grouped {
        view! {
            <fieldset class=class data-field=key>
                <legend>{field.label.clone()}{required_mark}</legend>
                {help}
                {control}
                {error_view}
            </fieldset>
        }
        .into_any()
    } else {
        view! {
            <div class=class data-field=key>
                <label for=id.clone()>{field.label.clone()}{required_mark}</label>
                {help}
                {control}
                {error_view}
            </div>
        }
        .into_any()
    }
}

fn control(
    field: &Field,
    id: &str,
    state: FormState,
    described_by: impl Fn() -> String + Clone + Send + Sync + 'static,
    invalid: impl Fn() -> String + Clone + Send + Sync + 'static,
) -> AnyView {
    let key = field.key.clone();
    let answers = state.answers;
    let text = {
        let key = key.clone();
        move || answers.with(|a| a.get(&key).map(|v| v.as_text().to_owned()).unwrap_or_default())
    };
    let set = {
        let key = key.clone();
        move |value: String| {
            state.edited(&key);
            answers.try_update(|a| a.insert(key.clone(), Answer::One(value)));
        }
    };
    let touch = {
        let key = key.clone();
        move |_| state.touch(&key)
    };
    // Properties (`prop:value`, `prop:checked`) follow the answers live but are not part of the
    // server's HTML; the attributes below carry the answers the page starts with, so a page
    // rendered again after a refused submit without JavaScript shows what was entered.
    let initial = text();
    let placeholder = field.placeholder.clone().unwrap_or_default();
    let required = field.required.to_string();
    let id = id.to_owned();
    let input = |kind: &'static str, mode: &'static str| {
        let set = set.clone();
        view! {
            <input
                id=id.clone()
                name=key.clone()
                type=kind
                inputmode=mode
                placeholder=placeholder.clone()
                aria-required=required.clone()
                aria-invalid=invalid.clone()
                aria-describedby=described_by.clone()
                value=initial.clone()
                prop:value=text.clone()
                on:input=move |ev| set(event_target_value(&ev))
                on:blur=touch.clone()
            />
        }
        .into_any()
    };
    match field.kind {
        FieldKind::ShortText => input("text", "text"),
        FieldKind::Number | FieldKind::Currency => input("text", "decimal"),
        FieldKind::Phone => input("tel", "tel"),
        FieldKind::Email => input("email", "email"),
        FieldKind::Date => input("date", "none"),
        FieldKind::LongText => view! {
            <textarea
                id=id
                name=key
                rows="4"
                placeholder=placeholder
                aria-required=required
                aria-invalid=invalid
                aria-describedby=described_by
                // The renderer writes a textarea's children unescaped and with a hydration marker
                // inside (a textarea is not raw text), so its starting text goes in as escaped HTML.
                inner_html=escape_text(&initial)
                prop:value=text
                on:input=move |ev| set(event_target_value(&ev))
                on:blur=touch
            ></textarea>
        }
        .into_any(),
        FieldKind::Dropdown => {
            let options = field.options.clone();
            let unanswered = text.clone();
            view! {
                <select
                    id=id
                    name=key
                    aria-required=required
                    aria-invalid=invalid
                    aria-describedby=described_by
                    on:change=move |ev| set(event_target_value(&ev))
                    on:blur=touch
                >
                    <option value="" selected=move || unanswered().is_empty()>"Choose…"</option>
                    {options
                        .into_iter()
                        .map(|option| {
                            let (value, label, text) = (option.clone(), option.clone(), text.clone());
                            view! { <option value=value selected=move || text() == option>{label}</option> }
                        })
                        .collect_view()}
                </select>
            }
            .into_any()
        }
        // One option per box: radios keep a single answer, multi-select checkboxes a list.
        FieldKind::Radio | FieldKind::MultiSelect => {
            let multiple = field.kind == FieldKind::MultiSelect;
            let options = field.options.clone();
            view! {
                <div
                    class="choices"
                    role=if multiple { "group" } else { "radiogroup" }
                    aria-describedby=described_by
                    aria-invalid=invalid
                >
                    {options
                        .into_iter()
                        .enumerate()
                        .map(|(i, option)| {
                            let (key, touch) = (key.clone(), touch.clone());
                            let choice_id = format!("{id}-{i}");
                            let label_for = choice_id.clone();
                            let (checked_key, checked_option, label) = (key.clone(), option.clone(), option.clone());
                            let chosen = option.clone();
                            let initially = answers.with_untracked(|a| a.get(&key).is_some_and(|v| v.items().contains(&option.as_str())));
                            view! {
                                <label class="choice" for=label_for>
                                    <input
                                        type=if multiple { "checkbox" } else { "radio" }
                                        id=choice_id
                                        name=key.clone()
                                        value=option
                                        checked=initially
                                        prop:checked=move || answers.with(|a| {
                                            a.get(&checked_key).is_some_and(|v| v.items().contains(&checked_option.as_str()))
                                        })
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            state.edited(&key);
                                            answers.try_update(|a| choose(a, &key, &chosen, on, multiple));
                                        }
                                        on:blur=touch
                                    />
                                    <span>{label}</span>
                                </label>
                            }
                        })
                        .collect_view()}
                </div>
            }
            .into_any()
        }
        FieldKind::Checkbox => {
            let label_for = id.clone();
            view! {
                <label class="choice" for=label_for>
                    <input
                        type="checkbox"
                        id=id
                        name=key
                        value="yes"
                        checked=initial == "yes"
                        aria-describedby=described_by
                        aria-invalid=invalid
                        prop:checked=move || text() == "yes"
                        on:change=move |ev| set(if event_target_checked(&ev) { "yes" } else { "no" }.to_owned())
                        on:blur=touch
                    />
                    <span>"Yes"</span>
                </label>
            }
            .into_any()
        }
        FieldKind::Section => ().into_any(),
    }
}

/// Text as HTML character data.
fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Records a ticked or unticked option: a radio answer becomes that option; a multi-select
/// answer gains or loses it.
fn choose(answers: &mut crate::model::Answers, key: &str, option: &str, on: bool, multiple: bool) {
    if !multiple {
        answers.insert(key.to_owned(), Answer::One(option.to_owned()));
        return;
    }
    let mut items: Vec<String> =
        answers.get(key).map(|a| a.items().into_iter().map(str::to_owned).collect()).unwrap_or_default();
    items.retain(|item| item != option);
    if on {
        items.push(option.to_owned());
    }
    answers.insert(key.to_owned(), Answer::Many(items));
}
