//! Filling in a pending form. Visibility and validation come from the shared `FormPlan`,
//! evaluated on every change — the same function the server runs again on submit.

use leptos::prelude::*;
use std::collections::{BTreeMap, HashSet};

use super::fields::FieldInput;
use crate::api::AppError;
use crate::api::inbox::submit_form;
use crate::api::types::{FormView, READ_AS_CURRENCY, READ_AS_LOCALE, RefusedSubmit, WritebackResult, WritebackState};
use crate::model::{Answers, FieldError, FormPlan, NumberFormat};
use crate::ui::toast::{Toasts, Tone, use_toasts};

/// What the inputs need to show one field's state.
#[derive(Clone, Copy)]
pub struct FormState {
    pub answers: RwSignal<Answers>,
    touched: RwSignal<HashSet<String>>,
    show_all_errors: RwSignal<bool>,
    server_errors: RwSignal<BTreeMap<String, FieldError>>,
    evaluation: Memo<crate::model::Evaluation>,
    /// How the sub-account writes numbers, for the error messages.
    pub format: NumberFormat,
}

impl FormState {
    /// The error to show for a field: only once the person has left the field or tried to
    /// submit, so a form does not open covered in red.
    pub fn error(&self, key: &str) -> Option<FieldError> {
        let shown = self.show_all_errors.get() || self.touched.with(|t| t.contains(key));
        if !shown {
            return None;
        }
        self.server_errors
            .with(|errors| errors.get(key).cloned())
            .or_else(|| self.evaluation.with(|e| e.errors.get(key).cloned()))
    }

    /// The state of a form whose answers are evaluated by `evaluation`, with the errors the
    /// server already found in them (a refused submit), shown at once.
    pub fn new(
        answers: RwSignal<Answers>,
        evaluation: Memo<crate::model::Evaluation>,
        server_errors: BTreeMap<String, FieldError>,
        format: NumberFormat,
    ) -> Self {
        Self {
            answers,
            touched: RwSignal::new(HashSet::new()),
            show_all_errors: RwSignal::new(!server_errors.is_empty()),
            server_errors: RwSignal::new(server_errors),
            evaluation,
            format,
        }
    }

    /// Records that the person left a field. Like every handler of the form's inputs it reads
    /// the state with `try_`: when the submitted form is replaced by its completed view, the
    /// browser blurs the focused input as it goes, after the state is gone.
    pub fn touch(&self, key: &str) {
        if self.touched.try_with_untracked(|t| t.contains(key)) == Some(false) {
            self.touched.try_update(|t| t.insert(key.to_owned()));
        }
    }

    /// Records an edit; a server error about the old value no longer applies.
    pub fn edited(&self, key: &str) {
        if self.server_errors.try_with_untracked(|e| e.contains_key(key)) == Some(true) {
            self.server_errors.try_update(|e| e.remove(key));
        }
    }
}

/// The form while pending. It posts to its own page, so it also works without JavaScript: the
/// server validates with the same model and answers the completed page, or this page again with
/// `refused` (the answers as sent and what was wrong). With JavaScript the island submits instead.
#[component]
pub fn FormFill(
    form: FormView,
    refused: RefusedSubmit,
    applies_when: Vec<(String, String)>,
    on_submitted: Callback<()>,
) -> impl IntoView {
    let plan = match FormPlan::new(&form.template, form.number_format) {
        Ok(plan) => StoredValue::new(plan),
        Err(problems) => {
            let error = AppError::InvalidTemplate(problems);
            return view! { <div class="alert alert-error" role="alert">{error.to_string()}</div> }.into_any();
        }
    };
    let answers = RwSignal::new(refused.answers);
    let evaluation = Memo::new(move |_| plan.with_value(|plan| answers.with(|a| plan.evaluate(a))));
    let state = FormState::new(answers, evaluation, refused.errors, form.number_format);
    let toasts = use_toasts();
    let (sa, id) = (form.sub_account_id.clone(), form.id.clone());
    let action = format!("/s/{sa}/forms/{id}");
    // Set from the first click until the server answers, before any render: a burst of clicks
    // (or Enter held down) sends one request, not one per event.
    let sending = RwSignal::new(false);
    let read_as = form.number_format;
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // Events can still arrive while the form is being replaced by the completed view.
        if sending.try_get_untracked().is_none_or(|busy| busy) {
            return;
        }
        state.show_all_errors.set(true);
        if !state.evaluation.with_untracked(|e| e.is_valid()) {
            focus_first_error();
            return;
        }
        sending.set(true);
        let (sa, id, answers) = (sa.clone(), id.clone(), answers.get_untracked());
        leptos::task::spawn_local(async move {
            let outcome = submit_form(sa, id, answers, Some(read_as)).await;
            // The page may have moved on (the view was replaced) by the time the answer arrives.
            if sending.try_set(false).is_some() {
                return;
            }
            match outcome {
                Ok(results) => {
                    announce(toasts, &results);
                    on_submitted.run(());
                }
                Err(AppError::InvalidAnswers(errors)) => {
                    state.server_errors.set(errors);
                    toasts.show(Tone::Error, "Some answers need attention", Vec::new());
                    focus_first_error();
                }
                Err(error) => {
                    toasts.show(Tone::Error, "The form was not submitted", vec![(Tone::Error, error.to_string())])
                }
            }
        });
    };
    let error_count = move || state.evaluation.with(|e| e.errors.len());
    let show_summary = move || state.show_all_errors.get() && error_count() > 0;
    let fields = form.template.fields.clone();

    view! {
        <form
            class="card form-card"
            method="post"
            action=action
            novalidate
            on:submit=on_submit
            aria-label=form.template.name.clone()
        >
            {refused.message.map(|message| view! { <div class="alert alert-error" role="alert">{message}</div> })}
            <input type="hidden" name=READ_AS_LOCALE value=form.number_format.locale.as_str()/>
            <input type="hidden" name=READ_AS_CURRENCY value=form.number_format.currency.as_str()/>
            {fields
                .into_iter()
                .enumerate()
                .map(|(position, field)| {
                    let note = applies_when.iter().find(|(key, _)| *key == field.key).map(|(_, words)| words.clone());
                    if note.is_none() && field.show_if.is_none() {
                        return view! { <FieldInput field state/> }.into_any();
                    }
                    // Rendered hidden rather than left out: a page without JavaScript shows every
                    // conditional field (see the shell's noscript style) with its rule in words.
                    let hidden = move || !state.evaluation.with(|e| e.is_visible(position));
                    view! {
                        <div class="conditional" hidden=hidden>
                            {note.map(|words| view! { <p class="applies-when">{words}</p> })}
                            <FieldInput field state/>
                        </div>
                    }
                    .into_any()
                })
                .collect_view()}
            <div class="form-actions">
                <Show when=show_summary>
                    <p class="form-summary" role="alert">
                        {move || match error_count() {
                            1 => "One answer needs attention.".to_owned(),
                            n => format!("{n} answers need attention."),
                        }}
                    </p>
                </Show>
                <button type="submit" class="button button-primary" aria-disabled=move || sending.get().to_string()>
                    {move || if sending.get() { "Submitting…" } else { "Submit" }}
                </button>
            </div>
        </form>
    }
    .into_any()
}

/// One toast with every writeback's result.
fn announce(toasts: Toasts, results: &[WritebackResult]) {
    let count = |state| results.iter().filter(|r| r.state == state).count();
    let (failed, retrying) = (count(WritebackState::Failed), count(WritebackState::Pending));
    let plural = |n: usize| if n == 1 { "1 writeback".to_owned() } else { format!("{n} writebacks") };
    let (tone, title) = match (failed, retrying) {
        (0, 0) => (Tone::Success, "Form submitted".to_owned()),
        (0, n) => (Tone::Info, format!("Form submitted — {} will be retried", plural(n))),
        (n, _) => (Tone::Error, format!("Form submitted — {} failed", plural(n))),
    };
    let mut lines: Vec<(Tone, String)> = results
        .iter()
        .map(|r| {
            let tone = match r.state {
                WritebackState::Succeeded => Tone::Success,
                WritebackState::Pending => Tone::Info,
                WritebackState::Failed => Tone::Error,
            };
            (tone, format!("{}: {}", r.kind.label(), r.message))
        })
        .collect();
    if lines.is_empty() {
        lines.push((Tone::Info, "No writebacks are set up for this trigger.".to_owned()));
    }
    toasts.show(tone, title, lines);
}

/// Moves focus to the first field with an error, so keyboard and screen-reader users land on it:
/// the input itself, or the first box of a radio or checkbox group.
fn focus_first_error() {
    // After the next frame, once the error states are rendered.
    #[cfg(feature = "hydrate")]
    request_animation_frame(|| {
        use wasm_bindgen::JsCast;
        let first = document().query_selector("[aria-invalid='true']").ok().flatten();
        let control = first.and_then(|element| match element.matches("input, select, textarea") {
            Ok(true) => Some(element),
            _ => element.query_selector("input").ok().flatten(),
        });
        if let Some(element) = control.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = element.focus();
        }
    });
}
