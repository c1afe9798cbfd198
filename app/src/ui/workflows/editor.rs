//! The workflow editor: the trigger (module, event, filters in the rule builder the templates
//! use), then the actions in order, each with a form for its settings; a branch holds its
//! `then` and `else` actions. What is edited is the REST API's workflow object, and the model's
//! own check runs on every change in the browser — the server runs the same check on save —
//! so every problem shows beside the setting it is about, at the path the API would name.

use leptos::prelude::*;
use leptos_meta::Title;
use serde_json::{Map, Value, json};

use super::settings::{ActionSettings, default_config};
use super::switch_off_question;
use crate::api::AppError;
use crate::api::workflows::{WorkflowEditorData, save_workflow, workflow_editor};
use crate::model::workflow::{
    self, Action, ActionType, BranchPath, CatalogData, Problem, TriggerFields, TriggerFilters, Workflow, WorkflowSpec,
};
use crate::model::{ActionId, EventType, Field, Module, Operator, RuleGroup, SubAccountId, TriggerModule, WorkflowId};
use crate::ui::builder::rules::{GroupEditor, RuleHost};
use crate::ui::common::focus_first_in;
use crate::ui::common::{
    ErrorPage, Loading, ProblemList, confirm, go_to, load_first, route_id, sub_account_id, warn_before_leaving,
};
use crate::ui::island_data::IslandData;

#[component]
pub fn WorkflowEditorPage() -> impl IntoView {
    let sa = sub_account_id().get_untracked();
    let segment = route_id::<String>("workflow").get_untracked();
    let existing = (segment != "new").then(|| WorkflowId::from(segment));
    let data = load_first(workflow_editor(sa.clone(), existing));
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || {
                let sa = sa.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(data) => {
                            let title = data.workflow.as_ref().map_or("New workflow".to_owned(), |w| w.name.clone());
                            view! {
                                <Title text=title/>
                                <p class="crumbs"><a href=format!("/s/{sa}/workflows")>"Workflows"</a></p>
                                <WorkflowEditor sub_account=sa data=IslandData(data)/>
                            }
                            .into_any()
                        }
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

/// The editor's state, shared by its parts.
#[derive(Clone, Copy)]
pub(super) struct Draft {
    pub spec: RwSignal<WorkflowSpec>,
    pub catalog: StoredValue<CatalogData>,
    pub problems: Memo<Vec<Problem>>,
    /// Problems show beside their settings once a save was tried (the count shows always).
    pub tried: RwSignal<bool>,
    next_id: StoredValue<u32>,
}

impl Draft {
    /// The action with this id, read (tracked).
    pub fn with_action<R>(&self, id: &ActionId, read: impl FnOnce(Option<&Action>) -> R) -> R {
        self.spec.with(|spec| read(spec.actions.iter().find(|a| a.id == *id)))
    }

    pub fn edit_action(&self, id: &ActionId, change: impl FnOnce(&mut Action)) {
        self.spec.update(|spec| {
            if let Some(action) = spec.actions.iter_mut().find(|a| a.id == *id) {
                change(action);
            }
        });
    }

    /// One setting of an action's config (`null` when unset).
    pub fn setting(&self, id: &ActionId, key: &str) -> Value {
        self.with_action(id, |a| a.and_then(|a| a.config.get(key)).cloned().unwrap_or(Value::Null))
    }

    /// Sets one setting; `null` removes it.
    pub fn set(&self, id: &ActionId, key: &str, value: Value) {
        self.edit_action(id, |action| {
            if !action.config.is_object() {
                action.config = Value::Object(Map::new());
            }
            if let Value::Object(config) = &mut action.config {
                if value.is_null() {
                    config.remove(key);
                } else {
                    config.insert(key.to_owned(), value);
                }
            }
        });
    }

    /// The fields of the trigger's records, as `{{trigger.…}}` and conditions name them.
    pub fn fields(&self) -> Vec<workflow::TriggerField> {
        let module = self.spec.with_untracked(|s| s.trigger_module);
        self.catalog.with_value(|c| TriggerFields::new(module, &c.custom_fields, &c.answer_fields).all())
    }

    /// The problems at `path` or inside it (`actions[2].config.userIds` holds
    /// `actions[2].config.userIds[0]`), once a save was tried.
    pub fn problems_at(&self, path: &str) -> Vec<String> {
        if !self.tried.get() {
            return Vec::new();
        }
        self.problems.with(|problems| {
            problems
                .iter()
                .filter(|p| {
                    p.path == path
                        || p.path.strip_prefix(path).is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
                })
                .map(|p| p.message.clone())
                .collect()
        })
    }

    /// The JSON path of an action (`actions[3]`), by its place in the list.
    pub fn action_path(&self, id: &ActionId) -> Option<String> {
        self.spec.with(|s| s.actions.iter().position(|a| a.id == *id)).map(|i| format!("actions[{i}]"))
    }

    fn new_action_id(&self) -> ActionId {
        let taken = self.spec.with_untracked(|s| s.actions.iter().map(|a| a.id.to_string()).collect::<Vec<_>>());
        loop {
            self.next_id.update_value(|n| *n += 1);
            let id = format!("step-{}", self.next_id.get_value());
            if !taken.contains(&id) {
                return ActionId::from(id);
            }
        }
    }
}

fn spec_of(workflow: &Workflow) -> WorkflowSpec {
    WorkflowSpec {
        name: workflow.name.clone(),
        description: workflow.description.clone(),
        trigger_module: workflow.trigger_module,
        trigger_type: workflow.trigger_type,
        trigger_filters: workflow.trigger_filters.clone(),
        is_active: workflow.is_active,
        actions: workflow.actions.clone(),
    }
}

fn new_spec() -> WorkflowSpec {
    let module = TriggerModule::Records(Module::Leads);
    WorkflowSpec {
        name: String::new(),
        description: String::new(),
        trigger_module: module,
        trigger_type: EventType::of_trigger_module(module).next().unwrap_or(EventType::LeadCreated),
        trigger_filters: TriggerFilters::default(),
        is_active: true,
        actions: Vec::new(),
    }
}

/// The workflow as the API takes it; `version` is the one the edit started from.
fn body(spec: &WorkflowSpec, version: Option<i64>) -> Value {
    let mut body = serde_json::to_value(spec).unwrap_or(Value::Null);
    if let (Some(version), Value::Object(map)) = (version, &mut body) {
        map.insert("version".to_owned(), json!(version));
    }
    body
}

#[island(lazy)]
fn WorkflowEditor(sub_account: SubAccountId, data: IslandData<WorkflowEditorData>) -> impl IntoView {
    let WorkflowEditorData { workflow, catalog } = data.0;
    let saved = RwSignal::new(workflow.as_ref().map(|w| (w.id.clone(), w.version)));
    // Whether the saved version is on: saving it off cancels its unfinished runs, so that asks.
    let saved_on = StoredValue::new(workflow.as_ref().is_some_and(|w| w.is_active));
    let spec = RwSignal::new(workflow.as_ref().map_or_else(new_spec, spec_of));
    let catalog = StoredValue::new(catalog);
    let problems = Memo::new(move |_| {
        let body = body(&spec.read(), None);
        catalog
            .with_value(|c| workflow::check(&body, &c.catalog(), &mut || ActionId::from("new")).err())
            .unwrap_or_default()
    });
    let draft = Draft { spec, catalog, problems, tried: RwSignal::new(false), next_id: StoredValue::new(0) };
    let sa = StoredValue::new(sub_account);
    let busy = RwSignal::new(false);
    let refused = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);

    // What was last saved (or loaded): a difference from it is an unsaved change.
    let baseline = StoredValue::new(spec.get_untracked());
    let unsaved = move || spec.with_untracked(|now| baseline.with_value(|saved| now != saved));
    warn_before_leaving(unsaved);

    let save = move || {
        draft.tried.set(true);
        done.set(None);
        if !problems.with(Vec::is_empty) {
            refused.set(Some("Fix what is marked below, then save again.".to_owned()));
            return;
        }
        let switching_off = saved_on.get_value() && !spec.with_untracked(|s| s.is_active);
        if switching_off && !confirm(&switch_off_question(&spec.with_untracked(|s| s.name.clone()))) {
            return;
        }
        refused.set(None);
        busy.set(true);
        let (id, version) = saved.get_untracked().unzip();
        let text = body(&spec.get_untracked(), version).to_string();
        leptos::task::spawn_local(async move {
            let sa = sa.get_value();
            match save_workflow(sa.clone(), id.clone(), text).await {
                Ok(workflow) => {
                    baseline.set_value(spec_of(&workflow));
                    if id.is_none() {
                        spec.set(spec_of(&workflow));
                        go_to(&format!("/s/{sa}/workflows/{}", workflow.id));
                        return;
                    }
                    saved.set(Some((workflow.id.clone(), workflow.version)));
                    saved_on.set_value(workflow.is_active);
                    spec.set(spec_of(&workflow));
                    done.set(Some(if version == Some(workflow.version) {
                        format!("Nothing changed: still version {}.", workflow.version)
                    } else {
                        format!("Saved as version {}.", workflow.version)
                    }));
                }
                Err(AppError::InvalidWorkflow(found)) => {
                    let lines: Vec<String> = found.iter().map(Problem::to_string).collect();
                    refused.set(Some(format!("The server refused it: {}", lines.join(" "))));
                }
                Err(error) => refused.set(Some(error.to_string())),
            }
            busy.set(false);
        });
    };
    let delete = move |_| {
        let Some((id, _)) = saved.get_untracked() else { return };
        let name = spec.with_untracked(|s| s.name.clone());
        if !confirm(&format!(
            "Delete the workflow “{name}”? Its runs that have not finished are cancelled; its run history stays."
        )) {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let sa = sa.get_value();
            match crate::api::workflows::delete_workflow(sa.clone(), id).await {
                Ok(()) => {
                    // Deleted: nothing is left unsaved.
                    baseline.set_value(spec.get_untracked());
                    go_to(&format!("/s/{sa}/workflows"));
                }
                Err(error) => {
                    refused.set(Some(error.to_string()));
                    busy.set(false);
                }
            }
        });
    };
    // Ctrl/⌘+S saves, as in the template builder.
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if (ev.ctrl_key() || ev.meta_key()) && ev.key().eq_ignore_ascii_case("s") {
            ev.prevent_default();
            if !busy.get_untracked() {
                save();
            }
        }
    });
    on_cleanup(move || handle.remove());
    let count = move || match problems.with(Vec::len) {
        0 => "Ready to save.".to_owned(),
        1 => "1 thing to fix before saving.".to_owned(),
        n => format!("{n} things to fix before saving."),
    };
    let history = move || saved.get().map(|(id, _)| format!("/s/{}/workflows/{id}/runs", sa.get_value()));

    view! {
        <div class="workflow-editor">
            <div class="page-head">
                <h1>{move || saved.get().map_or("New workflow".to_owned(), |(_, v)| format!("Workflow · v{v}"))}</h1>
                <div class="head-actions">
                    {move || history().map(|href| view! { <a class="button" href=href>"Run history"</a> })}
                    {move || saved.get().is_some().then(|| view! {
                        <button type="button" class="button button-danger" disabled=move || busy.get() on:click=delete>"Delete"</button>
                    })}
                    <button type="button" class="button button-primary" data-testid="save-workflow" disabled=move || busy.get() on:click=move |_| save()>
                        "Save"
                    </button>
                </div>
            </div>
            <p class="muted" role="status" data-testid="problem-count">{count}</p>
            {move || refused.get().map(|text| view! { <div class="alert alert-error" role="alert">{text}</div> })}
            {move || done.get().map(|text| view! { <div class="alert alert-success" role="status">{text}</div> })}
            <TriggerSection draft/>
            <section class="card wf-section" aria-labelledby="wf-actions-title">
                <h2 id="wf-actions-title">"Then do this"</h2>
                <Sequence draft parent=None/>
            </section>
        </div>
    }
}

/// Problems for one place, in words, under it.
#[component]
pub(super) fn ProblemsAt(draft: Draft, path: String) -> impl IntoView {
    let path = StoredValue::new(path);
    move || {
        let found = path.with_value(|p| draft.problems_at(p));
        (!found.is_empty()).then(|| {
            view! { <ProblemList class="field-problems" problems=found/> }
        })
    }
}

#[component]
fn TriggerSection(draft: Draft) -> impl IntoView {
    let spec = draft.spec;
    let module = Memo::new(move |_| spec.with(|s| s.trigger_module));
    let initial = spec.get_untracked();
    // Which conditions the last change of records cleared, said beside the conditions.
    let cleared = RwSignal::new(None::<String>);
    let on_module = move |ev| {
        let Ok(chosen) = event_target_value(&ev).parse::<TriggerModule>() else { return };
        spec.update(|s| {
            // Another module's records have other fields: conditions on fields they share stay.
            let dropped = draft.catalog.with_value(|c| {
                let fields = |module| TriggerFields::new(module, &c.custom_fields, &c.answer_fields);
                s.trigger_filters.keep_for(&fields(s.trigger_module), &fields(chosen))
            });
            cleared.set((!dropped.is_empty()).then(|| cleared_conditions(&dropped, chosen)));
            s.trigger_module = chosen;
            if let Some(first) = EventType::of_trigger_module(chosen).next() {
                s.trigger_type = first;
            }
        });
    };
    let on_event = move |ev| {
        if let Ok(chosen) = event_target_value(&ev).parse::<EventType>() {
            spec.update(|s| s.trigger_type = chosen);
        }
    };
    view! {
        <section class="card wf-section" aria-labelledby="wf-trigger-title">
            <h2 id="wf-trigger-title">"When this happens"</h2>
            <div class="form-grid">
                <label for="wf-name">"Name"</label>
                <div>
                    <input dir="auto" id="wf-name" type="text" maxlength="200" value=initial.name.clone()
                        on:input=move |ev| spec.update(|s| s.name = event_target_value(&ev))/>
                    <ProblemsAt draft path="name".to_owned()/>
                </div>
                <label for="wf-description">"Description"</label>
                <div>
                    <textarea dir="auto" id="wf-description" rows="2" prop:value=initial.description.clone()
                        on:input=move |ev| spec.update(|s| s.description = event_target_value(&ev))></textarea>
                    <ProblemsAt draft path="description".to_owned()/>
                </div>
                <label for="wf-module">"Records"</label>
                <select id="wf-module" on:change=on_module>
                    {TriggerModule::ALL.into_iter().map(|m| view! {
                        <option value=m.as_str() selected=m == initial.trigger_module>{m.label()}</option>
                    }).collect_view()}
                </select>
                <label for="wf-event">"Event"</label>
                <div>
                    {move || {
                        let current = spec.with_untracked(|s| s.trigger_type);
                        view! {
                            <select id="wf-event" on:change=on_event>
                                {EventType::of_trigger_module(module.get()).map(|e| view! {
                                    <option value=e.as_str() selected=e == current>{e.label()}</option>
                                }).collect_view()}
                            </select>
                        }
                    }}
                    <ProblemsAt draft path="triggerType".to_owned()/>
                </div>
                <span></span>
                <label class="choice">
                    <input type="checkbox" id="wf-active" prop:checked=initial.is_active
                        on:change=move |ev| spec.update(|s| s.is_active = event_target_checked(&ev))/>
                    <span>"On: matching events start runs"</span>
                </label>
            </div>
            <fieldset class="rule-builder">
                <legend>"Only when (no conditions: every event)"</legend>
                // Rebuilt when the module changes: its fields are others.
                {move || {
                    module.track();
                    view! { <GroupEditor host=Filters { draft, at: None } path=Vec::new()/> }
                }}
                <ProblemsAt draft path="triggerFilters".to_owned()/>
                <p class="help" role="status" data-testid="conditions-cleared">{move || cleared.get()}</p>
            </fieldset>
        </section>
    }
}

/// What a change of records cleared: `Conditions on “Score” and “Stage” were cleared:
/// Contacts do not have those fields.`
fn cleared_conditions(fields: &[String], records: TriggerModule) -> String {
    let mut names: Vec<&str> = Vec::new();
    for field in fields {
        if !names.contains(&field.as_str()) {
            names.push(field);
        }
    }
    let (listed, those) = match names.as_slice() {
        [one] => (format!("“{one}”"), "that field"),
        [rest @ .., last] => {
            let rest: Vec<String> = rest.iter().map(|name| format!("“{name}”")).collect();
            (format!("{} and “{last}”", rest.join(", ")), "those fields")
        }
        [] => return String::new(),
    };
    let cleared = if fields.len() == 1 { "The condition on" } else { "Conditions on" };
    let verb = if fields.len() == 1 { "was" } else { "were" };
    format!("{cleared} {listed} {verb} cleared: {} do not have {those}.", records.label())
}

/// The rules a workflow's filters are made of: the trigger's, or a branch's (`at`).
#[derive(Clone, Copy)]
pub(super) struct Filters {
    pub draft: Draft,
    pub at: Option<StoredValue<ActionId>>,
}

impl Filters {
    /// The branch's conditions, read from its config.
    fn branch_group(action: Option<&Action>) -> Option<RuleGroup> {
        let conditions = action?.config.get("conditions")?.clone();
        serde_json::from_value::<TriggerFilters>(conditions).ok().map(|f| f.0)
    }
}

impl RuleHost for Filters {
    fn with_root<R>(&self, read: impl FnOnce(Option<&RuleGroup>) -> R) -> R {
        match self.at {
            None => self.draft.spec.with(|s| read(Some(&s.trigger_filters.0))),
            Some(id) => {
                let group = self.draft.with_action(&id.get_value(), Self::branch_group);
                read(Some(&group.unwrap_or_default()))
            }
        }
    }

    fn edit_root(&self, _what: Option<String>, change: impl FnOnce(&mut RuleGroup)) {
        match self.at {
            None => {
                // Changed outside the update: a change reads the draft (the fields).
                let mut group = self.draft.spec.with_untracked(|s| s.trigger_filters.0.clone());
                change(&mut group);
                self.draft.spec.update(|s| s.trigger_filters.0 = group);
            }
            Some(id) => {
                let id = id.get_value();
                let mut group = self.draft.with_action(&id, Self::branch_group).unwrap_or_default();
                change(&mut group);
                let conditions = serde_json::to_value(TriggerFilters(group)).unwrap_or(Value::Null);
                self.draft.set(&id, "conditions", conditions);
            }
        }
    }

    fn fields(&self) -> Vec<Field> {
        self.draft.fields().iter().map(workflow::TriggerField::as_rule_field).collect()
    }

    fn operators(&self, field: &Field) -> Vec<Operator> {
        let trigger = self.draft.spec.with_untracked(|s| s.trigger_type);
        let module = self.draft.spec.with_untracked(|s| s.trigger_module);
        self.draft.catalog.with_value(|c| {
            TriggerFields::new(module, &c.custom_fields, &c.answer_fields)
                .resolve(&field.key)
                .map(|f| f.operators(trigger))
                .unwrap_or_default()
        })
    }

    fn lead(&self) -> &'static str {
        if self.at.is_some() { "Take “then” when" } else { "Run when" }
    }

    fn id_prefix(&self) -> String {
        match self.at {
            None => "wf-filter-".to_owned(),
            Some(id) => format!("wf-{}-", id.get_value()),
        }
    }
}

/// The actions at one place — the top level, or one path of a branch — in order, and a way to
/// add one there.
#[component]
fn Sequence(draft: Draft, parent: Option<(ActionId, BranchPath)>) -> impl IntoView {
    let parent = StoredValue::new(parent);
    let shape = Memo::new(move |_| {
        draft.spec.with(|s| {
            parent.with_value(|parent| {
                workflow::sequence(&s.actions, parent.as_ref().map(|(id, path)| (id, *path)))
                    .iter()
                    .map(|a| (a.id.clone(), a.action_type))
                    .collect::<Vec<_>>()
            })
        })
    });
    let adding = RwSignal::new(ActionType::CreateTask);
    let add_id = parent.with_value(|p| match p {
        None => "wf-add".to_owned(),
        Some((id, path)) => format!("wf-add-{id}-{}", path_name(*path)),
    });
    // Said to screen readers when an action is added; the focus goes to its first box.
    let added = RwSignal::new(String::new());
    let add = move |_| {
        let action_type = adding.get_untracked();
        let id = draft.new_action_id();
        let step = shape.with_untracked(Vec::len) + 1;
        added.set(format!("Added “{}” as step {step} here.", action_type.label()));
        focus_first_in(&format!("wf-action-{id}"));
        let module = draft.spec.with_untracked(|s| s.trigger_module);
        let config = draft.catalog.with_value(|c| default_config(action_type, c, module));
        draft.spec.update(|s| {
            let (parent_id, branch) = parent.get_value().unzip();
            let sort_order = workflow::sequence(&s.actions, parent.get_value().as_ref().map(|(id, path)| (id, *path)))
                .last()
                .map_or(0, |a| a.sort_order + 1);
            s.actions.push(Action { id, action_type, config, sort_order, parent_id, branch });
        });
    };
    view! {
        <ol class="wf-actions">
            {move || {
                let rows = shape.get();
                let last = rows.len().saturating_sub(1);
                rows.into_iter()
                    .enumerate()
                    .map(|(i, (id, action_type))| view! { <ActionCard draft id action_type first=i == 0 last=i == last/> })
                    .collect_view()
            }}
        </ol>
        <div class="wf-add">
            <label for=add_id.clone() class="sr-only">"Action to add"</label>
            <select id=add_id on:change=move |ev| {
                if let Ok(chosen) = event_target_value(&ev).parse::<ActionType>() {
                    adding.set(chosen);
                }
            }>
                {ActionType::ALL.into_iter().map(|t| view! {
                    <option value=t.as_str() selected=t == ActionType::CreateTask>{t.label()}</option>
                }).collect_view()}
            </select>
            <button type="button" class="button button-small" on:click=add>"Add action"</button>
            <span class="sr-only" role="status">{move || added.get()}</span>
        </div>
    }
    .into_any()
}

fn path_name(path: BranchPath) -> &'static str {
    match path {
        BranchPath::Then => "then",
        BranchPath::Else => "else",
    }
}

/// Removes an action and everything inside it (a branch's paths).
fn remove_with_children(actions: &mut Vec<Action>, id: &ActionId) {
    let mut gone = vec![id.clone()];
    while let Some(next) =
        actions.iter().find(|a| a.parent_id.as_ref().is_some_and(|p| gone.contains(p)) && !gone.contains(&a.id))
    {
        gone.push(next.id.clone());
    }
    actions.retain(|a| !gone.contains(&a.id));
}

/// Swaps an action with its neighbour at the same place (`up`: the one before it).
fn swap_with_neighbour(actions: &mut [Action], id: &ActionId, up: bool) {
    let Some(action) = actions.iter().find(|a| a.id == *id) else { return };
    let place = action.parent_id.clone().zip(action.branch);
    let siblings: Vec<(ActionId, i64)> = workflow::sequence(actions, place.as_ref().map(|(id, path)| (id, *path)))
        .iter()
        .map(|a| (a.id.clone(), a.sort_order))
        .collect();
    let Some(at) = siblings.iter().position(|(sibling, _)| sibling == id) else { return };
    let other = if up { at.checked_sub(1) } else { Some(at + 1).filter(|&i| i < siblings.len()) };
    let Some(other) = other else { return };
    let (a, b) = (&siblings[at], &siblings[other]);
    for action in actions.iter_mut() {
        if action.id == a.0 {
            action.sort_order = b.1;
        } else if action.id == b.0 {
            action.sort_order = a.1;
        }
    }
}

#[component]
fn ActionCard(draft: Draft, id: ActionId, action_type: ActionType, first: bool, last: bool) -> impl IntoView {
    let id = StoredValue::new(id);
    let path = Memo::new(move |_| draft.action_path(&id.get_value()).unwrap_or_default());
    let remove = move |_| draft.spec.update(|s| remove_with_children(&mut s.actions, &id.get_value()));
    let up = move |_| draft.spec.update(|s| swap_with_neighbour(&mut s.actions, &id.get_value(), true));
    let down = move |_| draft.spec.update(|s| swap_with_neighbour(&mut s.actions, &id.get_value(), false));
    // The action's own problems (its type, place, order); each setting shows its own.
    let own = move || {
        let path = path.get();
        let found: Vec<String> = if draft.tried.get() {
            draft.problems.with(|problems| {
                problems
                    .iter()
                    .filter(|p| {
                        p.path
                            .strip_prefix(&path)
                            .is_some_and(|rest| rest.starts_with('.') && !rest.starts_with(".config."))
                    })
                    .map(|p| p.message.clone())
                    .collect()
            })
        } else {
            Vec::new()
        };
        (!found.is_empty()).then(|| view! { <ProblemList class="field-problems" problems=found/> })
    };
    let label = action_type.label();
    let branch = (action_type == ActionType::Branch).then(|| {
        let at = id.get_value();
        view! {
            <fieldset class="rule-builder">
                <legend>"Condition"</legend>
                <GroupEditor host=Filters { draft, at: Some(id) } path=Vec::new()/>
                {move || view! { <ProblemsAt draft path=format!("{}.config.conditions", path.get())/> }}
            </fieldset>
            <div class="wf-paths">
                <div class="wf-path" data-path="then">
                    <h3>"Then"</h3>
                    <Sequence draft parent=Some((at.clone(), BranchPath::Then))/>
                </div>
                <div class="wf-path" data-path="else">
                    <h3>"Else"</h3>
                    <Sequence draft parent=Some((at, BranchPath::Else))/>
                </div>
            </div>
        }
    });
    view! {
        <li class="wf-action card" id=format!("wf-action-{}", id.get_value()) data-action=action_type.as_str()>
            <div class="wf-action-head">
                <strong>{label}</strong>
                <code class="muted">{action_type.as_str()}</code>
                <span class="wf-action-tools">
                    <button type="button" class="icon-button" aria-label=format!("Move “{label}” up") disabled=first on:click=up>"↑"</button>
                    <button type="button" class="icon-button" aria-label=format!("Move “{label}” down") disabled=last on:click=down>"↓"</button>
                    <button type="button" class="icon-button danger" aria-label=format!("Remove “{label}”") on:click=remove>"✕"</button>
                </span>
            </div>
            {own}
            <ActionSettings draft id=id.get_value() action_type/>
            {branch}
        </li>
    }
    .into_any()
}
