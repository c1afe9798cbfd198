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

/// What every input of one field needs: where it is, its answer, and its attributes for
/// assistive technology.
#[derive(Clone)]
struct Control {
    id: String,
    key: String,
    state: FormState,
    described_by: Signal<String>,
    invalid: Signal<String>,
    /// The answer as text, live.
    text: Signal<String>,
    /// The answer the page starts with. Properties (`prop:value`, `prop:checked`) follow the
    /// answers live but are not part of the server's HTML; attributes carry this, so a page
    /// rendered again after a refused submit without JavaScript shows what was entered.
    initial: String,
    placeholder: String,
    required: String,
}

impl Control {
    fn set(&self, value: String) {
        self.state.edited(&self.key);
        self.state.answers.try_update(|a| a.insert(self.key.clone(), Answer::One(value)));
    }

    fn touch(&self) {
        self.state.touch(&self.key);
    }
}

fn control(
    field: &Field,
    id: &str,
    state: FormState,
    described_by: impl Fn() -> String + Send + Sync + 'static,
    invalid: impl Fn() -> String + Send + Sync + 'static,
) -> AnyView {
    let key = field.key.clone();
    let answers = state.answers;
    let text = {
        let key = key.clone();
        Signal::derive(move || answers.with(|a| a.get(&key).map(|v| v.as_text().to_owned()).unwrap_or_default()))
    };
    let control = Control {
        id: id.to_owned(),
        key,
        state,
        described_by: Signal::derive(described_by),
        invalid: Signal::derive(invalid),
        initial: text.get_untracked(),
        text,
        placeholder: field.placeholder.clone().unwrap_or_default(),
        required: field.required.to_string(),
    };
    match field.kind {
        FieldKind::ShortText => text_input(control, "text", "text"),
        FieldKind::Number | FieldKind::Currency => text_input(control, "text", "decimal"),
        FieldKind::Phone => text_input(control, "tel", "tel"),
        FieldKind::Email => text_input(control, "email", "email"),
        FieldKind::Date => text_input(control, "date", "none"),
        FieldKind::LongText => long_text(control),
        FieldKind::Dropdown => dropdown(control, field.options.clone()),
        FieldKind::Radio => choices(control, field.options.clone(), false),
        FieldKind::MultiSelect => choices(control, field.options.clone(), true),
        FieldKind::Checkbox => checkbox(control),
        FieldKind::Section => ().into_any(),
    }
}

fn text_input(c: Control, kind: &'static str, mode: &'static str) -> AnyView {
    let (on_input, on_blur) = (c.clone(), c.clone());
    view! {
        <input
            dir="auto"
            id=c.id
            name=c.key
            type=kind
            inputmode=mode
            placeholder=c.placeholder
            aria-required=c.required
            aria-invalid=c.invalid
            aria-describedby=c.described_by
            value=c.initial
            prop:value=c.text
            on:input=move |ev| on_input.set(event_target_value(&ev))
            on:blur=move |_| on_blur.touch()
        />
    }
    .into_any()
}

fn long_text(c: Control) -> AnyView {
    let (on_input, on_blur) = (c.clone(), c.clone());
    view! {
        <textarea
            dir="auto"
            id=c.id
            name=c.key
            rows="4"
            placeholder=c.placeholder
            aria-required=c.required
            aria-invalid=c.invalid
            aria-describedby=c.described_by
            // The renderer writes a textarea's children unescaped and with a hydration marker
            // inside (a textarea is not raw text), so its starting text goes in as escaped HTML.
            inner_html=escape_text(&c.initial)
            prop:value=c.text
            on:input=move |ev| on_input.set(event_target_value(&ev))
            on:blur=move |_| on_blur.touch()
        ></textarea>
    }
    .into_any()
}

fn dropdown(c: Control, options: Vec<String>) -> AnyView {
    let (on_change, on_blur, text) = (c.clone(), c.clone(), c.text);
    view! {
        <select
            id=c.id
            name=c.key
            aria-required=c.required
            aria-invalid=c.invalid
            aria-describedby=c.described_by
            on:change=move |ev| on_change.set(event_target_value(&ev))
            on:blur=move |_| on_blur.touch()
        >
            <option value="" selected=move || text.with(String::is_empty)>"Choose…"</option>
            {options
                .into_iter()
                .map(|option| {
                    let (value, label) = (option.clone(), option.clone());
                    view! { <option value=value selected=move || text.with(|t| *t == option)>{label}</option> }
                })
                .collect_view()}
        </select>
    }
    .into_any()
}

/// One box per option: radios keep a single answer, multi-select checkboxes a list.
fn choices(c: Control, options: Vec<String>, multiple: bool) -> AnyView {
    let answers = c.state.answers;
    let holds =
        move |key: &str, option: &str| answers.with(|a| a.get(key).is_some_and(|v| v.items().contains(&option)));
    view! {
        <div
            class="choices"
            role=if multiple { "group" } else { "radiogroup" }
            aria-describedby=c.described_by
            aria-invalid=c.invalid
        >
            {options
                .into_iter()
                .enumerate()
                .map(|(i, option)| {
                    let choice_id = format!("{}-{i}", c.id);
                    let label_for = choice_id.clone();
                    let (checked_key, checked_option, label) = (c.key.clone(), option.clone(), option.clone());
                    let (on_change, on_blur, chosen) = (c.clone(), c.clone(), option.clone());
                    let initially = answers.with_untracked(|a| a.get(&c.key).is_some_and(|v| v.items().contains(&option.as_str())));
                    view! {
                        <label class="choice" for=label_for>
                            <input
                                type=if multiple { "checkbox" } else { "radio" }
                                id=choice_id
                                name=c.key.clone()
                                value=option
                                checked=initially
                                prop:checked=move || holds(&checked_key, &checked_option)
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    on_change.state.edited(&on_change.key);
                                    answers.try_update(|a| choose(a, &on_change.key, &chosen, on, multiple));
                                }
                                on:blur=move |_| on_blur.touch()
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

/// A yes/no checkbox: "yes" when ticked, "no" when not.
fn checkbox(c: Control) -> AnyView {
    let (on_change, on_blur, text, label_for) = (c.clone(), c.clone(), c.text, c.id.clone());
    view! {
        <label class="choice" for=label_for>
            <input
                type="checkbox"
                id=c.id
                name=c.key
                value="yes"
                checked=c.initial == "yes"
                aria-describedby=c.described_by
                aria-invalid=c.invalid
                prop:checked=move || text.with(|t| t == "yes")
                on:change=move |ev| on_change.set(if event_target_checked(&ev) { "yes" } else { "no" }.to_owned())
                on:blur=move |_| on_blur.touch()
            />
            <span>"Yes"</span>
        </label>
    }
    .into_any()
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
