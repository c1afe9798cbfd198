//! A visual editor for a rule — nested AND/OR groups of conditions: a form field's "show
//! conditionally", and a workflow's trigger filters and branches. The operators offered depend
//! on the controlling field (the list the model's check accepts), and so does the value box: the
//! field's options, a date picker, a number box, yes/no, or text.
//!
//! A group is addressed by its path from the top group (child positions), so every edit is a
//! plain change of the thing edited and undo covers it like any other.

use leptos::prelude::*;

use super::canvas::refocus;
use super::editor::Editor;
use crate::model::{Condition, ConditionValue, Field, FieldKind, Logic, Operator, Rule, RuleGroup};

/// What a rule builder edits: one rule tree somewhere, and the fields its conditions may name.
pub(crate) trait RuleHost: Copy + Send + Sync + 'static {
    /// Reads the top group (tracked), `None` when there is no rule.
    fn with_root<R>(&self, read: impl FnOnce(Option<&RuleGroup>) -> R) -> R;
    /// Changes the top group, if there is one; `what` names the box typed in (its keystrokes
    /// make one undo step). `change` may read the host (its fields), so it runs outside any
    /// update of the host's signal.
    fn edit_root(&self, what: Option<String>, change: impl FnOnce(&mut RuleGroup));
    /// The fields a condition may name, as the rule builder shows them.
    fn fields(&self) -> Vec<Field>;
    /// The operators a condition on `field` may use.
    fn operators(&self, field: &Field) -> Vec<Operator>;
    /// The words before a group's "all/any of these".
    fn lead(&self) -> &'static str;
    /// A prefix that keeps the ids of two rule builders on one page apart.
    fn id_prefix(&self) -> String;
}

fn group_at<'a>(root: Option<&'a RuleGroup>, path: &[usize]) -> Option<&'a RuleGroup> {
    let mut group = root?;
    for &i in path {
        match group.rules.get(i)? {
            Rule::Group(inner) => group = inner,
            Rule::Condition(_) => return None,
        }
    }
    Some(group)
}

fn group_at_mut<'a>(root: &'a mut RuleGroup, path: &[usize]) -> Option<&'a mut RuleGroup> {
    let mut group = root;
    for &i in path {
        match group.rules.get_mut(i)? {
            Rule::Group(inner) => group = inner,
            Rule::Condition(_) => return None,
        }
    }
    Some(group)
}

/// A condition on the first field that takes an answer, with the first operator it allows: a
/// sensible start the admin then adjusts.
fn default_condition(host: impl RuleHost) -> Option<Rule> {
    let field = host.fields().into_iter().find(|f| f.kind.takes_answer())?;
    let operator = host.operators(&field).into_iter().next()?;
    Some(Rule::Condition(Condition { field: field.key, operator, value: ConditionValue::None }))
}

/// One id per place in the rule tree, so a rebuilt row can get its focus back.
/// The field box of what an Add is about to append to the group at `path` (`inside`: where
/// in it, for a new group its first condition): the focus goes there, so a keyboard or
/// screen-reader user is where the new condition is, and hears which box it is.
fn focus_after_add<H: RuleHost>(
    host: H,
    path: StoredValue<Vec<usize>>,
    shape: Memo<Option<(Logic, Vec<RowShape>)>>,
    inside: &[usize],
) -> String {
    let next = shape.with_untracked(|s| s.as_ref().map_or(0, |s| s.1.len()));
    let mut at = path.get_value();
    at.push(next);
    at.extend_from_slice(inside);
    place_id(&host.id_prefix(), &at, "field")
}

fn place_id(prefix: &str, path: &[usize], what: &str) -> String {
    let mut id = format!("{prefix}r");
    for i in path {
        id.push('-');
        id.push_str(&i.to_string());
    }
    id.push('-');
    id.push_str(what);
    id
}

/// A template field's rule: the template's other fields that take an answer.
#[derive(Clone, Copy)]
struct FieldRule {
    editor: Editor,
    index: usize,
}

impl RuleHost for FieldRule {
    fn with_root<R>(&self, read: impl FnOnce(Option<&RuleGroup>) -> R) -> R {
        self.editor.template.with(|t| read(t.fields.get(self.index).and_then(|f| f.show_if.as_ref())))
    }

    fn edit_root(&self, what: Option<String>, change: impl FnOnce(&mut RuleGroup)) {
        let index = self.index;
        // Changed outside the template's update: a change may read the template (the fields
        // to start a condition with), which the update holds.
        let Some(mut root) =
            self.editor.template.with_untracked(|t| t.fields.get(index).and_then(|f| f.show_if.clone()))
        else {
            return;
        };
        change(&mut root);
        self.editor.edit_as(what, |t| {
            if let Some(field) = t.fields.get_mut(index) {
                field.show_if = Some(root);
            }
        });
    }

    fn fields(&self) -> Vec<Field> {
        self.editor.template.with_untracked(|t| {
            t.fields
                .iter()
                .enumerate()
                .filter(|(i, f)| *i != self.index && f.kind.takes_answer())
                .map(|(_, f)| f.clone())
                .collect()
        })
    }

    fn operators(&self, field: &Field) -> Vec<Operator> {
        Operator::for_kind(field.kind).collect()
    }

    fn lead(&self) -> &'static str {
        "Show when"
    }

    fn id_prefix(&self) -> String {
        String::new()
    }
}

#[component]
pub fn ShowIf(editor: Editor, index: usize) -> impl IntoView {
    let has_rule =
        Memo::new(move |_| editor.template.with(|t| t.fields.get(index).is_some_and(|f| f.show_if.is_some())));
    let host = FieldRule { editor, index };
    let toggle = move |ev| {
        let on = event_target_checked(&ev);
        let start = on.then(|| RuleGroup::all(default_condition(host).into_iter().collect()));
        editor.edit(|t| t.fields[index].show_if = start);
    };
    view! {
        <fieldset class="rule-builder">
            <legend>"Show conditionally"</legend>
            <label class="choice">
                <input type="checkbox" id="p-show-if" prop:checked=move || has_rule.get() on:change=toggle/>
                <span>"Show this field only when…"</span>
            </label>
            {move || has_rule.get().then(|| view! { <GroupEditor host path=Vec::new()/> })}
        </fieldset>
    }
}

/// A change to one group or one condition.
type GroupEdit = Box<dyn FnOnce(&mut RuleGroup)>;
type ConditionEdit = Box<dyn FnOnce(&mut Condition)>;

/// What a group's rows are made of. The rows are rebuilt when this changes (a rule added or
/// removed, another field or operator chosen), not while a value is typed.
#[derive(Clone, PartialEq)]
enum RowShape {
    Group,
    Condition(String, Operator),
}

#[component]
pub(crate) fn GroupEditor<H: RuleHost>(host: H, path: Vec<usize>) -> impl IntoView {
    let path = StoredValue::new(path);
    let shape = Memo::new(move |_| {
        host.with_root(|root| {
            path.with_value(|path| {
                group_at(root, path).map(|g| {
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
        host.edit_root(None, |root| {
            if let Some(group) = path.with_value(|path| group_at_mut(root, path)) {
                change(group);
            }
        });
    };
    let prefix = host.id_prefix();
    let logic_id = path.with_value(|p| place_id(&prefix, p, "logic"));
    let nested = path.with_value(|p| !p.is_empty());

    view! {
        <div class="rule-group" class:nested=nested role="group" aria-label=if nested { "Condition group" } else { "Conditions" }>
            <div class="rule-group-head">
                <label for=logic_id.clone()>{host.lead()}</label>
                <select
                    id=logic_id.clone()
                    on:change=move |ev| {
                        let logic = if event_target_value(&ev) == "any" { Logic::Any } else { Logic::All };
                        edit_group(Box::new(move |g| g.logic = logic));
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
                            let remove = move |_| edit_group(Box::new(move |g| { g.rules.remove(i); }));
                            let remove_label = match row {
                                RowShape::Group => "Remove this group",
                                RowShape::Condition(..) => "Remove this condition",
                            };
                            let row_view = match row {
                                RowShape::Group => view! { <GroupEditor host path=child/> }.into_any(),
                                RowShape::Condition(field, operator) => {
                                    view! { <ConditionEditor host path=child field operator/> }.into_any()
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
                    on:click=move |_| {
                        let added = focus_after_add(host, path, shape, &[]);
                        edit_group(Box::new(move |g| g.rules.extend(default_condition(host))));
                        refocus(&added);
                    }
                >
                    "Add condition"
                </button>
                <button
                    type="button"
                    class="button button-small"
                    on:click=move |_| {
                        let added = focus_after_add(host, path, shape, &[0]);
                        edit_group(Box::new(move |g| {
                            let logic = if g.logic == Logic::All { Logic::Any } else { Logic::All };
                            let rules = default_condition(host).into_iter().collect();
                            g.rules.push(Rule::Group(RuleGroup { logic, rules }));
                        }));
                        refocus(&added);
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
fn ConditionEditor<H: RuleHost>(host: H, path: Vec<usize>, field: String, operator: Operator) -> impl IntoView {
    let (parent, position) = path.split_at(path.len() - 1);
    let (parent, position) = (StoredValue::new(parent.to_vec()), position[0]);
    let edit_condition = move |what: Option<String>, change: ConditionEdit| {
        host.edit_root(what, |root| {
            let group = parent.with_value(|parent| group_at_mut(root, parent));
            if let Some(Rule::Condition(condition)) = group.and_then(|g| g.rules.get_mut(position)) {
                change(condition);
            }
        });
    };
    let fields = host.fields();
    let choices: Vec<(String, String)> = fields.iter().map(|f| (f.key.clone(), f.label.clone())).collect();
    let controlling = fields.iter().find(|f| f.key == field).cloned();
    let fields = StoredValue::new(fields);
    let prefix = host.id_prefix();
    let field_id = place_id(&prefix, &path, "field");
    let operator_id = place_id(&prefix, &path, "operator");
    let value_id = place_id(&prefix, &path, "value");
    let missing = controlling.is_none().then(|| field.clone());

    let field_select = {
        let (field_id, current) = (field_id.clone(), field.clone());
        view! {
            <label class="sr-only" for=field_id.clone()>"Field"</label>
            <select
                id=field_id.clone()
                on:change=move |ev| {
                    let key = event_target_value(&ev);
                    let allowed = fields.with_value(|fields| fields.iter().find(|f| f.key == key).map(|f| host.operators(f)));
                    edit_condition(None, Box::new(move |c| {
                        if let Some(allowed) = allowed {
                            if !allowed.contains(&c.operator) {
                                c.operator = allowed.first().copied().unwrap_or(Operator::IsNotEmpty);
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

    let operators: Vec<Operator> = match &controlling {
        Some(field) => host.operators(field),
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
                    edit_condition(None, Box::new(move |c| {
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
        host.with_root(|root| {
            let group = parent.with_value(|p| group_at(root, p));
            match group.and_then(|g| g.rules.get(position)) {
                Some(Rule::Condition(c)) => c.value.clone(),
                _ => ConditionValue::None,
            }
        })
    };
    let what = Some(value_id.clone());
    let set_value = move |value: ConditionValue| {
        edit_condition(what.clone(), Box::new(move |c| c.value = value));
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
                dir="auto"
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
