//! Editing a template's field list: what the builder's palette, canvas and key box do, and
//! their undo history. Pure functions on `Vec<Field>`, so every edit is unit-tested once and the
//! browser runs exactly that code.
//!
//! Edits never repair other fields behind the admin's back: removing a field that a rule uses
//! leaves the rule in place, and the template check reports it on the field that owns the rule.
//! Renaming a key is the exception — the admin only changed a name, so rules follow it.

use super::field::{Field, FieldKind, is_valid_key};

/// Keys are at most this long (see [`is_valid_key`]); generated ones leave room for a suffix.
const KEY_STEM_LEN: usize = 56;

/// A key for a field labelled `label` that no field in `fields` uses yet: the label in lowercase
/// ASCII with `_` between words ("Call outcome?" → `call_outcome`), `field` when nothing is left,
/// prefixed with `f_` when it would start with a digit, and `_2`, `_3`, … on a clash.
pub fn key_from_label(label: &str, fields: &[Field]) -> String {
    let mut stem = String::new();
    for c in label.chars() {
        if c.is_ascii_alphanumeric() {
            stem.push(c.to_ascii_lowercase());
        } else if !stem.is_empty() && !stem.ends_with('_') {
            stem.push('_');
        }
    }
    let mut stem = stem.trim_end_matches('_').to_owned();
    if stem.is_empty() {
        stem.push_str("field");
    } else if stem.starts_with(|c: char| c.is_ascii_digit()) {
        stem.insert_str(0, "f_");
    }
    stem.truncate(KEY_STEM_LEN);
    let stem = stem.trim_end_matches('_');
    let taken = |key: &str| fields.iter().any(|f| f.key == key);
    if !taken(stem) {
        return stem.to_owned();
    }
    let mut n = 2;
    loop {
        let key = format!("{stem}_{n}");
        if !taken(&key) {
            return key;
        }
        n += 1;
    }
}

/// A new field of `kind` at position `at` (the end when past it), labelled after its kind, with
/// a fresh key. Choice fields start with two options so the form works from the first moment.
/// Returns the position it landed at.
pub fn insert_field(fields: &mut Vec<Field>, at: usize, kind: FieldKind) -> usize {
    let label = kind.label();
    let mut field = Field::new(key_from_label(label, fields), label, kind);
    if kind.has_options() {
        field.options = vec!["Option 1".to_owned(), "Option 2".to_owned()];
    }
    let at = at.min(fields.len());
    fields.insert(at, field);
    at
}

/// Moves the field at `from` so that it ends up at position `to` (clamped to the list). Returns
/// whether anything moved.
pub fn move_field(fields: &mut Vec<Field>, from: usize, to: usize) -> bool {
    if from >= fields.len() {
        return false;
    }
    let to = to.min(fields.len() - 1);
    if from == to {
        return false;
    }
    let field = fields.remove(from);
    fields.insert(to, field);
    true
}

/// Removes and returns the field at `index`.
pub fn remove_field(fields: &mut Vec<Field>, index: usize) -> Option<Field> {
    (index < fields.len()).then(|| fields.remove(index))
}

/// Copies the field at `index` right after it, with a fresh key and "(copy)" in its label.
/// Returns the copy's position.
pub fn duplicate_field(fields: &mut Vec<Field>, index: usize) -> Option<usize> {
    let mut copy = fields.get(index)?.clone();
    copy.label = format!("{} (copy)", copy.label);
    copy.key = key_from_label(&format!("{}_copy", fields[index].key), fields);
    fields.insert(index + 1, copy);
    Some(index + 1)
}

/// Why a key cannot be given to a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyError {
    /// Not lowercase letters, digits and `_` starting with a letter, or longer than 64.
    Invalid,
    /// Another field has it.
    Taken,
}

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeyError::Invalid => "Use lowercase letters, digits and _, starting with a letter (at most 64 characters).",
            KeyError::Taken => "Another field already uses this key.",
        })
    }
}

/// Gives the field at `index` the key `new`, and points every rule that used its old key at the
/// new one. Nothing changes when the key is refused.
pub fn rename_key(fields: &mut [Field], index: usize, new: &str) -> Result<(), KeyError> {
    let Some(old) = fields.get(index).map(|f| f.key.clone()) else { return Ok(()) };
    if old == new {
        return Ok(());
    }
    if !is_valid_key(new) {
        return Err(KeyError::Invalid);
    }
    if fields.iter().any(|f| f.key == new) {
        return Err(KeyError::Taken);
    }
    fields[index].key = new.to_owned();
    for field in fields.iter_mut() {
        if let Some(rule) = &mut field.show_if {
            rule.rename_field(&old, new);
        }
    }
    Ok(())
}

/// Undo and redo for an editor whose whole state is one value (a template being edited).
/// Snapshots, not inverse operations: every edit is undoable without each needing its own
/// inverse, and a 200-field template is a few tens of kilobytes.
#[derive(Clone, Debug)]
pub struct History<T> {
    past: Vec<T>,
    future: Vec<T>,
    limit: usize,
}

impl<T> History<T> {
    /// Keeps at most `limit` steps to undo; the oldest go first.
    pub fn new(limit: usize) -> Self {
        Self { past: Vec::new(), future: Vec::new(), limit: limit.max(1) }
    }

    /// Records the state *before* an edit. A new edit ends the redo trail.
    pub fn record(&mut self, before: T) {
        if self.past.len() == self.limit {
            self.past.remove(0);
        }
        self.past.push(before);
        self.future.clear();
    }

    /// Puts the state before the last edit into `current` (keeping it for redo). Returns whether
    /// there was anything to undo.
    pub fn undo(&mut self, current: &mut T) -> bool {
        let Some(previous) = self.past.pop() else { return false };
        self.future.push(std::mem::replace(current, previous));
        true
    }

    /// Puts the state undone last back into `current`. Returns whether there was anything to redo.
    pub fn redo(&mut self, current: &mut T) -> bool {
        let Some(next) = self.future.pop() else { return false };
        self.past.push(std::mem::replace(current, next));
        true
    }

    pub fn can_undo(&self) -> bool {
        !self.past.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.future.is_empty()
    }
}
