//! The builder's state: the template being edited, its undo history, the selection, and what is
//! wrong with it right now. Every change goes through [`Editor::edit`], so each one is undoable
//! and re-checked by the same template check the server runs on save.

use leptos::prelude::*;
use std::collections::HashMap;

use crate::api::types::{TemplateDraft, TemplateMappings};
use crate::model::editing::History;
use crate::model::trigger::broken_mappings;
use crate::model::{NumberFormat, Template, TemplateProblem};

/// Steps of undo an editing session keeps.
const UNDO_LIMIT: usize = 200;

#[derive(Clone, Copy)]
pub struct Editor {
    pub template: RwSignal<Template>,
    /// Position of the field shown in the properties pane.
    pub selected: RwSignal<Option<usize>>,
    /// The template as last saved, and its version: a save starts from this version, and any
    /// difference from it is an unsaved change.
    pub saved: RwSignal<TemplateDraft>,
    pub problems: Memo<Vec<TemplateProblem>>,
    /// Each field's position by key, worked out once per edit for every row to look up (and
    /// unchanged by edits that move nothing, so the rows do not hear of those).
    positions: Memo<HashMap<String, usize>>,
    /// Read by screen readers: what the last move, undo or redo did.
    pub announcement: RwSignal<String>,
    history: StoredValue<History<Template>>,
    /// What the last edit changed, so typing in one box is one undo step, not one per letter.
    last_edit: StoredValue<Option<String>>,
    /// Bumped on every undo and redo, which is all a button's enabled state depends on.
    history_changed: RwSignal<u32>,
    /// How the sub-account writes numbers: the preview reads answers as its forms will.
    pub format: NumberFormat,
}

impl Editor {
    pub fn new(draft: TemplateDraft, mappings: TemplateMappings, format: NumberFormat) -> Self {
        // The first field starts selected, so the properties pane shows what it is for.
        let selected = RwSignal::new((!draft.template.fields.is_empty()).then_some(0));
        let template = RwSignal::new(draft.template.clone());
        let saved = RwSignal::new(draft);
        let mappings = StoredValue::new(mappings);
        let problems = Memo::new(move |_| {
            template.with(|t| {
                let mut problems = t.problems();
                saved.with(|base| {
                    mappings
                        .with_value(|m| problems.extend(broken_mappings(&m.mappings, t, &base.template, &m.crm_fields)))
                });
                problems
            })
        });
        let positions = Memo::new(move |_| {
            template.with(|t| t.fields.iter().enumerate().map(|(i, f)| (f.key.clone(), i)).collect())
        });
        Self {
            template,
            positions,
            selected,
            saved,
            problems,
            announcement: RwSignal::new(String::new()),
            history: StoredValue::new(History::new(UNDO_LIMIT)),
            last_edit: StoredValue::new(None),
            history_changed: RwSignal::new(0),
            format,
        }
    }

    /// Applies an edit as one undo step.
    pub fn edit(&self, change: impl FnOnce(&mut Template)) {
        self.edit_as(None, change);
    }

    /// Applies an edit; consecutive edits with the same `what` (the same box being typed in)
    /// share one undo step.
    pub fn edit_as(&self, what: Option<String>, change: impl FnOnce(&mut Template)) {
        let repeated = what.is_some() && self.last_edit.with_value(|last| *last == what);
        if !repeated {
            let before = self.template.get_untracked();
            self.history.update_value(|h| h.record(before));
            self.history_changed.update(|n| *n += 1);
        }
        self.last_edit.set_value(what);
        self.template.update(change);
    }

    pub fn undo(&self) {
        self.step(true);
    }

    pub fn redo(&self) {
        self.step(false);
    }

    fn step(&self, back: bool) {
        let mut current = self.template.get_untracked();
        let moved = self.history.try_update_value(|h| if back { h.undo(&mut current) } else { h.redo(&mut current) });
        if moved != Some(true) {
            return;
        }
        let count = current.fields.len();
        self.template.set(current);
        self.last_edit.set_value(None);
        self.history_changed.update(|n| *n += 1);
        self.selected.update(|s| {
            if s.is_some_and(|i| i >= count) {
                *s = count.checked_sub(1);
            }
        });
        self.announcement.set(if back { "Undone." } else { "Redone." }.to_owned());
    }

    pub fn can_undo(&self) -> bool {
        self.history_changed.track();
        self.history.with_value(History::can_undo)
    }

    pub fn can_redo(&self) -> bool {
        self.history_changed.track();
        self.history.with_value(History::can_redo)
    }

    /// Whether the template differs from its last saved version.
    pub fn is_dirty(&self) -> bool {
        self.saved.with(|saved| self.template.with(|t| *t != saved.template))
    }

    /// The problems shown on the field with this key.
    pub fn problems_of(&self, key: &str) -> Vec<String> {
        self.problems.with(|all| {
            self.template.with(|t| all.iter().filter(|p| p.field() == Some(key)).map(|p| t.explain(p)).collect())
        })
    }

    pub fn position_of(&self, key: &str) -> Option<usize> {
        self.positions.with(|p| p.get(key).copied())
    }

    pub fn field_count(&self) -> usize {
        self.positions.with(HashMap::len)
    }

    /// The label of the field at `index`, for announcements.
    pub fn label_at(&self, index: usize) -> String {
        self.template.with_untracked(|t| t.fields.get(index).map(|f| f.label.clone()).unwrap_or_default())
    }
}
