//! One form: fill it in while pending, review it once completed.

pub(super) mod fields;
pub(super) mod fill;
mod submission;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::common::{ErrorPage, Loading, route_id, sub_account_id};
use crate::api::inbox::get_form;
#[cfg(feature = "hydrate")]
use crate::api::types::WritebackState;
use crate::api::types::{FormStatus, FormView, RefusedSubmit};
use crate::model::FormId;
use crate::ui::island_data::IslandData;
use crate::ui::toast::{Tone, use_toasts};

#[component]
pub fn FormPage() -> impl IntoView {
    let sa = sub_account_id();
    let form_id = route_id::<FormId>("form");
    let form = OnceResource::new(get_form(sa.get_untracked(), form_id.get_untracked()));
    // Set by the server when it renders this page again for a form posted without JavaScript.
    let refused = StoredValue::new(use_context::<RefusedSubmit>());

    view! {
        <Transition fallback=|| view! { <Loading label="Loading the form…"/> }>
            {move || Suspend::new(async move {
                match form.await {
                    Ok(form) => {
                        let back = format!(
                            "/s/{}/inbox{}",
                            form.sub_account_id,
                            if form.status == FormStatus::Completed { "?tab=completed" } else { "" }
                        );
                        view! {
                            <Title text=format!("{} · {}", form.template.name, form.contact_name)/>
                            <A href=back attr:class="back-link">"← Inbox"</A>
                            <div class="form-head">
                                <div>
                                    <h1>{form.template.name.clone()}</h1>
                                    <p class="form-meta">
                                        <span data-testid="form-contact">{form.contact_name.clone()}</span>
                                        <span aria-hidden="true">" · "</span>
                                        <span>{form.context.clone()}</span>
                                        <span aria-hidden="true">" · "</span>
                                        <span>{format!("Created {}", form.created_at)}</span>
                                    </p>
                                </div>
                                <span class="version" title="The template version this form was created from">
                                    {format!("Template v{}", form.template_version)}
                                </span>
                            </div>
                            <FormBody
                                applies_when=applies_when(&form)
                                refused=refused.get_value().map(IslandData)
                                form=IslandData(form)
                            />
                        }
                        .into_any()
                    }
                    Err(error) => view! { <ErrorPage error back=format!("/s/{}/inbox", sa.get_untracked()) back_label="← Inbox"/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Each conditional field's rule in words, by field key. Only a page without JavaScript shows
/// them; they are worded here, on the server, so the client carries no code for it.
fn applies_when(form: &FormView) -> Vec<(String, String)> {
    let fields = &form.template.fields;
    fields
        .iter()
        .filter_map(|field| {
            let rule = field.show_if.as_ref()?;
            Some((field.key.clone(), format!("Answer only if {}.", rule.describe(fields, &form.number_format))))
        })
        .collect()
}

/// The interactive part of the form page: the form while pending, the submission once completed.
/// After a submit it loads the form again, so the person sees what was recorded; while a
/// writeback is still pending (retrying), each change in the sub-account loads it again too.
#[island]
fn FormBody(
    form: IslandData<FormView>,
    refused: Option<IslandData<RefusedSubmit>>,
    applies_when: Vec<(String, String)>,
) -> impl IntoView {
    let current = RwSignal::new(form.0);
    let (refused, applies_when) = (StoredValue::new(refused.map(|r| r.0)), StoredValue::new(applies_when));
    let toasts = use_toasts();
    let reload = Callback::new(move |()| {
        let (sa, id) = current.with_untracked(|f| (f.sub_account_id.clone(), f.id.clone()));
        leptos::task::spawn_local(async move {
            match get_form(sa, id).await {
                Ok(form) => current.set(form),
                Err(error) => {
                    toasts.show(Tone::Error, "The form could not be reloaded", vec![(Tone::Error, error.to_string())])
                }
            }
        });
    });
    #[cfg(feature = "hydrate")]
    {
        let stream = current.with_untracked(|f| format!("/s/{}/inbox/stream", f.sub_account_id));
        crate::ui::live::on_change(&stream, true, move || {
            // Never while the form is being filled in: a reload would drop the answers.
            let waiting = current.with_untracked(|f| {
                f.submission.as_ref().is_some_and(|s| s.writebacks.iter().any(|w| w.state == WritebackState::Pending))
            });
            if waiting {
                reload.run(());
            }
        });
    }
    move || {
        let form = current.get();
        match form.status {
            FormStatus::Pending => view! {
                <fill::FormFill
                    form
                    refused=refused.get_value().unwrap_or_default()
                    applies_when=applies_when.get_value()
                    on_submitted=reload
                />
            }
            .into_any(),
            FormStatus::Completed => view! { <submission::SubmissionView form on_retried=reload/> }.into_any(),
        }
    }
}
