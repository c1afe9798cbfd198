//! Settings: the sub-account's triggers and what their forms write back. The choices offered
//! already respect the rules the server enforces — only type-compatible custom fields, and a
//! pipeline move only to another stage of the trigger's own pipeline.

use leptos::prelude::*;
use leptos_meta::Title;
use std::collections::BTreeMap;

use super::api_keys::ApiKeys;
use super::common::{ErrorPage, Loading, confirm, plain_form_error, sub_account_id};
use super::island_data::IslandData;
use super::layout::is_admin;
use super::messaging::MessagingSettings;
use super::toast::{Tone, use_toasts};
use crate::api::AppError;
use crate::api::messaging::RefusedMessaging;
use crate::api::settings::load_settings;
use crate::api::triggers::{add_trigger, remove_trigger};
use crate::api::types::{FormatOrigin, SettingsData, TemplateChoice, TriggerView};
use crate::model::trigger::{FieldMapping, TaskWriteback, default_task_title};
use crate::model::{
    CrmField, Currency, EventType, Field, Locale, NumberFormat, Stage, SubAccountId, TriggerConfig, TriggerEvent,
    Writebacks,
};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let sa = sub_account_id();
    let admin = is_admin();
    let settings = OnceResource::new(load_settings(sa.get_untracked()));

    // The number format's form that came back refused says so at the top, where the reloaded
    // page opens; the messaging forms come back as typed, each in its section.
    let refused = plain_form_error("/api/settings/number-format")
        .map(|error| format!("The number format was not saved. {error}"));
    let refused_messaging = StoredValue::new(use_context::<RefusedMessaging>());
    let saved = StoredValue::new(leptos_router::hooks::use_query_map().read_untracked().get("saved"));
    view! {
        <Title text="Settings"/>
        <div class="page-head">
            <h1>"Settings"</h1>
        </div>
        {refused.map(|message| view! {
            <div class="alert alert-error" role="alert" data-testid="settings-refused">{message}</div>
        })}
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(mut data) => {
                        let (format, origin) = (data.number_format, data.number_format_origin.clone());
                        let crm_source = data.crm_source.clone();
                        // The keys go to their own island, not into the triggers' props too.
                        let keys = IslandData(std::mem::take(&mut data.api_keys));
                        let messaging = data.messaging.take();
                        view! {
                            {crm_source.clone().map(|source| view! {
                                <CrmSource source sub_account=sa.get_untracked() admin/>
                            })}
                            <TriggerSettings sub_account=sa.get_untracked() data=IslandData(data) admin/>
                            <NumberFormatSettings sub_account=sa.get_untracked() format origin crm=crm_source admin/>
                            {messaging.map(|view| view! {
                                <MessagingSettings sub_account=sa.get_untracked() view refused=refused_messaging.get_value() saved=saved.get_value()/>
                            })}
                            {admin.then(|| view! { <ApiKeys sub_account=sa.get_untracked() keys/> })}
                        }
                        .into_any()
                    }
                    Err(error) => view! { <ErrorPage error back=format!("/s/{}/inbox", sa.get_untracked()) back_label="← Inbox"/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Where the pipelines and custom fields come from, with a refresh for admins. The refresh is
/// a plain form post (the server function sends the browser back here), so the page reloads
/// with what the CRM has now and the client carries no code for it.
#[component]
fn CrmSource(source: String, sub_account: SubAccountId, admin: bool) -> impl IntoView {
    view! {
        <div class="crm-source" data-testid="crm-source">
            <p class="muted">
                {format!("Pipelines, stages and custom fields are read from {source} and kept for 5 minutes.")}
            </p>
            {admin.then(|| view! {
                <form method="post" action="/api/settings/refresh-crm">
                    <input type="hidden" name="sub_account" value=sub_account.into_string()/>
                    <button type="submit" class="button button-small">{format!("Refresh from {source}")}</button>
                </form>
            })}
        </div>
    }
}

/// How the sub-account writes numbers and money, with an example, and for admins the form that
/// changes it: a plain form post, so the page reloads with the new format and the client
/// carries no code for it.
#[component]
fn NumberFormatSettings(
    sub_account: SubAccountId,
    format: NumberFormat,
    origin: FormatOrigin,
    crm: Option<String>,
    admin: bool,
) -> impl IntoView {
    let source = match origin {
        FormatOrigin::Chosen => "Chosen by an admin.".to_owned(),
        FormatOrigin::Country(country) => format!(
            "Set from the {} location's country ({country}) until an admin chooses.",
            crm.as_deref().unwrap_or("CRM")
        ),
        FormatOrigin::Default => "The default, until an admin chooses.".to_owned(),
    };
    let example = format!(
        "Staff type numbers like {} and amounts like {}; the Completed view and the CRM note write them the same way.",
        format.number(1234.5),
        format.money(125_050)
    );
    view! {
        <section class="card settings-section" aria-labelledby="numbers-heading" data-testid="number-format">
            <h2 id="numbers-heading">"Numbers and money"</h2>
            <p data-testid="number-format-example">{example}</p>
            <p class="muted">{source}</p>
            {admin.then(|| view! {
                <form method="post" action="/api/settings/number-format">
                    <input type="hidden" name="sub_account" value=sub_account.into_string()/>
                    <div class="field-row">
                        <div class="field">
                            <label for="number-locale">"Region"</label>
                            <select id="number-locale" name="locale">
                                {Locale::ALL.map(|locale| {
                                    let shown = NumberFormat { locale, currency: format.currency };
                                    view! {
                                        <option value=locale.as_str() selected=locale == format.locale>
                                            {format!("{} — {}", locale.label(), shown.number(1234.5))}
                                        </option>
                                    }
                                }).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="number-currency">"Currency"</label>
                            <select id="number-currency" name="currency">
                                {Currency::ALL.map(|currency| view! {
                                    <option value=currency.as_str() selected=currency == format.currency>
                                        {format!("{} ({})", currency.label(), currency.as_str())}
                                    </option>
                                }).collect_view()}
                            </select>
                        </div>
                    </div>
                    <p class="help">"Forms already submitted keep their notes; new answers are read and written this way."</p>
                    <button type="submit" class="button">"Save number format"</button>
                </form>
            })}
        </section>
    }
}

/// The triggers and, for admins, the form that adds one. Keeps its list current itself: an
/// added trigger is appended as the server answered it, a removed one dropped.
#[island]
fn TriggerSettings(sub_account: SubAccountId, data: IslandData<SettingsData>, admin: bool) -> impl IntoView {
    let IslandData(data) = data;
    // Reactive state holds ids as the strings the page has (one copy of the reactive code for
    // every island); they become typed ids where a server function is called.
    let sa = StoredValue::new(sub_account.into_string());
    let toasts = use_toasts();
    let triggers = RwSignal::new(data.triggers.clone());
    let add = Action::new(move |config: &TriggerConfig| add_trigger(sa.get_value().into(), config.clone()));
    let remove = Action::new(move |id: &String| {
        let id = id.clone();
        async move { remove_trigger(sa.get_value().into(), id.as_str().into()).await.map(|()| id) }
    });
    let problems = RwSignal::new(Vec::<String>::new());
    // Bumped after each trigger added: the form starts over, so the same trigger is not added
    // twice by a second click (the server refuses an identical one anyway).
    let added = RwSignal::new(0_u32);
    Effect::new(move |_| match add.value().get() {
        Some(Ok(trigger)) => {
            problems.set(Vec::new());
            toasts.show(
                Tone::Success,
                "Trigger added",
                vec![(Tone::Info, trigger.event_label.clone()), (Tone::Info, "The form below starts over.".to_owned())],
            );
            triggers.update(|list| list.push(trigger));
            added.update(|n| *n += 1);
        }
        Some(Err(AppError::InvalidTrigger(found))) => problems.set(found.iter().map(ToString::to_string).collect()),
        Some(Err(error)) => problems.set(vec![error.to_string()]),
        None => {}
    });
    Effect::new(move |_| match remove.value().get() {
        Some(Ok(id)) => {
            triggers.update(|list| list.retain(|t| *t.id != *id));
            toasts.show(
                Tone::Success,
                "Trigger removed",
                vec![(Tone::Info, "Pending forms it created stay in the inbox until completed.".to_owned())],
            )
        }
        Some(Err(error)) => {
            toasts.show(Tone::Error, "The trigger was not removed", vec![(Tone::Error, error.to_string())])
        }
        None => {}
    });
    let on_remove = Callback::new(move |id: String| {
        if confirm("Remove this trigger? Pending forms it created stay until they are completed.") {
            remove.dispatch(id);
        }
    });

    view! {
        <section aria-labelledby="triggers-heading">
            <h2 id="triggers-heading">"Triggers"</h2>
            {move || view! { <TriggerList triggers=triggers.get() admin on_remove/> }}
        </section>
        {admin.then(|| view! { <AddTrigger data add problems added=added.read_only()/> })}
    }
}

#[component]
fn TriggerList(triggers: Vec<TriggerView>, admin: bool, on_remove: Callback<String>) -> impl IntoView {
    if triggers.is_empty() {
        return view! {
            <p class="empty">"No triggers yet. Add one below to create forms when a CRM event happens."</p>
        }
        .into_any();
    }
    view! {
        <ul class="trigger-list" data-testid="triggers">
            {triggers
                .into_iter()
                .map(|trigger| {
                    let mut writebacks = Vec::new();
                    if trigger.writebacks.note {
                        writebacks.push("Contact note".to_owned());
                    }
                    match trigger.writebacks.custom_fields.len() {
                        0 => {}
                        1 => writebacks.push("1 custom field".to_owned()),
                        n => writebacks.push(format!("{n} custom fields")),
                    }
                    if let Some(task) = &trigger.writebacks.task {
                        writebacks.push(format!("Task “{}”", task.title_for(&trigger.template_name)));
                    }
                    if let Some(stage) = &trigger.move_to_label {
                        writebacks.push(format!("Move to {stage}"));
                    }
                    let summary = if writebacks.is_empty() { "No writebacks".to_owned() } else { writebacks.join(" · ") };
                    let id = trigger.id.to_string();
                    view! {
                        <li class="card trigger">
                            <div>
                                <p class="trigger-event">{trigger.event_label.clone()}</p>
                                <p>"Creates " <strong>{trigger.template_name.clone()}</strong></p>
                                <p class="muted">{summary}</p>
                            </div>
                            {admin.then(|| view! {
                                <button
                                    class="button button-small button-danger"
                                    aria-label=format!("Remove trigger {}", trigger.event_label)
                                    on:click=move |_| on_remove.run(id.clone())
                                >
                                    "Remove"
                                </button>
                            })}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// What the add-a-trigger form holds: exactly what Add will save.
#[derive(Clone, Copy)]
struct TriggerDraft {
    kind: RwSignal<EventType>,
    pipeline: RwSignal<String>,
    stage: RwSignal<String>,
    template: RwSignal<String>,
    note: RwSignal<bool>,
    mappings: RwSignal<BTreeMap<String, String>>,
    /// What a switch of template did to the mappings, in words.
    mapping_note: RwSignal<Option<String>>,
    task: RwSignal<bool>,
    task_title: RwSignal<String>,
    move_to: RwSignal<String>,
}

impl TriggerDraft {
    /// Built with its first values rather than set after: an island must not write signals
    /// while it hydrates.
    fn new(data: StoredValue<SettingsData>) -> Self {
        let (pipeline, stage, template) = Self::first_choices(data);
        Self {
            kind: RwSignal::new(EventType::StageChanged),
            pipeline: RwSignal::new(pipeline),
            stage: RwSignal::new(stage),
            template: RwSignal::new(template),
            note: RwSignal::new(true),
            mappings: RwSignal::new(BTreeMap::new()),
            mapping_note: RwSignal::new(None),
            task: RwSignal::new(false),
            task_title: RwSignal::new(String::new()),
            move_to: RwSignal::new(String::new()),
        }
    }

    /// The first pipeline, its first stage and the first template.
    fn first_choices(data: StoredValue<SettingsData>) -> (String, String, String) {
        data.with_value(|d| {
            let pipeline = d.pipelines.first();
            (
                pipeline.map(|p| p.id.clone()).unwrap_or_default(),
                pipeline.and_then(|p| p.stages.first()).map(|s| s.id.clone()).unwrap_or_default(),
                d.templates.first().map(|t| t.id.to_string()).unwrap_or_default(),
            )
        })
    }

    /// The form as it first showed: the first choices, a note, nothing else.
    fn start_over(self, data: StoredValue<SettingsData>) {
        let (pipeline, stage, template) = Self::first_choices(data);
        self.kind.set(EventType::StageChanged);
        self.pipeline.set(pipeline);
        self.stage.set(stage);
        self.template.set(template);
        self.note.set(true);
        self.mappings.set(BTreeMap::new());
        self.mapping_note.set(None);
        self.task.set(false);
        self.task_title.set(String::new());
        self.move_to.set(String::new());
    }

    fn is_stage(self) -> bool {
        self.kind.get() == EventType::StageChanged
    }

    /// The trigger Add saves.
    fn config(self) -> TriggerConfig {
        let is_stage = self.kind.get_untracked() == EventType::StageChanged;
        let event = if is_stage {
            TriggerEvent::StageChanged {
                pipeline_id: self.pipeline.get_untracked(),
                stage_id: self.stage.get_untracked(),
            }
        } else {
            TriggerEvent::CallCompleted
        };
        let task_title = Some(self.task_title.get_untracked()).filter(|t| !t.trim().is_empty());
        let writebacks = Writebacks {
            note: self.note.get_untracked(),
            custom_fields: self
                .mappings
                .get_untracked()
                .into_iter()
                .filter(|(_, crm)| !crm.is_empty())
                .map(|(form_field, crm_field_id)| FieldMapping { form_field, crm_field_id })
                .collect(),
            task: self.task.get_untracked().then_some(TaskWriteback { title: task_title }),
            move_to_stage: Some(self.move_to.get_untracked()).filter(|s| is_stage && !s.is_empty()),
        };
        TriggerConfig { event, template_id: self.template.get_untracked().into(), writebacks }
    }
}

#[component]
fn AddTrigger(
    data: SettingsData,
    add: Action<TriggerConfig, Result<TriggerView, AppError>>,
    problems: RwSignal<Vec<String>>,
    added: ReadSignal<u32>,
) -> impl IntoView {
    let data = StoredValue::new(data);
    let draft = TriggerDraft::new(data);
    let TriggerDraft { kind, pipeline, stage, template, note, mappings, mapping_note, task, task_title, move_to } =
        draft;
    let is_stage = move || draft.is_stage();
    // After each trigger added the form starts over, so the same trigger is not added twice by a
    // second click.
    Effect::new(move |seen: Option<u32>| {
        let count = added.get();
        if seen.is_some_and(|seen| seen != count) {
            draft.start_over(data);
        }
        count
    });

    let stages = move || {
        data.with_value(|d| {
            d.pipelines.iter().find(|p| p.id == pipeline.get()).map(|p| p.stages.clone()).unwrap_or_default()
        })
    };
    let chosen_template = move || data.with_value(|d| d.templates.iter().find(|t| *t.id == template.get()).cloned());

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        add.dispatch(draft.config());
    };

    view! {
        <section class="card settings-section" aria-labelledby="add-trigger-heading">
            <h2 id="add-trigger-heading">"Add a trigger"</h2>
            <form on:submit=on_submit class="trigger-form" novalidate>
                <div class="field-row">
                    <div class="field">
                        <label for="trigger-kind">"When"</label>
                        <select
                            id="trigger-kind"
                            on:change=move |ev| {
                                if let Ok(chosen) = event_target_value(&ev).parse() {
                                    kind.set(chosen);
                                }
                            }
                        >
                            {EventType::FORM_TRIGGERS.map(|event_type| view! {
                                <option value=event_type.as_str() selected=move || kind.get() == event_type>
                                    {event_type.label()}
                                </option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="trigger-template">"Create a form from"</label>
                        <select id="trigger-template" on:change=move |ev| {
                            template.set(event_target_value(&ev));
                            let next = chosen_template().map(|t| t.fields).unwrap_or_default();
                            mapping_note.set(data.with_value(|d| carry_over(mappings, &next, &d.crm_fields)));
                        }>
                            {data
                                .with_value(|d| d.templates.clone())
                                .into_iter()
                                .map(|t| {
                                    let id = t.id.clone();
                                    view! { <option value=t.id.into_string() selected=move || template.get() == *id>{t.name}</option> }
                                })
                                .collect_view()}
                        </select>
                    </div>
                </div>
                <Show when=is_stage>
                    <PipelineStage data pipeline stage move_to stages=Signal::derive(stages)/>
                </Show>
                <fieldset class="writebacks-config">
                    <legend>"When the form is submitted"</legend>
                    <label class="choice">
                        <input type="checkbox" id="wb-note" prop:checked=move || note.get() on:change=move |ev| note.set(event_target_checked(&ev))/>
                        <span>"Add the answers as a note on the contact"</span>
                    </label>
                    <CustomFieldMappings data template=Signal::derive(chosen_template) mappings note=mapping_note/>
                    <TaskSetting task task_title template_name=Signal::derive(move || chosen_template().map(|t| t.name).unwrap_or_default())/>
                    <MoveSetting is_stage=Signal::derive(is_stage) stages=Signal::derive(stages) stage move_to/>
                </fieldset>
                <Show when=move || !problems.with(Vec::is_empty)>
                    <div class="alert alert-error" role="alert">
                        <ul>{move || problems.get().into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
                    </div>
                </Show>
                <button type="submit" class="button button-primary" disabled=move || add.pending().get()>"Add trigger"</button>
            </form>
        </section>
    }
}

/// Which pipeline and stage a stage trigger listens for; a new pipeline starts at its first stage
/// and forgets the stage move (a move stays inside the trigger's pipeline).
#[component]
fn PipelineStage(
    data: StoredValue<SettingsData>,
    pipeline: RwSignal<String>,
    stage: RwSignal<String>,
    move_to: RwSignal<String>,
    stages: Signal<Vec<Stage>>,
) -> impl IntoView {
    view! {
        <div class="field-row">
            <div class="field">
                <label for="trigger-pipeline">"Pipeline"</label>
                <select id="trigger-pipeline" on:change=move |ev| {
                    pipeline.set(event_target_value(&ev));
                    stage.set(stages.with(|s| s.first().map(|s| s.id.clone())).unwrap_or_default());
                    move_to.set(String::new());
                }>
                    {data
                        .with_value(|d| d.pipelines.clone())
                        .into_iter()
                        .map(|p| {
                            let id = p.id.clone();
                            view! { <option value=p.id selected=move || pipeline.get() == id>{p.name}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="trigger-stage">"Stage"</label>
                <select id="trigger-stage" on:change=move |ev| stage.set(event_target_value(&ev))>
                    {move || stages
                        .get()
                        .into_iter()
                        .map(|s| {
                            let id = s.id.clone();
                            view! { <option value=s.id selected=move || stage.get() == id>{s.name}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
        </div>
    }
}

/// Keeps, after a switch of template, the mappings of fields the new template has too (same key,
/// still fitting their custom field) and drops the rest; says what happened, so what the screen
/// shows is what will be saved.
fn carry_over(
    mappings: RwSignal<BTreeMap<String, String>>,
    fields: &[Field],
    crm_fields: &[CrmField],
) -> Option<String> {
    let before = mappings.with_untracked(|m| m.values().filter(|crm| !crm.is_empty()).count());
    mappings.update(|m| {
        m.retain(|key, crm_id| {
            let field = fields.iter().find(|f| &f.key == key);
            let crm_field = crm_fields.iter().find(|c| &c.id == crm_id);
            field.zip(crm_field).is_some_and(|(field, crm_field)| crm_field.fits(field))
        })
    });
    let kept = mappings.with_untracked(|m| m.values().filter(|crm| !crm.is_empty()).count());
    match (before, kept) {
        (0, _) => None,
        (_, 0) => Some("The custom field mappings were cleared: the new template has none of those fields.".to_owned()),
        (before, kept) if before == kept => {
            Some("The custom field mappings were kept: the new template has the same fields.".to_owned())
        }
        (before, kept) => Some(format!(
            "{kept} of {before} custom field mappings were kept (fields both templates have); the others were cleared."
        )),
    }
}

#[component]
fn CustomFieldMappings(
    data: StoredValue<SettingsData>,
    template: Signal<Option<TemplateChoice>>,
    mappings: RwSignal<BTreeMap<String, String>>,
    note: RwSignal<Option<String>>,
) -> impl IntoView {
    let rows = move || {
        let fields = template.get().map(|t| t.fields).unwrap_or_default();
        fields
            .into_iter()
            .filter(|field| field.kind.takes_answer())
            .map(|field| {
                let compatible: Vec<CrmField> =
                    data.with_value(|d| d.crm_fields.iter().filter(|c| c.fits(&field)).cloned().collect());
                let key = field.key.clone();
                let mapped = {
                    let key = key.clone();
                    move || mappings.with(|m| m.get(&key).cloned().unwrap_or_default())
                };
                let select_id = format!("map-{}", field.key);
                view! {
                    <div class="mapping-row">
                        <label for=select_id.clone()>
                            {field.label.clone()}
                            <span class="muted">{format!(" ({})", field.kind.label())}</span>
                        </label>
                        <select id=select_id on:change=move |ev| {
                            let value = event_target_value(&ev);
                            mappings.update(|m| {
                                m.insert(key.clone(), value);
                            });
                        }>
                            <option value="" selected={
                                let mapped = mapped.clone();
                                move || mapped().is_empty()
                            }>"Don't write"</option>
                            {compatible
                                .into_iter()
                                .map(|c| {
                                    let (id, mapped) = (c.id.clone(), mapped.clone());
                                    view! {
                                        <option value=c.id selected=move || mapped() == id>
                                            {format!("{} ({})", c.name, c.data_type.label())}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    </div>
                }
                .into_any()
            })
            .collect_view()
    };
    view! {
        <div class="mapping">
            <p class="mapping-title">"Write answers to custom fields"</p>
            <div class="mapping-rows">{rows}</div>
            <p class="hint" role="status" data-testid="mapping-note">{move || note.get()}</p>
            <p class="hint">"Only custom fields that take every answer the form field can give (its type, and each of its options) are offered."</p>
        </div>
    }
    .into_any()
}

#[component]
fn TaskSetting(task: RwSignal<bool>, task_title: RwSignal<String>, template_name: Signal<String>) -> impl IntoView {
    view! {
        <label class="choice">
            <input type="checkbox" id="wb-task" prop:checked=move || task.get() on:change=move |ev| task.set(event_target_checked(&ev))/>
            <span>"Create a follow-up task due the next day"</span>
        </label>
        <Show when=move || task.get()>
            <div class="field indent">
                <label for="wb-task-title">"Task title"</label>
                <input
                    dir="auto"
                    id="wb-task-title"
                    type="text"
                    maxlength="200"
                    placeholder=move || default_task_title(&template_name.get())
                    prop:value=move || task_title.get()
                    on:input=move |ev| task_title.set(event_target_value(&ev))
                />
            </div>
        </Show>
    }
    .into_any()
}

#[component]
fn MoveSetting(
    is_stage: Signal<bool>,
    stages: Signal<Vec<Stage>>,
    stage: RwSignal<String>,
    move_to: RwSignal<String>,
) -> impl IntoView {
    view! {
        <Show
            when=move || is_stage.get()
            fallback=|| view! { <p class="hint">"A pipeline move needs an opportunity, so it is only available for pipeline stage triggers."</p> }
        >
            <div class="field">
                <label for="wb-move">"Then move the opportunity to"</label>
                <select id="wb-move" on:change=move |ev| move_to.set(event_target_value(&ev))>
                    <option value="" selected=move || move_to.get().is_empty()>"Don't move it"</option>
                    {move || stages
                        .get()
                        .into_iter()
                        .filter(|s| s.id != stage.get())
                        .map(|s| {
                            let id = s.id.clone();
                            view! { <option value=s.id selected=move || move_to.get() == id>{s.name}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
        </Show>
    }
    .into_any()
}
