//! A completed form: every answer as submitted, and what each writeback did — with a retry
//! button on a failed one for admins.

use leptos::prelude::*;

use crate::api::inbox::retry_writeback;
use crate::api::types::{FormView, WritebackKind, WritebackState};
use crate::ui::toast::{Tone, use_toasts};

#[component]
pub fn SubmissionView(form: FormView, on_retried: Callback<()>) -> impl IntoView {
    let toasts = use_toasts();
    let (sub_account, form_id) = (form.sub_account_id.clone(), form.id.clone());
    let retry = Action::new(move |kind: &WritebackKind| {
        let (sa, id, kind) = (sub_account.clone(), form_id.clone(), *kind);
        async move {
            match retry_writeback(sa, id, kind).await {
                // Say how the new try went: a failure that repeats the old message would
                // otherwise look as if nothing had happened.
                Ok(results) => {
                    if let Some(result) = results.into_iter().find(|r| r.kind == kind) {
                        let (tone, outcome) = match result.state {
                            WritebackState::Succeeded => (Tone::Success, "done"),
                            WritebackState::Pending => (Tone::Info, "will be retried"),
                            WritebackState::Failed => (Tone::Error, "failed again"),
                        };
                        toasts.show(tone, format!("{} {outcome}", kind.label()), vec![(tone, result.message)]);
                    }
                    on_retried.run(());
                }
                Err(error) => toasts.show(
                    Tone::Error,
                    format!("{} was not retried", kind.label()),
                    vec![(Tone::Error, error.to_string())],
                ),
            }
        }
    });
    let format = form.number_format;
    let Some(submission) = form.submission else {
        return view! { <p class="empty">"This form has not been submitted."</p> }.into_any();
    };
    view! {
        <div class="card">
            <p class="submitted-by">
                {format!("Submitted by {} on {}", submission.submitted_by, submission.submitted_at)}
            </p>
            <h2>"Responses"</h2>
            {if submission.answers.is_empty() {
                view! { <p class="empty">"No field was answered."</p> }.into_any()
            } else {
                view! {
                    <dl class="responses" data-testid="responses">
                        {submission
                            .answers
                            .into_iter()
                            .map(|answer| view! {
                                <div class="response">
                                    <dt>{answer.label}</dt>
                                    <dd>{answer.value.show(&format)}</dd>
                                </div>
                            })
                            .collect_view()}
                    </dl>
                }
                .into_any()
            }}
            <h2>"Writebacks"</h2>
            {if submission.writebacks.is_empty() {
                view! { <p class="empty">"No writebacks were set up for this form's trigger."</p> }.into_any()
            } else {
                view! {
                    <ul class="writebacks" data-testid="writebacks">
                        {submission
                            .writebacks
                            .into_iter()
                            .map(|result| {
                                let (class, state) = match result.state {
                                    WritebackState::Succeeded => ("badge badge-success", "Done"),
                                    WritebackState::Failed => ("badge badge-error", "Failed"),
                                    WritebackState::Pending => ("badge badge-pending", "Pending"),
                                };
                                let kind = result.kind;
                                let retryable = submission.can_retry && result.state == WritebackState::Failed;
                                view! {
                                    <li data-kind=format!("{kind:?}")>
                                        <span class=class>{state}</span>
                                        <strong>{kind.label()}</strong>
                                        <span class="muted">{result.message}</span>
                                        <Show when=move || retryable>
                                            <button
                                                type="button"
                                                class="button button-small"
                                                disabled=move || retry.pending().get()
                                                on:click=move |_| {
                                                    retry.dispatch(kind);
                                                }
                                            >
                                                "Retry"
                                            </button>
                                        </Show>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </div>
    }
    .into_any()
}
