//! A workflow's run history, a page of runs at a time, newest first; and one run with its
//! steps: what each was given (secrets redacted), what it did or why it failed, and for a
//! failed run the button that runs it again from the failed step.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{run_status, status_badge};
use crate::api::workflows::{RunDetail, RunHistory, workflow_run, workflow_runs};
use crate::model::workflow::history::{Run, RunStatus, Step};
use crate::model::{RunId, SubAccountId, WorkflowId};
use crate::ui::common::{ErrorPage, Loading, load_first, plain_form_error, route_id, sub_account_id};

#[component]
pub fn RunHistoryPage() -> impl IntoView {
    let sa = sub_account_id().get_untracked();
    let workflow = route_id::<WorkflowId>("workflow").get_untracked();
    let page = use_query_map().read_untracked().get("page").and_then(|p| p.parse::<i64>().ok()).unwrap_or(1);
    let history = load_first(workflow_runs(sa.clone(), workflow, page));
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || {
                let sa = sa.clone();
                Suspend::new(async move {
                    match history.await {
                        Ok(history) => view! { <History sa history/> }.into_any(),
                        Err(error) => view! {
                            <ErrorPage error back=format!("/s/{sa}/workflows") back_label="← Workflows"/>
                        }
                        .into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn History(sa: SubAccountId, history: RunHistory) -> impl IntoView {
    let RunHistory { workflow, name, runs } = history;
    let base = format!("/s/{sa}/workflows/{workflow}/runs");
    let pages = (runs.total + runs.limit - 1) / runs.limit;
    let pager = (pages > 1).then(|| {
        let previous = (runs.page > 1).then(|| format!("{base}?page={}", runs.page - 1));
        let next = (runs.page < pages).then(|| format!("{base}?page={}", runs.page + 1));
        view! {
            <nav class="pager" aria-label="Pages">
                {previous.map(|href| view! { <a href=href rel="prev">"← Newer"</a> })}
                <span class="muted">{format!("Page {} of {pages}", runs.page)}</span>
                {next.map(|href| view! { <a href=href rel="next">"Older →"</a> })}
            </nav>
        }
    });
    let rows = runs
        .data
        .into_iter()
        .map(|run| {
            view! {
                <tr>
                    <td><a href=format!("/s/{sa}/runs/{}", run.id)>{run.started_at.clone()}</a></td>
                    <td>{run_status(run.status)}</td>
                    <td>{run.trigger_type.label()}</td>
                    <td><code>{run.record_id}</code></td>
                    <td>{format!("v{}", run.workflow_version)}</td>
                    <td class="muted">{run.error.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    let count = match runs.total {
        1 => "1 run".to_owned(),
        n => format!("{n} runs"),
    };
    view! {
        <Title text=format!("Runs of {name}")/>
        <p class="crumbs"><a href=format!("/s/{sa}/workflows")>"Workflows"</a> " / " <a href=format!("/s/{sa}/workflows/{workflow}")>{name.clone()}</a></p>
        <div class="page-head">
            <h1>{format!("Runs of “{name}”")}</h1>
            <span class="muted">{count}</span>
        </div>
        {if runs.total == 0 {
            view! { <p class="empty">"No runs yet: it runs when its event happens while it is on."</p> }.into_any()
        } else {
            view! {
                <table class="table" data-testid="runs">
                    <thead>
                        <tr>
                            <th scope="col">"Started"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Event"</th>
                            <th scope="col">"Record"</th>
                            <th scope="col">"Version"</th>
                            <th scope="col">"Error"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            }
            .into_any()
        }}
        {pager}
    }
}

#[component]
pub fn RunPage() -> impl IntoView {
    let sa = sub_account_id().get_untracked();
    let run = route_id::<RunId>("run").get_untracked();
    let detail = load_first(workflow_run(sa.clone(), run));
    let refused = plain_form_error("/api/workflows/retry");
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || {
                let (sa, refused) = (sa.clone(), refused.clone());
                Suspend::new(async move {
                    match detail.await {
                        Ok(detail) => view! { <RunView sa detail refused/> }.into_any(),
                        Err(error) => view! {
                            <ErrorPage error back=format!("/s/{sa}/workflows") back_label="← Workflows"/>
                        }
                        .into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// A JSON value, indented, for reading.
fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

#[component]
fn RunView(sa: SubAccountId, detail: RunDetail, refused: Option<crate::api::AppError>) -> impl IntoView {
    let RunDetail { run, workflow_name, current } = detail;
    let Run {
        id,
        workflow_id,
        workflow_version,
        trigger_type,
        record_id,
        status,
        started_at,
        finished_at,
        resume_at,
        error,
        trigger,
        steps,
    } = run;
    let name = workflow_name.clone().unwrap_or_else(|| "A deleted workflow".to_owned());
    let crumbs = match workflow_name {
        Some(name) => view! {
            <a href=format!("/s/{sa}/workflows/{workflow_id}")>{name}</a>
            " / "
            <a href=format!("/s/{sa}/workflows/{workflow_id}/runs")>"Runs"</a>
        }
        .into_any(),
        None => view! { <span>"A deleted workflow"</span> }.into_any(),
    };
    let record = match trigger_type.module() {
        Some(module) => view! { <a href=format!("/s/{sa}/records/{}/{record_id}", module.as_str())><code>{record_id.clone()}</code></a> }.into_any(),
        None => view! { <code>{record_id.clone()}</code> }.into_any(),
    };
    let retry = (status == RunStatus::Failed).then(|| match current {
        // The store refuses these retries; the page says why instead of offering one.
        None => view! {
            <p class="muted small" data-testid="retry-version">"Its workflow was deleted: this run cannot be retried."</p>
        }
        .into_any(),
        Some((_, false)) => view! {
            <p class="muted small" data-testid="retry-version">"Its workflow is switched off: switch it on to retry this run."</p>
        }
        .into_any(),
        Some((now, true)) => {
            // A retry goes on with the version the run started with, not the workflow's latest.
            let version = if now == workflow_version {
                format!("A retry runs v{workflow_version}, the version this run started with")
            } else {
                format!("A retry runs v{workflow_version}, the version this run started with (not v{now}, the workflow’s latest)")
            };
            // Its steps fill in {{trigger.…}} from the event, not from the record as it is now.
            let version = format!(
                "{version}, with the values the event carried: a phone number or email added to the record since is not used."
            );
            view! {
                <form method="post" action="/api/workflows/retry" class="inline-form">
                    <input type="hidden" name="sub_account" value=sa.to_string()/>
                    <input type="hidden" name="run" value=id.to_string()/>
                    <button type="submit" class="button button-primary" aria-describedby="retry-version">
                        "Retry from the failed step"
                    </button>
                    <p class="muted small" id="retry-version" data-testid="retry-version">{version}</p>
                </form>
            }
            .into_any()
        }
    });
    let steps = steps.unwrap_or_default();
    let step_count = steps.len();
    view! {
        <Title text=format!("Run of {name}")/>
        <p class="crumbs"><a href=format!("/s/{sa}/workflows")>"Workflows"</a> " / " {crumbs}</p>
        <div class="page-head">
            <h1>"Run " {run_status(status)}</h1>
            {retry}
        </div>
        {refused.map(|error| view! { <div class="alert alert-error" role="alert">{format!("Not retried. {error}")}</div> })}
        {error.map(|error| view! { <div class="alert alert-error" role="alert" data-testid="run-error">{error}</div> })}
        <dl class="facts">
            <dt>"Event"</dt><dd>{trigger_type.label()}</dd>
            <dt>"Record"</dt><dd>{record}</dd>
            <dt>"Version"</dt><dd>{format!("v{workflow_version}")}</dd>
            <dt>"Started"</dt><dd>{started_at}</dd>
            {finished_at.map(|at| view! { <dt>"Finished"</dt><dd>{at}</dd> })}
            {resume_at.map(|at| view! { <dt>"Resumes"</dt><dd>{at}</dd> })}
        </dl>
        <h2>{format!("Steps ({step_count})")}</h2>
        <ol class="steps" data-testid="steps">
            {steps.into_iter().map(|step| view! { <StepItem step/> }).collect_view()}
        </ol>
        {trigger.map(|trigger| view! {
            <details class="run-trigger">
                <summary>"What the event carried"</summary>
                <pre tabindex="0">{pretty(&trigger)}</pre>
            </details>
        })}
    }
}

#[component]
fn StepItem(step: Step) -> impl IntoView {
    let Step { action_type, status, attempts, started_at, finished_at, input, output, error, .. } = step;
    let times = match (started_at, finished_at) {
        (Some(start), Some(end)) => format!("{start} → {end}"),
        (Some(start), None) => format!("since {start}"),
        _ => String::new(),
    };
    let tries = (attempts > 1).then(|| format!("{attempts} attempts"));
    view! {
        <li class="step" data-action=action_type.as_str()>
            <div class="step-head">
                <strong>{action_type.label()}</strong>
                <code class="muted">{action_type.as_str()}</code>
                {status_badge(status.as_str())}
                <span class="muted small">{times}</span>
                {tries.map(|tries| view! { <span class="muted small">{tries}</span> })}
            </div>
            {error.map(|error| view! { <p class="step-error">{error}</p> })}
            {input.map(|input| view! { <details><summary>"Given"</summary><pre tabindex="0">{pretty(&input)}</pre></details> })}
            {output.map(|output| view! { <details open><summary>"Did"</summary><pre tabindex="0">{pretty(&output)}</pre></details> })}
        </li>
    }
}
