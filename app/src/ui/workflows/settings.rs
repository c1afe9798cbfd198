//! Each action's settings as a form: which settings an action has, and the input each takes —
//! text that may hold `{{trigger.…}}`, a user, the record's fields, a pipeline's stages, a
//! delay. An input writes the setting as the API spells it; the model's check says what is
//! wrong with it. Text boxes keep what was typed: they are written from, never rewritten.

use leptos::prelude::*;
use serde_json::{Map, Value, json};

use super::editor::{Draft, ProblemsAt};
use crate::model::locale::NumberFormat;
use crate::model::record::{PROJECT_STATUSES, RecordFieldKind, choice_label};
use crate::model::workflow::actions::{HTTP_METHODS, owner_field};
use crate::model::workflow::{ActionType, CatalogData, TriggerField};
use crate::model::{ActionId, FieldKind, TriggerModule};

/// What kind of input a setting takes.
#[derive(Clone, Copy, PartialEq)]
enum Input {
    Text,
    LongText,
    Whole,
    Money,
    Choice(&'static [&'static str]),
    User,
    Users,
    /// "owner" or a user; empty leaves it unset.
    Person,
    /// Several of "owner" and the users.
    People,
    /// `{amount, unit}`.
    Delay,
    /// A list of texts, separated by commas.
    Tags,
    /// One of the trigger record's fields.
    Field,
    /// A value for the field chosen in `field`.
    FieldValue,
    Pipeline,
    /// A stage of the pipeline chosen in `pipelineId`.
    Stage,
    Template,
    /// `Name: value` lines.
    Headers,
    /// A JSON value, or a JSON text with placeholders.
    Json,
}

struct Setting {
    key: &'static str,
    label: &'static str,
    input: Input,
    /// Shown only while another setting has this value.
    when: Option<(&'static str, &'static str)>,
}

const fn setting(key: &'static str, label: &'static str, input: Input) -> Setting {
    Setting { key, label, input, when: None }
}

const DELAY_UNITS: &[&str] = &["minutes", "hours", "days"];

fn settings(action_type: ActionType) -> Vec<Setting> {
    use Input::*;
    match action_type {
        ActionType::AssignOwner => vec![
            setting("algorithm", "How", Choice(&["round_robin", "fixed"])),
            Setting { when: Some(("algorithm", "round_robin")), ..setting("userIds", "In turn among", Users) },
            Setting { when: Some(("algorithm", "fixed")), ..setting("userId", "Owner", User) },
        ],
        ActionType::CreateTask => vec![
            setting("title", "Title", Text),
            setting("body", "Details", LongText),
            setting("dueIn", "Due in", Delay),
            setting("assignedTo", "Assigned to", Person),
        ],
        ActionType::UpdateField => vec![setting("field", "Field", Field), setting("value", "New value", FieldValue)],
        ActionType::AddTag => vec![setting("tags", "Tags", Tags)],
        ActionType::SendNotification => vec![
            setting("recipients", "To", People),
            setting("title", "Title", Text),
            setting("message", "Message", LongText),
        ],
        ActionType::SendEmail => vec![
            setting("to", "To", Text),
            setting("subject", "Subject", Text),
            setting("body", "Body", LongText),
            setting("format", "Format", Choice(&["text", "html"])),
        ],
        ActionType::SendSms | ActionType::SendWhatsapp => {
            vec![setting("to", "To (phone number)", Text), setting("message", "Message", LongText)]
        }
        ActionType::Webhook => vec![
            setting("method", "Method", Choice(HTTP_METHODS)),
            setting("url", "URL", Text),
            setting("headers", "Headers", Headers),
            setting("body", "JSON body", Json),
            setting("timeoutMs", "Timeout (ms)", Whole),
        ],
        ActionType::Wait => vec![setting("amount", "Wait", Whole), setting("unit", "Unit", Choice(DELAY_UNITS))],
        // A branch's conditions have the rule builder (see the editor).
        ActionType::Branch => Vec::new(),
        ActionType::CreateOpportunity => vec![
            setting("pipelineId", "Pipeline", Pipeline),
            setting("stageId", "Stage", Stage),
            setting("name", "Name", Text),
            setting("monetaryValue", "Value", Money),
        ],
        ActionType::CreateProject => vec![
            setting("name", "Name", Text),
            setting("description", "Description", LongText),
            setting("status", "Status", Choice(PROJECT_STATUSES)),
        ],
        ActionType::CreateForm => vec![setting("templateId", "Template", Template)],
    }
}

/// A new action's settings: a start that needs little more.
/// A new action's settings: valid where a value can be chosen for the admin (a name that only
/// names fields the trigger's records have), visibly incomplete where it cannot.
pub(super) fn default_config(action_type: ActionType, catalog: &CatalogData, module: TriggerModule) -> Value {
    let first_pipeline = catalog.pipelines.first();
    // "The record's owner", where the records have one.
    let owner: Vec<&str> = owner_field(module.record_module()).map(|_| "owner").into_iter().collect();
    match action_type {
        ActionType::AssignOwner => json!({ "algorithm": "round_robin", "userIds": [] }),
        ActionType::CreateTask => {
            let mut task = json!({ "title": "", "dueIn": { "amount": 1, "unit": "days" } });
            if let Some(owner) = owner.first() {
                task["assignedTo"] = json!(owner);
            }
            task
        }
        ActionType::UpdateField => json!({}),
        ActionType::AddTag => json!({ "tags": [] }),
        ActionType::SendNotification => json!({ "recipients": owner, "title": "", "message": "" }),
        ActionType::SendEmail => json!({ "to": "", "subject": "", "body": "", "format": "text" }),
        ActionType::SendSms | ActionType::SendWhatsapp => json!({ "to": "", "message": "" }),
        ActionType::Webhook => json!({ "method": "POST", "url": "", "timeoutMs": 10_000 }),
        ActionType::Wait => json!({ "amount": 1, "unit": "hours" }),
        ActionType::Branch => json!({ "conditions": { "logic": "AND", "conditions": [] } }),
        ActionType::CreateOpportunity => json!({
            "pipelineId": first_pipeline.map(|p| p.id.clone()),
            "stageId": first_pipeline.and_then(|p| p.stages.first()).map(|s| s.id.clone()),
            "name": module.name_tag(),
        }),
        ActionType::CreateProject => json!({ "name": module.name_tag(), "status": PROJECT_STATUSES[0] }),
        ActionType::CreateForm => json!({ "templateId": catalog.templates.first() }),
    }
}

/// The settings form of one action.
#[component]
pub(super) fn ActionSettings(draft: Draft, id: ActionId, action_type: ActionType) -> impl IntoView {
    let id = StoredValue::new(id);
    settings(action_type)
        .into_iter()
        .map(|setting| {
            let dom_id = format!("wf-{}-{}", id.get_value(), setting.key);
            let path = move || draft.action_path(&id.get_value()).map(|p| format!("{p}.config.{}", setting.key));
            let shown = move || setting.when.is_none_or(|(key, value)| draft.setting(&id.get_value(), key) == value);
            let input = input_view(draft, id, setting.key, setting.input, dom_id.clone());
            view! {
                <div class="wf-setting" hidden=move || !shown()>
                    <label for=dom_id>{setting.label}</label>
                    <div>
                        {input}
                        {move || path().map(|path| view! { <ProblemsAt draft path/> })}
                    </div>
                </div>
            }
        })
        .collect_view()
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A stored number as the sub-account writes it (`1450,5` in Germany); anything else as it is.
fn number_text(format: &NumberFormat, value: &Value) -> String {
    match value.as_f64() {
        Some(number) => format.number(number),
        None => text_of(value),
    }
}

/// A number typed the sub-account's way, read by the model's parser (`1.450` is one thousand
/// four hundred fifty in Germany; an amount takes at most two decimals), as the JSON number it
/// is — or the text as typed when it is none, which the check then names.
fn typed_number(format: &NumberFormat, typed: &str, money: bool) -> Value {
    let trimmed = typed.trim();
    let read = if money {
        format.parse_money(trimmed).map(|cents| cents as f64 / 100.0)
    } else {
        format.parse_number(trimmed)
    };
    let number = read.and_then(|number| {
        if number.fract() == 0.0 && number.abs() < 1e15 {
            Some(serde_json::Number::from(number as i64))
        } else {
            serde_json::Number::from_f64(number)
        }
    });
    number.map_or_else(|| Value::String(typed.to_owned()), Value::Number)
}

fn input_view(draft: Draft, id: StoredValue<ActionId>, key: &'static str, input: Input, dom_id: String) -> AnyView {
    let current = move || draft.setting(&id.get_value(), key);
    let initial = current_untracked(draft, id, key);
    let set = move |value: Value| draft.set(&id.get_value(), key, value);
    match input {
        Input::Text => view! {
            <input dir="auto" id=dom_id type="text" value=text_of(&initial) on:input=move |ev| set(Value::String(event_target_value(&ev)))/>
        }
        .into_any(),
        Input::LongText => view! {
            <textarea dir="auto" id=dom_id rows="3" prop:value=text_of(&initial) on:input=move |ev| set(Value::String(event_target_value(&ev)))></textarea>
        }
        .into_any(),
        // A number as the sub-account writes it: what is not one is sent as typed, and the
        // check says so.
        Input::Whole | Input::Money => {
            let format = draft.catalog.with_value(|c| c.number_format);
            view! {
                <input dir="auto" id=dom_id type="text" inputmode="decimal" value=number_text(&format, &initial) on:input=move |ev| {
                    let typed = event_target_value(&ev);
                    let value = match typed.trim() {
                        "" if input == Input::Money => Value::Null,
                        _ => typed_number(&format, &typed, input == Input::Money),
                    };
                    set(value);
                }/>
            }
            .into_any()
        }
        Input::Choice(choices) => {
            let chosen = text_of(&initial);
            view! {
                <select id=dom_id on:change=move |ev| set(Value::String(event_target_value(&ev)))>
                    {choices.iter().map(|c| view! { <option value=*c selected=chosen == *c>{c.replace('_', " ")}</option> }).collect_view()}
                </select>
            }
            .into_any()
        }
        Input::User | Input::Template | Input::Pipeline => {
            let options: Vec<(String, String)> = draft.catalog.with_value(|c| match input {
                Input::User => c.named_users().map(|(id, name)| (id.to_string(), name.to_owned())).collect(),
                Input::Template => c.named_templates().map(|(id, name)| (id.to_string(), name.to_owned())).collect(),
                _ => c.pipelines.iter().map(|p| (p.id.clone(), p.name.clone())).collect(),
            });
            let chosen = text_of(&initial);
            view! {
                <select id=dom_id on:change=move |ev| {
                    let value = event_target_value(&ev);
                    if input == Input::Pipeline {
                        // Another pipeline has other stages: start at its first.
                        let first = draft.catalog.with_value(|c| {
                            c.pipelines.iter().find(|p| p.id == value).and_then(|p| p.stages.first()).map(|s| s.id.clone())
                        });
                        draft.set(&id.get_value(), "stageId", first.map_or(Value::Null, Value::String));
                    }
                    set(if value.is_empty() { Value::Null } else { Value::String(value) });
                }>
                    <option value="" selected=chosen.is_empty()>"Choose…"</option>
                    {options.into_iter().map(|(value, name)| {
                        let selected = value == chosen;
                        view! { <option value=value selected=selected>{name}</option> }
                    }).collect_view()}
                </select>
            }
            .into_any()
        }
        Input::Stage => view! {
            // Rebuilt when the pipeline changes.
            {move || {
                let pipeline = draft.setting(&id.get_value(), "pipelineId");
                let chosen = text_of(&current_untracked(draft, id, key));
                let stages: Vec<(String, String)> = draft.catalog.with_value(|c| {
                    c.pipelines.iter().find(|p| Value::String(p.id.clone()) == pipeline)
                        .map(|p| p.stages.iter().map(|s| (s.id.clone(), s.name.clone())).collect())
                        .unwrap_or_default()
                });
                view! {
                    <select id=dom_id.clone() on:change=move |ev| set(Value::String(event_target_value(&ev)))>
                        {stages.into_iter().map(|(value, name)| {
                            let selected = value == chosen;
                            view! { <option value=value selected=selected>{name}</option> }
                        }).collect_view()}
                    </select>
                }
            }}
        }
        .into_any(),
        Input::Person => {
            let chosen = text_of(&initial);
            let users: Vec<(String, String)> =
                draft.catalog.with_value(|c| c.named_users().map(|(id, name)| (id.to_string(), name.to_owned())).collect());
            view! {
                <select id=dom_id on:change=move |ev| {
                    let value = event_target_value(&ev);
                    set(if value.is_empty() { Value::Null } else { Value::String(value) });
                }>
                    <option value="" selected=chosen.is_empty()>"No one"</option>
                    <option value="owner" selected=chosen == "owner">"The record's owner"</option>
                    {users.into_iter().map(|(value, name)| {
                        let selected = value == chosen;
                        view! { <option value=value selected=selected>{name}</option> }
                    }).collect_view()}
                </select>
            }
            .into_any()
        }
        Input::Users | Input::People => {
            let mut choices: Vec<(String, String)> =
                draft.catalog.with_value(|c| c.named_users().map(|(id, name)| (id.to_string(), name.to_owned())).collect());
            if input == Input::People {
                choices.insert(0, ("owner".to_owned(), "The record's owner".to_owned()));
            }
            view! {
                <fieldset id=dom_id class="wf-choices">
                    <legend class="sr-only">"Choose"</legend>
                    {choices.into_iter().map(|(value, name)| {
                        let (checked, toggled) = (value.clone(), value);
                        view! {
                            <label class="choice">
                                <input type="checkbox"
                                    prop:checked=move || current().as_array().is_some_and(|items| items.iter().any(|i| i == checked.as_str()))
                                    on:change=move |ev| {
                                        let mut items: Vec<Value> = current().as_array().cloned().unwrap_or_default();
                                        items.retain(|i| i != toggled.as_str());
                                        if event_target_checked(&ev) {
                                            items.push(Value::String(toggled.clone()));
                                        }
                                        set(Value::Array(items));
                                    }/>
                                <span>{name}</span>
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
            }
            .into_any()
        }
        Input::Delay => {
            let amount = initial.get("amount").map(text_of).unwrap_or_default();
            let unit = initial.get("unit").map(text_of).unwrap_or_default();
            let part = move |name: &'static str, value: Value| {
                let mut delay = current().as_object().cloned().unwrap_or_default();
                delay.insert(name.to_owned(), value);
                set(Value::Object(delay));
            };
            view! {
                <span class="wf-delay">
                    <input dir="auto" id=dom_id type="text" inputmode="numeric" value=amount on:input=move |ev| {
                        let typed = event_target_value(&ev);
                        part("amount", typed.trim().parse::<i64>().map_or(Value::String(typed), Value::from));
                    }/>
                    <select aria-label="Unit" on:change=move |ev| part("unit", Value::String(event_target_value(&ev)))>
                        {DELAY_UNITS.iter().map(|u| view! { <option value=*u selected=unit == *u>{*u}</option> }).collect_view()}
                    </select>
                </span>
            }
            .into_any()
        }
        Input::Tags => {
            let shown = initial.as_array().map(|items| items.iter().map(text_of).collect::<Vec<_>>().join(", ")).unwrap_or_default();
            view! {
                <input dir="auto" id=dom_id type="text" placeholder="vip, {{trigger.source}}" value=shown on:input=move |ev| {
                    let items: Vec<Value> = event_target_value(&ev)
                        .split(',')
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(|t| Value::String(t.to_owned()))
                        .collect();
                    set(Value::Array(items));
                }/>
            }
            .into_any()
        }
        Input::Field => {
            let chosen = text_of(&initial);
            let fields: Vec<(String, String)> = draft.fields().iter().map(|f| (f.key(), f.label())).collect();
            view! {
                <select id=dom_id on:change=move |ev| {
                    // Another field takes another kind of value.
                    draft.set(&id.get_value(), "value", Value::Null);
                    set(Value::String(event_target_value(&ev)));
                }>
                    <option value="" selected=chosen.is_empty()>"Choose…"</option>
                    {fields.into_iter().map(|(value, label)| {
                        let selected = value == chosen;
                        view! { <option value=value selected=selected>{label}</option> }
                    }).collect_view()}
                </select>
            }
            .into_any()
        }
        Input::FieldValue => view! {
            // Rebuilt when the field changes: a yes/no, a number or a text.
            {move || {
                let field = text_of(&draft.setting(&id.get_value(), "field"));
                let field = draft.fields().into_iter().find(|f| f.key() == field);
                let kind = field.as_ref().map(|f| f.as_rule_field().kind);
                let value = current_untracked(draft, id, key);
                if let Some(choices) = field.as_ref().and_then(|f| draft.catalog.with_value(|c| choices_of(f, c))) {
                    return choice_list(dom_id.clone(), choices, &value, set).into_any();
                }
                match kind {
                    Some(FieldKind::Checkbox) => view! {
                        <select id=dom_id.clone() on:change=move |ev| set(Value::Bool(event_target_value(&ev) == "yes"))>
                            <option value="" selected=value.is_null()>"Choose…"</option>
                            <option value="yes" selected=value == true>"yes"</option>
                            <option value="no" selected=value == false>"no"</option>
                        </select>
                    }
                    .into_any(),
                    Some(kind @ (FieldKind::Number | FieldKind::Currency)) => {
                        let format = draft.catalog.with_value(|c| c.number_format);
                        let money = kind == FieldKind::Currency;
                        view! {
                            <input dir="auto" id=dom_id.clone() type="text" inputmode="decimal" value=number_text(&format, &value) on:input=move |ev| {
                                set(typed_number(&format, &event_target_value(&ev), money));
                            }/>
                        }
                        .into_any()
                    }
                    _ => view! {
                        <input dir="auto" id=dom_id.clone() type="text" value=text_of(&value) on:input=move |ev| set(Value::String(event_target_value(&ev)))/>
                    }
                    .into_any(),
                }
            }}
        }
        .into_any(),
        Input::Headers => {
            let shown = initial
                .as_object()
                .map(|headers| headers.iter().map(|(name, value)| format!("{name}: {}", text_of(value))).collect::<Vec<_>>().join("\n"))
                .unwrap_or_default();
            view! {
                <textarea dir="auto" id=dom_id rows="2" placeholder="Authorization: Bearer …" prop:value=shown on:input=move |ev| {
                    let mut headers = Map::new();
                    for line in event_target_value(&ev).lines().filter(|l| !l.trim().is_empty()) {
                        let (name, value) = line.split_once(':').unwrap_or((line, ""));
                        headers.insert(name.trim().to_owned(), Value::String(value.trim().to_owned()));
                    }
                    set(if headers.is_empty() { Value::Null } else { Value::Object(headers) });
                }></textarea>
            }
            .into_any()
        }
        Input::Json => {
            let shown = match &initial {
                Value::Null => String::new(),
                Value::String(text) => text.clone(),
                other => serde_json::to_string_pretty(other).unwrap_or_default(),
            };
            view! {
                <textarea dir="auto" id=dom_id rows="4" class="mono" placeholder="{\"name\": \"{{trigger.name}}\"}" prop:value=shown on:input=move |ev| {
                    let typed = event_target_value(&ev);
                    set(match typed.trim() {
                        "" => Value::Null,
                        trimmed => serde_json::from_str(trimmed).unwrap_or(Value::String(typed.clone())),
                    });
                }></textarea>
            }
            .into_any()
        }
    }
}

/// What a field takes one of, as (value, label): a choice field's choices, a pipeline's stages,
/// the sub-account's users. `None` for a field typed into.
fn choices_of(field: &TriggerField, catalog: &CatalogData) -> Option<Vec<(String, String)>> {
    let TriggerField::Record(record) = field else {
        let options = field.as_rule_field().options;
        return (!options.is_empty()).then(|| options.into_iter().map(|o| (o.clone(), o)).collect());
    };
    Some(match record.kind {
        RecordFieldKind::Choice(names) => names.iter().map(|name| ((*name).to_owned(), choice_label(name))).collect(),
        RecordFieldKind::Stage => catalog
            .pipelines
            .iter()
            .flat_map(|p| p.stages.iter().map(move |s| (s.id.clone(), format!("{} › {}", p.name, s.name))))
            .collect(),
        RecordFieldKind::User => {
            catalog.users.iter().zip(&catalog.user_names).map(|(id, name)| (id.to_string(), name.clone())).collect()
        }
        _ => return None,
    })
}

/// A list to choose a value from; a value set otherwise (a `{{trigger.…}}`, a choice since
/// removed) stays, shown as it is, so nothing is changed unseen.
fn choice_list(
    dom_id: String,
    choices: Vec<(String, String)>,
    value: &Value,
    set: impl Fn(Value) + 'static,
) -> impl IntoView {
    let current = text_of(value);
    let other = (!current.is_empty() && !choices.iter().any(|(choice, _)| *choice == current)).then(|| current.clone());
    view! {
        <select id=dom_id on:change=move |ev| {
            // "Choose…" leaves the value unset, as a new action has it.
            let chosen = event_target_value(&ev);
            set(if chosen.is_empty() { Value::Null } else { Value::String(chosen) });
        }>
            <option value="" selected=current.is_empty()>"Choose…"</option>
            {other.map(|other| view! { <option value=other.clone() selected=true>{other.clone()}</option> })}
            {choices.into_iter().map(|(choice, label)| {
                let selected = choice == current;
                view! { <option value=choice selected=selected>{label}</option> }
            }).collect_view()}
        </select>
    }
}

fn current_untracked(draft: Draft, id: StoredValue<ActionId>, key: &str) -> Value {
    draft.spec.with_untracked(|s| {
        s.actions
            .iter()
            .find(|a| a.id == id.get_value())
            .and_then(|a| a.config.get(key))
            .cloned()
            .unwrap_or(Value::Null)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::locale::{Currency, Locale};

    fn german() -> NumberFormat {
        NumberFormat { locale: Locale::DeDe, currency: Currency::Eur }
    }

    /// A German admin's `1.450` is one thousand four hundred fifty, never 1.45 (issue 29).
    #[test]
    fn amounts_are_read_and_shown_the_sub_accounts_way() {
        let de = german();
        assert_eq!(typed_number(&de, "1.450", true), json!(1450));
        assert_eq!(typed_number(&de, "1.450,50", true), json!(1450.5));
        assert_eq!(typed_number(&de, " 3,25 ", false), json!(3.25));
        assert_eq!(typed_number(&de, "1,999", true), json!("1,999"), "three decimals are no amount: sent as typed");
        assert_eq!(typed_number(&de, "zwölf", false), json!("zwölf"));
        assert_eq!(number_text(&de, &json!(1450.5)), "1450,5");
        let us = NumberFormat::default();
        assert_eq!(typed_number(&us, "1,450.50", true), json!(1450.5));
        assert_eq!(typed_number(&us, "30", false), json!(30));
        assert_eq!(number_text(&us, &json!(30)), "30");
        assert_eq!(number_text(&us, &json!("{{trigger.x}}")), "{{trigger.x}}");
    }
}
