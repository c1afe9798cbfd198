//! "Show conditionally": a visual editor for a field's rule — nested AND/OR groups of
//! conditions. The operators offered depend on the controlling field's kind
//! (`Operator::for_kind`, the list the template check accepts), and so does the value box: the
//! field's options, a date picker, a number box, yes/no, or text.
//!
//! A group is addressed by its path from the field's top group (child positions), so every edit
//! is a plain change of the template and undo covers it like any other.

use leptos::prelude::*;

use super::canvas::refocus;
use super::editor::Editor;
use crate::model::{Condition, ConditionValue, Field, FieldKind, Logic, Operator, Rule, RuleGroup};

fn group_at<'a>(field: &'a Field, path: &[usize]) -> Option<&'a RuleGroup> {
    let mut group = field.show_if.as_ref()?;
    for &i in path {
        match group.rules.get(i)? {
            Rule::Group(inner) => group = inner,
            Rule::Condition(_) => return None,
        }
    }
    Some(group)
}

fn group_at_mut<'a>(field: &'a mut Field, path: &[usize]) -> Option<&'a mut RuleGroup> {
    let mut group = field.show_if.as_mut()?;
    for &i in path {
        match group.rules.get_mut(i)? {
            Rule::Group(inner) => group = inner,
            Rule::Condition(_) => return None,
        }
    }
    Some(group)
}

/// A condition on the first field (other than `index`) that takes an answer, with the first
/// operator its kind allows: a sensible start the admin then adjusts.
fn default_condition(fields: &[Field], index: usize) -> Option<Rule> {
    let (_, field) = fields.iter().enumerate().find(|(i, f)| *i != index && f.kind.takes_answer())?;
    let operator = Operator::for_kind(field.kind).next()?;
    Some(Rule::Condition(Condition { field: field.key.clone(), operator, value: ConditionValue::None }))
}

/// One id per place in the rule tree, so a rebuilt row can get its focus back.
fn place_id(path: &[usize], what: &str) -> String {
    let mut id = String::from("r");
    for i in path {
        id.push('-');
        id.push_str(&i.to_string());
    }
    id.push('-');
    id.push_str(what);
    id
}

#[component]
pub fn ShowIf(editor: Editor, index: usize) -> impl IntoView {
    let has_rule =
        Memo::new(move |_| editor.template.with(|t| t.fields.get(index).is_some_and(|f| f.show_if.is_some())));
    let toggle = move |ev| {
        let on = event_target_checked(&ev);
        editor.edit(|t| {
            t.fields[index].show_if =
                on.then(|| RuleGroup::all(default_condition(&t.fields, index).into_iter().collect()));
        });
    };
    view! {
        <fieldset class="rule-builder">
            <legend>"Show conditionally"</legend>
            <label class="choice">
                <input type="checkbox" id="p-show-if" prop:checked=move || has_rule.get() on:change=toggle/>
                <span>"Show this field only when…"</span>
            </label>
            {move || has_rule.get().then(|| view! { <GroupEditor editor index path=Vec::new()/> })}
        </fieldset>
    }
}

/// A change to one group or one condition, given the template's fields to choose defaults from.
type GroupEdit = Box<dyn FnOnce(&mut RuleGroup, &[Field])>;
type ConditionEdit = Box<dyn FnOnce(&mut Condition, &[Field])>;

/// What a group's rows are made of. The rows are rebuilt when this changes (a rule added or
/// removed, another field or operator chosen), not while a value is typed.
#[derive(Clone, PartialEq)]
enum RowShape {
    Group,
    Condition(String, Operator),
}

#[component]
fn GroupEditor(editor: Editor, index: usize, path: Vec<usize>) -> impl IntoView {
    let path = StoredValue::new(path);
    let shape = Memo::new(move |_| {
        editor.template.with(|t| {
            path.with_value(|path| {
                t.fields.get(index).and_then(|f| group_at(f, path)).map(|g| {
                    let rows: Vec<RowShape> = g
                        .rules
                        .iter()
                        .map(|rule| match rule {
                            Rule::Group(_) => RowShape::Group,
                            Rule::Condition(c) => RowShape::Condition(c.field.clone(), c.operator),
                        })
                        .collect();
                    (g.logic, rows)
                })
            })
        })
    });
    let edit_group = move |change: GroupEdit| {
        editor.edit(|t| {
            let fields = t.fields.clone();
            if let Some(group) = path.with_value(|path| group_at_mut(&mut t.fields[index], path)) {
                change(group, &fields);
            }
        });
    };
    let logic_id = path.with_value(|p| place_id(p, "logic"));
    let nested = path.with_value(|p| !p.is_empty());

    view! {
        <div class="rule-group" class:nested=nested role="group" aria-label=if nested { "Condition group" } else { "Conditions" }>
            <div class="rule-group-head">
                <label for=logic_id.clone()>"Show when"</label>
                <select
                    id=logic_id.clone()
                    on:change=move |ev| {
                        let logic = if event_target_value(&ev) == "any" { Logic::Any } else { Logic::All };
                        edit_group(Box::new(move |g, _| g.logic = logic));
                    }
                >
                    <option value="all" selected=move || shape.with(|s| s.as_ref().is_some_and(|s| s.0 == Logic::All))>"all of these hold"</option>
                    <option value="any" selected=move || shape.with(|s| s.as_ref().is_some_and(|s| s.0 == Logic::Any))>"any of these holds"</option>
                </select>
            </div>
            <ul class="rule-rows">
                {move || {
                    let rows = shape.get().map(|s| s.1).unwrap_or_default();
                    rows.into_iter()
                        .enumerate()
                        .map(|(i, row)| {
                            let mut child = path.get_value();
                            child.push(i);
                            let remove = move |_| edit_group(Box::new(move |g, _| { g.rules.remove(i); }));
                            let remove_label = match row {
                                RowShape::Group => "Remove this group",
                                RowShape::Condition(..) => "Remove this condition",
                            };
                            let row_view = match row {
                                RowShape::Group => view! { <GroupEditor editor index path=child/> }.into_any(),
                                RowShape::Condition(field, operator) => {
                                    view! { <ConditionEditor editor index path=child field operator/> }.into_any()
                                }
                            };
                            view! {
                                <li class="rule-row">
                                    {row_view}
                                    <button type="button" class="icon-button danger" aria-label=remove_label on:click=remove>"✕"</button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            <div class="rule-actions">
                <button
                    type="button"
                    class="button button-small"
                    on:click=move |_| edit_group(Box::new(move |g, fields| g.rules.extend(default_condition(fields, index))))
                >
                    "Add condition"
                </button>
                <button
                    type="button"
                    class="button button-small"
                    on:click=move |_| {
                        edit_group(Box::new(move |g, fields| {
                            let logic = if g.logic == Logic::All { Logic::Any } else { Logic::All };
                            let rules = default_condition(fields, index).into_iter().collect();
                            g.rules.push(Rule::Group(RuleGroup { logic, rules }));
                        }))
                    }
                >
                    "Add group"
                </button>
            </div>
        </div>
    }
    .into_any()
}

#[component]
fn ConditionEditor(editor: Editor, index: usize, path: Vec<usize>, field: String, operator: Operator) -> impl IntoView {
    let (parent, position) = path.split_at(path.len() - 1);
    let (parent, position) = (StoredValue::new(parent.to_vec()), position[0]);
    let edit_condition = move |what: Option<String>, change: ConditionEdit| {
        editor.edit_as(what, |t| {
            let fields = t.fields.clone();
            let group = parent.with_value(|parent| group_at_mut(&mut t.fields[index], parent));
            if let Some(Rule::Condition(condition)) = group.and_then(|g| g.rules.get_mut(position)) {
                change(condition, &fields);
            }
        });
    };
    let (choices, controlling) = editor.template.with_untracked(|t| {
        let choices: Vec<(String, String)> = t
            .fields
            .iter()
            .enumerate()
            .filter(|(i, f)| *i != index && f.kind.takes_answer())
            .map(|(_, f)| (f.key.clone(), f.label.clone()))
            .collect();
        (choices, t.field(&field).cloned())
    });
    let field_id = place_id(&path, "field");
    let operator_id = place_id(&path, "operator");
    let value_id = place_id(&path, "value");
    let missing = controlling.is_none().then(|| field.clone());

    let field_select = {
        let (field_id, current) = (field_id.clone(), field.clone());
        view! {
            <label class="sr-only" for=field_id.clone()>"Field"</label>
            <select
                id=field_id.clone()
                on:change=move |ev| {
                    let key = event_target_value(&ev);
                    edit_condition(None, Box::new(move |c, fields| {
                        let kind = fields.iter().find(|f| f.key == key).map(|f| f.kind);
                        if let Some(kind) = kind {
                            if !c.operator.applies_to(kind) {
                                c.operator = Operator::for_kind(kind).next().unwrap_or(Operator::IsNotEmpty);
                            }
                            c.value = ConditionValue::None;
                        }
                        c.field = key;
                    }));
                    refocus(&field_id);
                }
            >
                {missing.map(|key| view! { <option value=key.clone() selected>{format!("(missing field “{key}”)")}</option> })}
                {choices
                    .into_iter()
                    .map(|(key, label)| {
                        let selected = key == current;
                        view! { <option value=key selected=selected>{label}</option> }
                    })
                    .collect_view()}
            </select>
        }
    };

    let kind = controlling.as_ref().map(|f| f.kind);
    let operators: Vec<Operator> = match kind {
        Some(kind) => Operator::for_kind(kind).collect(),
        None => vec![operator],
    };
    let operator_select = {
        let operator_id = operator_id.clone();
        view! {
            <label class="sr-only" for=operator_id.clone()>"Comparison"</label>
            <select
                id=operator_id.clone()
                on:change=move |ev| {
                    let chosen = event_target_value(&ev);
                    let Some(new) = Operator::ALL.into_iter().find(|o| o.label() == chosen) else { return };
                    edit_condition(None, Box::new(move |c, _| {
                        c.value = if !new.takes_value() {
                            ConditionValue::None
                        } else if new.takes_list() {
                            ConditionValue::List(c.value.as_list())
                        } else {
                            c.value.as_single().map_or(ConditionValue::None, ConditionValue::Text)
                        };
                        c.operator = new;
                    }));
                    refocus(&operator_id);
                }
            >
                {operators
                    .into_iter()
                    .map(|o| view! { <option value=o.label() selected=o == operator>{o.label()}</option> })
                    .collect_view()}
            </select>
        }
    };

    let value = move || {
        editor.template.with(|t| {
            let group = t.fields.get(index).and_then(|f| parent.with_value(|p| group_at(f, p)));
            match group.and_then(|g| g.rules.get(position)) {
                Some(Rule::Condition(c)) => c.value.clone(),
                _ => ConditionValue::None,
            }
        })
    };
    let what = Some(value_id.clone());
    let set_value = move |value: ConditionValue| {
        edit_condition(what.clone(), Box::new(move |c, _| c.value = value));
    };
    let value_box = operator.takes_value().then(|| match controlling {
        Some(controlling) => value_input(&controlling, operator, value_id, value, set_value),
        None => ().into_any(),
    });

    view! {
        <div class="condition">
            {field_select}
            {operator_select}
            {value_box}
        </div>
    }
}

/// The box for a condition's value, by the controlling field's kind.
fn value_input(
    controlling: &Field,
    operator: Operator,
    id: String,
    value: impl Fn() -> ConditionValue + Copy + Send + Sync + 'static,
    set: impl Fn(ConditionValue) + Clone + Send + Sync + 'static,
) -> AnyView {
    // Memos, so a box is only rewritten when the value it shows changes: "a, " stays as typed
    // while it still means the list ["a"].
    let single = Memo::new(move |_| value().as_single().unwrap_or_default());
    let list = Memo::new(move |_| value().as_list().join(", "));
    let label = {
        let id = id.clone();
        move || view! { <label class="sr-only" for=id.clone()>"Value"</label> }
    };
    let text_box = |kind: &'static str, set: Box<dyn Fn(String) + Send + Sync>| {
        view! {
            {label()}
            <input type=kind id=id.clone() step="any" prop:value=move || single.get() on:input=move |ev| set(event_target_value(&ev))/>
        }
        .into_any()
    };
    match controlling.kind {
        kind if kind.has_options() && operator.takes_list() => {
            let options = controlling.options.clone();
            view! {
                <fieldset class="rule-options" id=id>
                    <legend class="sr-only">"Values"</legend>
                    {options
                        .into_iter()
                        .map(|option| {
                            let (checked, toggled, set) = (option.clone(), option.clone(), set.clone());
                            view! {
                                <label class="choice">
                                    <input
                                        type="checkbox"
                                        prop:checked=move || value().as_list().contains(&checked)
                                        on:change=move |ev| {
                                            let mut items = value().as_list();
                                            items.retain(|item| *item != toggled);
                                            if event_target_checked(&ev) {
                                                items.push(toggled.clone());
                                            }
                                            set(ConditionValue::List(items));
                                        }
                                    />
                                    <span>{option}</span>
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
            }
            .into_any()
        }
        kind if kind.has_options() || kind == FieldKind::Checkbox => {
            let options = if kind == FieldKind::Checkbox {
                vec!["yes".to_owned(), "no".to_owned()]
            } else {
                controlling.options.clone()
            };
            view! {
                {label()}
                <select id=id on:change=move |ev| set(ConditionValue::Text(event_target_value(&ev)))>
                    <option value="" selected=move || single.with(String::is_empty)>"Choose…"</option>
                    {options
                        .into_iter()
                        .map(|option| {
                            let (current, value) = (option.clone(), option.clone());
                            view! { <option value=value selected=move || single.with(|s| *s == current)>{option}</option> }
                        })
                        .collect_view()}
                </select>
            }
            .into_any()
        }
        FieldKind::Date => text_box("date", Box::new(move |v| set(ConditionValue::Text(v)))),
        FieldKind::Number | FieldKind::Currency if !operator.takes_list() => {
            text_box("number", Box::new(move |v| set(ConditionValue::Text(v))))
        }
        _ if operator.takes_list() => view! {
            <label class="sr-only" for=id.clone()>"Values, separated by commas"</label>
            <input
                type="text"
                id=id
                placeholder="value, another value"
                prop:value=move || list.get()
                on:input=move |ev| {
                    let items = event_target_value(&ev).split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
                    set(ConditionValue::List(items));
                }
            />
        }
        .into_any(),
        _ => text_box("text", Box::new(move |v| set(ConditionValue::Text(v)))),
    }
}
