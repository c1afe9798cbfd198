//! The live preview: the form as staff will see it, with the inbox's own inputs and the same
//! `FormPlan` deciding what shows. Answers typed here are kept across edits, so an admin can set
//! up a situation and watch a rule change take effect.

use leptos::prelude::*;
use std::collections::HashMap;

use super::editor::Editor;
use crate::model::{Answers, Field, FormPlan};
use crate::ui::form::fields::FieldInput;
use crate::ui::form::fill::FormState;

/// The plan the preview runs, and whether it is the template as it is now.
#[derive(Clone)]
struct PreviewPlan {
    plan: Option<FormPlan>,
    current: bool,
}

#[component]
pub fn Preview(editor: Editor) -> impl IntoView {
    // While the template has a problem (a half-made rule, say) the preview keeps the last plan
    // that worked, instead of going blank under the admin's hands.
    let plan = Memo::new_with_compare(
        move |previous: Option<&PreviewPlan>| match editor
            .template
            .with(|template| FormPlan::new(template, editor.format))
        {
            Ok(plan) => PreviewPlan { plan: Some(plan), current: true },
            Err(_) => PreviewPlan { plan: previous.and_then(|p| p.plan.clone()), current: false },
        },
        |_, _| true,
    );
    let answers = RwSignal::new(Answers::new());
    let evaluation = Memo::new(move |_| {
        plan.with(|p| p.plan.as_ref().map(|plan| answers.with(|a| plan.evaluate(a))).unwrap_or_default())
    });
    let state = FormState::new(answers, evaluation, Default::default(), editor.format);
    // Keyed by the whole field: an edited field is rebuilt, the other 199 stay as they are.
    let rows = move || {
        plan.with(|p| {
            p.plan
                .as_ref()
                .map(|plan| {
                    plan.template()
                        .fields
                        .iter()
                        .map(|f| (serde_json::to_string(f).unwrap_or_default(), f.clone()))
                        .collect()
                })
                .unwrap_or_else(Vec::<(String, Field)>::new)
        })
    };
    // Positions by key, once per plan rather than once per row.
    let positions = Memo::new(move |_| {
        plan.with(|p| {
            p.plan.as_ref().map_or_else(HashMap::new, |plan| {
                plan.template().fields.iter().enumerate().map(|(i, f)| (f.key.clone(), i)).collect()
            })
        })
    });
    let row = move |(_, field): (String, Field)| {
        let key = field.key.clone();
        let visible = move || {
            let position = positions.with(|p| p.get(&key).copied());
            position.is_some_and(|at| evaluation.with(|e| e.is_visible(at)))
        };
        view! {
            <Show when=visible>
                <FieldInput field=field.clone() state/>
            </Show>
        }
    };

    view! {
        <section class="builder-pane preview" aria-labelledby="preview-title">
            <div class="pane-head">
                <h2 id="preview-title">"Preview"</h2>
                <button type="button" class="button button-small button-ghost" on:click=move |_| answers.set(Answers::new())>
                    "Clear answers"
                </button>
            </div>
            <p class="hint">"Answer the fields to try the rules. Nothing here is saved."</p>
            <Show when=move || !plan.with(|p| p.current)>
                <p class="preview-stale" role="status">"Showing the last version without problems. Fix the problems to see your latest change."</p>
            </Show>
            <form class="preview-form" aria-label="Form preview" novalidate on:submit=|ev| ev.prevent_default()>
                <For each=rows key=|(json, _)| json.clone() children=row/>
            </form>
        </section>
    }
}
