//! A completed form: every answer as submitted, and what each writeback did.

use leptos::prelude::*;

use crate::api::types::{FormView, WritebackState};

#[component]
pub fn SubmissionView(form: FormView) -> impl IntoView {
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
                                    <dd>{answer.value.to_string()}</dd>
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
                                    WritebackState::Pending => ("badge", "Pending"),
                                };
                                view! {
                                    <li>
                                        <span class=class>{state}</span>
                                        <strong>{result.kind.label()}</strong>
                                        <span class="muted">{result.message}</span>
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
