//! The built-in CRM: a pipeline board whose moves fire the same stage-change events a webhook
//! would, and contact records showing what forms wrote back.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::common::{ErrorPage, Loading, route_id, sub_account_id};
use super::island_data::IslandData;
use super::toast::{Tone, use_toasts};
use crate::api::AppError;
use crate::api::crm::{load_contact, load_crm_board, log_call, move_opportunity};
use crate::api::types::{CallView, OpportunityCard, PipelineBoard};
use crate::model::{ContactId, NumberFormat, SubAccountId};

#[derive(Clone, Debug, PartialEq)]
struct Move {
    opportunity_id: String,
    stage_id: String,
    stage_name: String,
}

#[component]
pub fn BoardPage() -> impl IntoView {
    let sa = sub_account_id();
    let board = OnceResource::new(load_crm_board(sa.get_untracked()));

    view! {
        <Title text="CRM"/>
        <div class="page-head">
            <h1>"CRM"</h1>
            <p class="muted">"The built-in CRM. Moving a deal fires the same stage-change event a connected CRM would."</p>
        </div>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match board.await {
                    Ok(board) => view! {
                        <PipelineBoards sub_account=sa.get_untracked() pipelines=IslandData(board.pipelines) format=board.number_format/>
                        <section aria-labelledby="contacts-heading">
                            <h2 id="contacts-heading">"Contacts"</h2>
                            <table class="table">
                                <thead>
                                    <tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Email"</th>
                                        <th scope="col">"Phone"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {board
                                        .contacts
                                        .into_iter()
                                        .map(|c| view! {
                                            <tr>
                                                <td data-label="Name">
                                                    <A href=format!("/s/{}/crm/contacts/{}", sa.get_untracked(), c.id)>{c.name}</A>
                                                </td>
                                                <td data-label="Email">{c.email}</td>
                                                <td data-label="Phone">{c.phone}</td>
                                            </tr>
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        </section>
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorPage error back=format!("/s/{}/inbox", sa.get_untracked()) back_label="← Inbox"/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The pipeline boards. A deal moves by drag and drop or with its stage list; the boards then
/// load again, since the move may have run writebacks of its own. Lazy: only this page loads
/// its code.
#[island(lazy)]
fn PipelineBoards(
    sub_account: SubAccountId,
    pipelines: IslandData<Vec<PipelineBoard>>,
    format: NumberFormat,
) -> impl IntoView {
    // Ids in reactive state are the page's strings (see `TriggerSettings`).
    let sa = StoredValue::new(sub_account.into_string());
    let toasts = use_toasts();
    let boards = RwSignal::new(pipelines.0);
    let move_action = Action::new(move |m: &Move| {
        let m = m.clone();
        async move {
            move_opportunity(sa.get_value().into(), m.opportunity_id.into(), m.stage_id).await?;
            let board = load_crm_board(sa.get_value().into()).await?;
            Ok::<_, AppError>((m.stage_name, board.pipelines))
        }
    });
    Effect::new(move |_| match move_action.value().get() {
        Some(Ok((stage, pipelines))) => {
            boards.set(pipelines);
            toasts.show(Tone::Success, format!("Moved to {stage}"), Vec::new())
        }
        Some(Err(error)) => {
            toasts.show(Tone::Error, "The opportunity was not moved", vec![(Tone::Error, error.to_string())])
        }
        None => {}
    });
    let dragging = Dragging { deal: RwSignal::new(None), over: RwSignal::new(None) };
    let on_move = move |m| {
        move_action.dispatch(m);
    };
    view! {
        <div>
            {move || boards.get().into_iter().map(|pipeline| view! { <Board sa pipeline dragging on_move format/> }).collect_view()}
        </div>
    }
}

/// A drag on the boards: the deal being dragged, and the stage column it is over (highlighted,
/// so the person sees where it will land).
#[derive(Clone, Copy)]
struct Dragging {
    deal: RwSignal<Option<String>>,
    over: RwSignal<Option<String>>,
}

impl Dragging {
    fn end(self) {
        self.deal.set(None);
        self.over.set(None);
    }
}

#[component]
fn Board(
    sa: StoredValue<String>,
    pipeline: PipelineBoard,
    dragging: Dragging,
    on_move: impl Fn(Move) + Copy + Send + Sync + 'static,
    format: NumberFormat,
) -> impl IntoView {
    let stages: Vec<(String, String)> =
        pipeline.columns.iter().map(|c| (c.stage_id.clone(), c.stage_name.clone())).collect();
    let stages = StoredValue::new(stages);
    view! {
        <section class="pipeline" aria-label=format!("{} board", pipeline.name)>
            <h2>{pipeline.name.clone()}</h2>
            <div class="board">
                {pipeline
                    .columns
                    .into_iter()
                    .map(|column| {
                        let (stage_id, stage_name) = (column.stage_id.clone(), column.stage_name.clone());
                        let count = column.opportunities.len();
                        let (this, here) = (stage_id.clone(), stage_id.clone());
                        view! {
                            <div
                                class="column"
                                class:drop-target=move || dragging.over.with(|over| over.as_ref() == Some(&here))
                                data-stage=column.stage_name.clone()
                                on:dragover=move |ev| {
                                    ev.prevent_default();
                                    if dragging.over.with_untracked(|over| over.as_ref() != Some(&this)) {
                                        dragging.over.set(Some(this.clone()));
                                    }
                                }
                                on:drop=move |ev| {
                                    ev.prevent_default();
                                    if let Some(opportunity_id) = dragging.deal.get_untracked() {
                                        dragging.end();
                                        on_move(Move { opportunity_id, stage_id: stage_id.clone(), stage_name: stage_name.clone() });
                                    }
                                }
                            >
                                <h3 class="column-head">
                                    {column.stage_name.clone()}
                                    <span class="count">{count}</span>
                                </h3>
                                {column
                                    .opportunities
                                    .into_iter()
                                    .map(|card| view! { <Card sa card current=column.stage_id.clone() stages dragging on_move format/> })
                                    .collect_view()}
                            </div>
                        }
                    })
                    .collect_view()}
            </div>
        </section>
    }
}

#[component]
fn Card(
    sa: StoredValue<String>,
    card: OpportunityCard,
    current: String,
    stages: StoredValue<Vec<(String, String)>>,
    dragging: Dragging,
    on_move: impl Fn(Move) + Copy + Send + Sync + 'static,
    format: NumberFormat,
) -> impl IntoView {
    let id = card.id.to_string();
    let select_id = format!("move-{}", card.id);
    let on_change = {
        let id = card.id.to_string();
        move |ev| {
            let stage_id = event_target_value(&ev);
            let stage_name = stages.with_value(|s| s.iter().find(|(sid, _)| *sid == stage_id).map(|(_, n)| n.clone()));
            if let Some(stage_name) = stage_name {
                on_move(Move { opportunity_id: id.clone(), stage_id, stage_name });
            }
        }
    };
    view! {
        <article class="deal" draggable="true" data-testid="deal" data-deal=card.name.clone()
            on:dragstart=move |_| dragging.deal.set(Some(id.clone())) on:dragend=move |_| dragging.end()>
            <p class="deal-name">{card.name.clone()}</p>
            <a href=format!("/s/{}/crm/contacts/{}", sa.get_value(), card.contact_id)>{card.contact_name.clone()}</a>
            <p class="deal-value">{format.whole_money(card.monetary_value)}</p>
            <label class="sr-only" for=select_id.clone()>{format!("Move {} to stage", card.name)}</label>
            <select id=select_id class="deal-move" autocomplete="off" on:change=on_change>
                {stages
                    .get_value()
                    .into_iter()
                    .map(|(stage_id, name)| {
                        let selected = stage_id == current;
                        view! { <option value=stage_id selected=selected>{name}</option> }
                    })
                    .collect_view()}
            </select>
        </article>
    }
}

#[component]
pub fn ContactPage() -> impl IntoView {
    let sa = sub_account_id();
    let contact_id = route_id::<ContactId>("contact");
    let contact = OnceResource::new(load_contact(sa.get_untracked(), contact_id.get_untracked()));

    view! {
        <A href=move || format!("/s/{}/crm", sa.get()) attr:class="back-link">"← CRM"</A>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match contact.await {
                    Ok(c) => view! {
                        <Title text=c.name.clone()/>
                        <h1 data-testid="contact-name">{c.name.clone()}</h1>
                        <p class="muted">{format!("{} · {}", c.email, c.phone)}</p>
                        <div class="contact-grid">
                            <section class="card" aria-labelledby="opps">
                                <h2 id="opps">"Opportunities"</h2>
                                <ul class="plain" data-testid="contact-opportunities">
                                    {c.opportunities.into_iter().map(|o| view! {
                                        <li><strong>{o.name}</strong>" — "{o.pipeline_name}" › "<span class="stage">{o.stage_name}</span></li>
                                    }).collect_view()}
                                </ul>
                            </section>
                            <section class="card" aria-labelledby="fields">
                                <h2 id="fields">"Custom fields"</h2>
                                {if c.custom_fields.is_empty() {
                                    view! { <p class="empty">"No custom field has a value yet."</p> }.into_any()
                                } else {
                                    view! {
                                        <dl class="responses" data-testid="contact-fields">
                                            {c.custom_fields.into_iter().map(|(name, value)| view! {
                                                <div class="response"><dt>{name}</dt><dd>{value}</dd></div>
                                            }).collect_view()}
                                        </dl>
                                    }.into_any()
                                }}
                            </section>
                            <section class="card" aria-labelledby="tasks">
                                <h2 id="tasks">"Tasks"</h2>
                                {if c.tasks.is_empty() {
                                    view! { <p class="empty">"No tasks."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="plain" data-testid="contact-tasks">
                                            {c.tasks.into_iter().map(|t| view! {
                                                <li>
                                                    <strong>{t.title}</strong>
                                                    <span class="muted">{format!(" — due {}{}", t.due_date, if t.completed { " (done)" } else { "" })}</span>
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                            <section class="card wide" aria-labelledby="notes">
                                <h2 id="notes">"Notes"</h2>
                                {if c.notes.is_empty() {
                                    view! { <p class="empty">"No notes."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="notes" data-testid="contact-notes">
                                            {c.notes.into_iter().map(|n| view! {
                                                <li><pre class="note-body">{n.body}</pre><span class="muted">{n.created_at}</span></li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                            <section class="card wide" aria-labelledby="calls">
                                <h2 id="calls">"Voice AI calls"</h2>
                                <CallLog sub_account=sa.get_untracked() contact_id=c.id.clone() calls=IslandData(c.calls)/>
                            </section>
                        </div>
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorPage error back=format!("/s/{}/inbox", sa.get_untracked()) back_label="← Inbox"/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A contact's Voice AI calls and the form that logs a finished one, which fires the
/// call-completed triggers like a call in a connected CRM. Lazy, like the boards.
#[island(lazy)]
fn CallLog(sub_account: SubAccountId, contact_id: ContactId, calls: IslandData<Vec<CallView>>) -> impl IntoView {
    let toasts = use_toasts();
    let calls = RwSignal::new(calls.0);
    let summary = RwSignal::new(String::new());
    let transcript = RwSignal::new(String::new());
    let call = Action::new(move |(summary, transcript): &(String, String)| {
        let (sa, id) = (sub_account.clone(), contact_id.clone());
        let (summary, transcript) = (summary.clone(), transcript.clone());
        async move {
            log_call(sa.clone(), id.clone(), summary, transcript).await?;
            load_contact(sa, id).await
        }
    });
    Effect::new(move |_| match call.value().get() {
        Some(Ok(contact)) => {
            calls.set(contact.calls);
            summary.set(String::new());
            transcript.set(String::new());
            toasts.show(
                Tone::Success,
                "Call logged",
                vec![(Tone::Info, "Call-completed triggers have run.".to_owned())],
            );
        }
        Some(Err(error)) => toasts.show(Tone::Error, "The call was not logged", vec![(Tone::Error, error.to_string())]),
        None => {}
    });
    let on_log = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        call.dispatch((summary.get_untracked(), transcript.get_untracked()));
    };
    view! {
        <div>
        {move || calls.with(Vec::is_empty).then(|| view! { <p class="empty">"No calls logged yet."</p> })}
        <ul class="plain">
            {move || calls.get().into_iter().map(|call| view! {
                <li>{call.summary}<span class="muted">{format!(" — {}", call.created_at)}</span></li>
            }).collect_view()}
        </ul>
        <form class="log-call" on:submit=on_log>
            <h3>"Log a finished call"</h3>
            <div class="field">
                <label for="call-summary">"Summary"</label>
                <input dir="auto" id="call-summary" type="text" maxlength="2000" required prop:value=move || summary.get() on:input=move |ev| summary.set(event_target_value(&ev))/>
            </div>
            <div class="field">
                <label for="call-transcript">"Transcript"</label>
                <textarea dir="auto" id="call-transcript" rows="3" placeholder="bot: Hello…\nhuman: Hi…" prop:value=move || transcript.get() on:input=move |ev| transcript.set(event_target_value(&ev))></textarea>
            </div>
            <button type="submit" class="button" disabled=move || call.pending().get()>"Log call"</button>
        </form>
        </div>
    }
}
