//! The built-in CRM's six modules: a list per module, a record's page (its editor, what can be
//! done with it — convert a lead, win or lose a deal, complete a task — and its history), and
//! the sub-account's Activity. Fields, checks and how values read come from `model::record`,
//! so the browser refuses what the server would, with the same words.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde_json::Value;
use std::collections::BTreeMap;

use super::common::{ErrorPage, Loading, ProblemList, go_to, sub_account_id, warn_before_leaving};
use super::island_data::IslandData;
use crate::api::AppError;
use crate::api::records::{
    ActivityItem, EditOptions, RecordValues, convert_lead, load_activity, load_record, load_records, save_record,
};
use crate::model::record::{check_edit, choice_label, display_value};
use crate::model::{EventType, Module, NumberFormat, RecordField, RecordFieldKind, SubAccountId};

fn module_from_route() -> Memo<Option<Module>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("module").and_then(|name| name.parse().ok()))
}

fn records_url(sa: &str, module: Module) -> String {
    format!("/s/{sa}/records/{}", module.as_str())
}

fn record_url(sa: &str, module: Module, id: &str) -> String {
    format!("/s/{sa}/records/{}/{id}", module.as_str())
}

fn not_found(sa: &str) -> impl IntoView + use<> {
    view! { <ErrorPage error=AppError::not_found("That page") back=format!("/s/{sa}/inbox") back_label="← Inbox"/> }
}

/// The six modules, as tabs above a list or record.
#[component]
fn ModuleTabs(sa: String, current: Module) -> impl IntoView {
    view! {
        <nav class="module-tabs" aria-label="Modules">
            {Module::ALL
                .into_iter()
                .map(|module| {
                    let current = (module == current).then_some("page");
                    view! { <a href=records_url(&sa, module) aria-current=current>{module.label()}</a> }
                })
                .collect_view()}
        </nav>
    }
}

/// The columns a list shows after the record's name: the module's next fields, without the
/// ones the name is made of and long text.
fn list_columns(module: Module) -> Vec<&'static RecordField> {
    let skipped = ["firstName", "lastName", "name", "title", "body", "description"];
    module.fields().iter().filter(|field| !skipped.contains(&field.name)).take(5).collect()
}

#[component]
pub fn RecordsPage() -> impl IntoView {
    let sa = sub_account_id();
    let Some(module) = module_from_route().get_untracked() else { return not_found(&sa.get_untracked()).into_any() };
    let list = OnceResource::new(load_records(sa.get_untracked(), module));
    let sa = sa.get_untracked().into_string();
    view! {
        <Title text=module.label()/>
        <div class="page-head">
            <h1>{module.label()}</h1>
            <div class="head-actions">
                <a class="button button-primary" href=format!("{}/new", records_url(&sa, module))>"New"</a>
            </div>
        </div>
        <ModuleTabs sa=sa.clone() current=module/>
        <Transition fallback=|| view! { <Loading/> }>
            {
                let sa = sa.clone();
                move || {
                    let sa = sa.clone();
                    Suspend::new(async move {
                        match list.await {
                            Ok(list) if list.records.is_empty() => {
                                view! { <p class="empty">{format!("No {} yet.", module.as_str())}</p> }.into_any()
                            }
                            Ok(list) => {
                                let columns = list_columns(module);
                                view! {
                                    <table class="table" data-testid="records">
                                        <thead>
                                            <tr>
                                                <th scope="col">{if module == Module::Tasks { "Title" } else { "Name" }}</th>
                                                {columns.iter().map(|field| view! { <th scope="col">{field.label}</th> }).collect_view()}
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {list.records.iter().map(|record| {
                                                let id = record.get("id").and_then(Value::as_str).unwrap_or_default();
                                                let url = record_url(&sa, module, id);
                                                view! {
                                                    <tr>
                                                        <td data-label="Name"><a href=url>{module.record_label(record)}</a></td>
                                                        {columns.iter().map(|field| {
                                                            let value = record.get(field.name).unwrap_or(&Value::Null);
                                                            let text = display_value(field.kind, value, &list.labels, list.format);
                                                            view! { <td data-label=field.label>{text}</td> }
                                                        }).collect_view()}
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                }
                                .into_any()
                            }
                            Err(error) => view! { <ErrorPage error back=format!("/s/{sa}/inbox") back_label="← Inbox"/> }.into_any(),
                        }
                    })
                }
            }
        </Transition>
    }
    .into_any()
}

#[component]
pub fn RecordPage() -> impl IntoView {
    let sa = sub_account_id();
    let params = use_params_map();
    let id = params.read_untracked().get("id").filter(|id| id != "new");
    let Some(module) = module_from_route().get_untracked() else { return not_found(&sa.get_untracked()).into_any() };
    let detail = OnceResource::new(load_record(sa.get_untracked(), module, id.clone()));
    let sa = sa.get_untracked();
    view! {
        <a href=records_url(&sa, module) class="back-link">{format!("← {}", module.label())}</a>
        <Transition fallback=|| view! { <Loading/> }>
            {
                let sa = sa.clone();
                move || {
                    let sa = sa.clone();
                    Suspend::new(async move {
                        match detail.await {
                            Ok(detail) => {
                                let title = detail
                                    .record
                                    .as_ref()
                                    .map_or_else(|| format!("New {}", singular(module)), |record| module.record_label(record));
                                view! {
                                    <Title text=title.clone()/>
                                    <h1 data-testid="record-title">{title}</h1>
                                    <div class="record-grid">
                                        <section class="card" aria-label="Fields">
                                            <RecordEditor
                                                sub_account=sa.clone()
                                                module
                                                record=IslandData(detail.record.clone())
                                                options=IslandData(detail.options)
                                                format=detail.format
                                            />
                                        </section>
                                        {detail.record.is_some().then(|| view! {
                                            <section class="card" aria-labelledby="history">
                                                <h2 id="history">"Activity"</h2>
                                                <Timeline sa=sa.to_string() items=detail.activity show_record=false/>
                                            </section>
                                        })}
                                    </div>
                                }
                                .into_any()
                            }
                            Err(error) => view! { <ErrorPage error back=records_url(&sa, module) back_label="← Back"/> }.into_any(),
                        }
                    })
                }
            }
        </Transition>
    }
    .into_any()
}

fn singular(module: Module) -> &'static str {
    ["lead", "contact", "account", "opportunity", "task", "project"][module as usize]
}

/// A field being edited, as the person typed it.
#[derive(Clone, Copy)]
enum Draft {
    Text(RwSignal<String>),
    Flag(RwSignal<bool>),
    Many(RwSignal<Vec<String>>),
}

impl Draft {
    fn new(field: &RecordField, value: &Value, format: NumberFormat) -> Self {
        use RecordFieldKind as K;
        match field.kind {
            K::Flag => Draft::Flag(RwSignal::new(value.as_bool().unwrap_or_default())),
            K::Users => Draft::Many(RwSignal::new(strings(value))),
            K::Tags => Draft::Text(RwSignal::new(strings(value).join(", "))),
            K::Money | K::Whole { .. } => {
                Draft::Text(RwSignal::new(value.as_f64().map(|n| format.number(n)).unwrap_or_default()))
            }
            _ => Draft::Text(RwSignal::new(value.as_str().unwrap_or_default().to_owned())),
        }
    }

    /// The value to save. Text that is not a number stays text, so the model's check names the
    /// field and what it takes.
    fn value(self, field: &RecordField, format: NumberFormat) -> Value {
        use RecordFieldKind as K;
        match self {
            Draft::Flag(on) => Value::Bool(on.get_untracked()),
            Draft::Many(items) => Value::from(items.get_untracked()),
            Draft::Text(text) => {
                let text = text.get_untracked();
                let trimmed = text.trim();
                match field.kind {
                    K::Tags => Value::from(
                        trimmed
                            .split(',')
                            .map(str::trim)
                            .filter(|tag| !tag.is_empty())
                            .map(str::to_owned)
                            .collect::<Vec<_>>(),
                    ),
                    K::Whole { .. } => match format.parse_number(trimmed) {
                        Some(n) if n.fract() == 0.0 && n.abs() < 1e15 => Value::from(n as i64),
                        _ => Value::String(text),
                    },
                    K::Money => format
                        .parse_money(trimmed)
                        .map_or(Value::String(text), |cents| Value::from(cents as f64 / 100.0)),
                    K::Due | K::User | K::Link(_) | K::Pipeline | K::Stage if trimmed.is_empty() => Value::Null,
                    _ => Value::String(text),
                }
            }
        }
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// A record's fields, editable, with what can be done with the record. Lazy: only record pages
/// load its code.
#[island(lazy)]
fn RecordEditor(
    sub_account: SubAccountId,
    module: Module,
    record: IslandData<Option<RecordValues>>,
    options: IslandData<EditOptions>,
    format: NumberFormat,
) -> impl IntoView {
    // Ids in reactive state are the page's strings (see `TriggerSettings`).
    let sa = StoredValue::new(sub_account.into_string());
    let record = record.0;
    let id = StoredValue::new(record.as_ref().and_then(|r| r.get("id")).and_then(Value::as_str).map(str::to_owned));
    let options = StoredValue::new(options.0);
    let fields: Vec<&'static RecordField> = module.fields().iter().filter(|field| !field.read_only).collect();
    let drafts: Vec<(&'static RecordField, Draft)> = fields
        .iter()
        .map(|field| {
            let value =
                record.as_ref().and_then(|r| r.get(field.name)).cloned().unwrap_or_else(|| field.kind.default_value());
            (*field, Draft::new(field, &value, format))
        })
        .collect();
    let drafts = StoredValue::new(drafts);
    let loaded = StoredValue::new(record.clone());
    let problems = RwSignal::new(Vec::<String>::new());
    let busy = RwSignal::new(false);
    // Until the island runs, the fields are disabled: a form submitted without it would only
    // reload the page and drop what was typed.
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    let text_draft = |name: &str| {
        drafts.with_value(|drafts| {
            drafts.iter().find(|(field, _)| field.name == name).and_then(|(_, draft)| match draft {
                Draft::Text(text) => Some(*text),
                _ => None,
            })
        })
    };
    let linked = Linked { pipeline: text_draft("pipelineId"), stage: text_draft("stageId") };

    // Every field as drafted, with `changes` on top.
    let values = move |changes: &[(&str, Value)]| -> RecordValues {
        let mut values: RecordValues = drafts.with_value(|drafts| {
            drafts.iter().map(|(field, draft)| (field.name.to_owned(), draft.value(field, format))).collect()
        });
        values.extend(changes.iter().map(|(name, value)| ((*name).to_owned(), value.clone())));
        values
    };
    // What a save sends: for a record that exists, only what differs from what the page showed,
    // and what it showed of that (someone else's change meanwhile is then kept, or refused).
    let edits = move |changes: &[(&str, Value)]| -> (RecordValues, Option<RecordValues>) {
        let values = values(changes);
        loaded.with_value(|loaded| match loaded {
            None => (values, None),
            Some(loaded) => {
                let changed: RecordValues =
                    values.into_iter().filter(|(name, value)| loaded.get(name) != Some(value)).collect();
                let seen = changed
                    .keys()
                    .map(|name| (name.clone(), loaded.get(name).cloned().unwrap_or(Value::Null)))
                    .collect();
                (changed, Some(seen))
            }
        })
    };
    // What the page showed when it came alive: a difference from it is an unsaved change.
    let shown = StoredValue::new(values(&[]));
    let leaving = StoredValue::new(false);
    warn_before_leaving(move || !leaving.get_value() && shown.with_value(|shown| *shown != values(&[])));
    let done = move |result: Result<String, AppError>, module: Module| {
        busy.set(false);
        match result {
            Ok(id) => {
                leaving.set_value(true);
                go_to(&record_url(&sa.get_value(), module, &id));
            }
            Err(AppError::InvalidRecord(said)) => problems.set(said),
            Err(error) => problems.set(vec![error.to_string()]),
        }
    };
    // Saves the fields, with `changes` on top (an operation's: `status` → `won`).
    let save = move |changes: Vec<(&'static str, Value)>| {
        let (values, seen) = edits(&changes);
        let said: Vec<String> = check_edit(module, &values).iter().map(ToString::to_string).collect();
        if !said.is_empty() {
            problems.set(said);
            return;
        }
        problems.set(Vec::new());
        busy.set(true);
        leptos::task::spawn_local(async move {
            done(save_record(sa.get_value().into(), module, id.get_value(), values, seen).await, module);
        });
    };
    let convert = move |_| {
        if !edits(&[]).0.is_empty() {
            problems.set(vec!["Save your changes before converting this lead.".to_owned()]);
            return;
        }
        let Some(lead) = id.get_value() else { return };
        busy.set(true);
        leptos::task::spawn_local(async move {
            done(convert_lead(SubAccountId::from(sa.get_value()), lead).await, Module::Contacts);
        });
    };
    let state = |name: &str| record.as_ref().and_then(|r| r.get(name)).cloned().unwrap_or(Value::Null);
    let exists = record.is_some();
    let operations = match module {
        Module::Leads if exists && state("converted") != Value::Bool(true) => {
            view! { <button type="button" class="button" disabled=move || busy.get() on:click=convert>"Convert to contact"</button> }
                .into_any()
        }
        Module::Opportunities if exists && state("status") == "open" => view! {
            <button type="button" class="button" disabled=move || busy.get()
                on:click=move |_| save(vec![("status", Value::from("won"))])>"Mark won"</button>
            <button type="button" class="button button-danger" disabled=move || busy.get()
                on:click=move |_| save(vec![("status", Value::from("lost"))])>"Mark lost"</button>
        }
        .into_any(),
        Module::Tasks if exists && state("completed") != Value::Bool(true) => view! {
            <button type="button" class="button" disabled=move || busy.get()
                on:click=move |_| save(vec![("completed", Value::Bool(true))])>"Mark complete"</button>
        }
        .into_any(),
        _ => ().into_any(),
    };
    let converted = (module == Module::Leads && state("converted") == Value::Bool(true))
        .then(|| state("contactId").as_str().map(|contact| record_url(&sa.get_value(), Module::Contacts, contact)))
        .flatten();

    view! {
        <form class="record-form" novalidate on:submit=move |ev| {
            ev.prevent_default();
            save(Vec::new());
        }>
            {converted.map(|url| view! { <p class="notice">"Converted — " <a href=url>"open the contact"</a></p> })}
            <fieldset class="field-row plain-fieldset" disabled=move || !live.get()>
                <legend class="sr-only">{format!("The {}'s fields", singular(module))}</legend>
                {drafts.get_value().into_iter().map(|(field, draft)| {
                    view! { <FieldInput field draft options linked format/> }
                }).collect_view()}
            </fieldset>
            {move || {
                let said = problems.get();
                (!said.is_empty()).then(|| view! {
                    <ProblemList class="problems" problems=said testid="record-problems"/>
                })
            }}
            <div class="form-actions">
                {operations}
                <button type="submit" class="button button-primary" disabled=move || busy.get()>
                    {if exists { "Save" } else { "Create" }}
                </button>
            </div>
        </form>
    }
}

/// An opportunity's pipeline and stage drafts: the stages offered are the pipeline's, and a new
/// pipeline clears the stage.
#[derive(Clone, Copy)]
struct Linked {
    pipeline: Option<RwSignal<String>>,
    stage: Option<RwSignal<String>>,
}

#[component]
fn FieldInput(
    field: &'static RecordField,
    draft: Draft,
    options: StoredValue<EditOptions>,
    linked: Linked,
    format: NumberFormat,
) -> impl IntoView {
    use RecordFieldKind as K;
    let input_id = format!("field-{}", field.name);
    let label = view! {
        <label for=input_id.clone()>
            {field.label}
            {field.required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}
        </label>
    };
    // A select shows what the draft holds: "— none —" for an optional empty one, "— choose —"
    // for a required one not chosen yet (never the first choice, which is not chosen).
    let choices = |pairs: Vec<(String, String)>, text: RwSignal<String>, none: bool| {
        let empty = if none { "— none —" } else { "— choose —" };
        let clears_stage = field.kind == K::Pipeline;
        view! {
            <select id=input_id.clone() on:change=move |ev| {
                text.set(event_target_value(&ev));
                if clears_stage && let Some(stage) = linked.stage {
                    stage.set(String::new());
                }
            }>
                {(none || text.with_untracked(String::is_empty)).then(|| view! {
                    <option value="" disabled=!none selected=move || text.with(String::is_empty)>{empty}</option>
                })}
                {pairs.into_iter().map(|(value, name)| {
                    let current = value.clone();
                    view! { <option value=value selected=move || text.with(|t| *t == current)>{name}</option> }
                }).collect_view()}
            </select>
        }
    };
    let control = match (field.kind, draft) {
        (K::Flag, Draft::Flag(on)) => {
            return view! {
                <div class="field">
                    <label class="choice">
                        <input type="checkbox" id=input_id checked=on.get_untracked() prop:checked=move || on.get()
                            on:change=move |ev| on.set(event_target_checked(&ev))/>
                        {field.label}
                    </label>
                </div>
            }
            .into_any();
        }
        (K::Users, Draft::Many(chosen)) => {
            let users = options.with_value(|o| o.users.clone());
            return view! {
                <fieldset class="field">
                    <legend>{field.label}</legend>
                    <div class="choices">
                        {users.into_iter().map(|(id, name)| {
                            let (here, toggled) = (id.clone(), id.clone());
                            view! {
                                <label class="choice">
                                    <input type="checkbox" checked=chosen.with_untracked(|c| c.contains(&id))
                                        prop:checked=move || chosen.with(|c| c.contains(&here))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            chosen.update(|c| {
                                                c.retain(|item| *item != toggled);
                                                if on { c.push(toggled.clone()); }
                                            });
                                        }/>
                                    {name}
                                </label>
                            }
                        }).collect_view()}
                    </div>
                </fieldset>
            }
            .into_any();
        }
        (K::Choice(names), Draft::Text(text)) => {
            choices(names.iter().map(|n| ((*n).to_owned(), choice_label(n))).collect(), text, false).into_any()
        }
        (K::User, Draft::Text(text)) => choices(options.with_value(|o| o.users.clone()), text, true).into_any(),
        (K::Link(linked), Draft::Text(text)) => {
            let pairs = options.with_value(|o| o.links.get(linked.as_str()).cloned().unwrap_or_default());
            choices(pairs, text, !field.required).into_any()
        }
        (K::Pipeline, Draft::Text(text)) => {
            let pairs = options.with_value(|o| o.pipelines.iter().map(|p| (p.id.clone(), p.name.clone())).collect());
            choices(pairs, text, false).into_any()
        }
        (K::Stage, Draft::Text(text)) => {
            // The stages of the pipeline chosen above.
            let id = input_id.clone();
            view! {
                <select id=id on:change=move |ev| text.set(event_target_value(&ev))>
                    <option value="" selected=move || text.with(String::is_empty)>"— choose —"</option>
                    {move || {
                        let chosen = linked.pipeline.map(|p| p.get()).unwrap_or_default();
                        let stages = options.with_value(|o| {
                            o.pipelines.iter().find(|p| p.id == chosen).map(|p| p.stages.clone()).unwrap_or_default()
                        });
                        stages.into_iter().map(|stage| {
                            let current = stage.id.clone();
                            view! { <option value=stage.id selected=move || text.with(|t| *t == current)>{stage.name}</option> }
                        }).collect_view()
                    }}
                </select>
            }
            .into_any()
        }
        (kind, Draft::Text(text)) => {
            let input_type = match kind {
                K::Email => "email",
                K::Due if text.with_untracked(|t| !t.contains('T')) => "date",
                _ => "text",
            };
            let hint = match kind {
                K::Tags => Some("Separate tags with commas.".to_owned()),
                K::Due => Some("A day, or a time like 2026-12-01T09:00:00Z.".to_owned()),
                K::Money => Some(format.money_hint()),
                _ => None,
            };
            view! {
                // `value` for the page as the server sends it, `prop:value` once the island runs.
                <input type=input_type dir="auto" id=input_id.clone() value=text.get_untracked() prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))/>
                {hint.map(|hint| view! { <p class="help">{hint}</p> })}
            }
            .into_any()
        }
        _ => ().into_any(),
    };
    view! { <div class="field">{label}{control}</div> }.into_any()
}

/// Events, newest first, each with what it changed.
#[component]
fn Timeline(sa: String, items: Vec<ActivityItem>, show_record: bool) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="empty">"Nothing has happened yet."</p> }.into_any();
    }
    view! {
        <ol class="timeline" data-testid="activity">
            {items.into_iter().map(|item| {
                let record = show_record.then(|| {
                    let url = record_url(&sa, item.module, &item.record_id);
                    view! { <a href=url class="timeline-record">{item.record_label.clone()}</a> }
                });
                let types: Vec<&str> = item.event_types.iter().map(|t| t.as_str()).collect();
                let what: Vec<&str> = item.event_types.iter().map(|t| t.label()).collect();
                let data_event = types.join(" ");
                view! {
                    <li class="timeline-item" data-event=data_event>
                        <div class="timeline-head">
                            {types.into_iter().map(|t| view! { <span class="badge">{t}</span> }).collect_view()}
                            {record}
                            <span class="muted">{format!("{} · {}", item.occurred_at, item.cause)}</span>
                        </div>
                        <p class="timeline-what">{what.join(" · ")}</p>
                        {(!item.changes.is_empty()).then(|| view! {
                            <ul class="changes">
                                {item.changes.into_iter().map(|(field, before, after)| view! {
                                    <li><strong>{field}</strong>": " <del>{before}</del>" → "<ins>{after}</ins></li>
                                }).collect_view()}
                            </ul>
                        })}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
    .into_any()
}

/// The sub-account's Activity. Admins filter it by module and type with a plain GET form.
#[component]
pub fn ActivityPage() -> impl IntoView {
    let sa = sub_account_id().get_untracked();
    let query = use_query_map().get_untracked();
    let module: Option<Module> = query.get("module").and_then(|m| m.parse().ok());
    let event_type: Option<EventType> = query.get("type").and_then(|t| t.parse().ok());
    let activity = OnceResource::new(load_activity(sa.clone(), module, event_type));
    let sa = sa.into_string();
    view! {
        <Title text="Activity"/>
        <div class="page-head">
            <h1>"Activity"</h1>
            <p class="muted">"What happened in the CRM, newest first, with each change before → after."</p>
        </div>
        <Transition fallback=|| view! { <Loading/> }>
            {
                let sa = sa.clone();
                move || {
                    let sa = sa.clone();
                    Suspend::new(async move {
                        match activity.await {
                            Ok(list) => view! {
                                {list.can_filter.then(|| view! { <ActivityFilter module event_type/> })}
                                <section class="card">
                                    <Timeline sa=sa.clone() items=list.items show_record=true/>
                                </section>
                            }
                            .into_any(),
                            Err(error) => view! { <ErrorPage error back=format!("/s/{sa}/inbox") back_label="← Inbox"/> }.into_any(),
                        }
                    })
                }
            }
        </Transition>
    }
}

#[component]
fn ActivityFilter(module: Option<Module>, event_type: Option<EventType>) -> impl IntoView {
    let types: BTreeMap<&str, &str> =
        EventType::ALL.iter().filter(|t| t.module().is_some()).map(|t| (t.as_str(), t.label())).collect();
    view! {
        <form method="get" class="filter-bar" aria-label="Filter the activity">
            <label for="filter-module">"Module"</label>
            <select id="filter-module" name="module">
                <option value="">"All modules"</option>
                {Module::ALL.into_iter().map(|m| view! { <option value=m.as_str() selected=module == Some(m)>{m.label()}</option> }).collect_view()}
            </select>
            <label for="filter-type">"Event"</label>
            <select id="filter-type" name="type">
                <option value="">"All events"</option>
                {types.into_iter().map(|(name, label)| {
                    let selected = event_type.map(EventType::as_str) == Some(name);
                    view! { <option value=name selected=selected>{format!("{name} — {label}")}</option> }
                }).collect_view()}
            </select>
            <button type="submit" class="button">"Filter"</button>
        </form>
    }
}
