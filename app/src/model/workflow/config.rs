//! Reading one action's `config` object: each setting by name, every problem collected with its
//! JSON path (`actions[2].config.userIds`) and said in words, settings the action does not have
//! refused by name (a typo never passes silently).

use serde_json::{Map, Value};

use super::Problem;
use super::fields::TriggerFields;
use super::interpolate;

pub(super) struct Config<'c> {
    map: &'c Map<String, Value>,
    at: &'c str,
    pub(super) problems: &'c mut Vec<Problem>,
}

impl<'c> Config<'c> {
    /// `known`: the settings the action has; any other is a problem.
    pub(super) fn new(value: &'c Value, at: &'c str, known: &[&str], problems: &'c mut Vec<Problem>) -> Option<Self> {
        let Some(map) = value.as_object() else {
            problems.push(Problem::new(at.to_owned(), "The settings are an object, like {\"title\": \"Call back\"}."));
            return None;
        };
        for name in map.keys().filter(|name| !known.contains(&name.as_str())) {
            problems.push(Problem::new(
                format!("{at}.{name}"),
                format!("This action has no setting “{name}”; it has {}.", known.join(", ")),
            ));
        }
        Some(Self { map, at, problems })
    }

    pub(super) fn path(&self, name: &str) -> String {
        format!("{}.{name}", self.at)
    }

    pub(super) fn problem(&mut self, name: &str, message: impl Into<String>) {
        let path = self.path(name);
        self.problems.push(Problem::new(path, message));
    }

    pub(super) fn get(&self, name: &str) -> Option<&'c Value> {
        self.map.get(name).filter(|value| !value.is_null())
    }

    /// A text setting; `required` refuses a missing or blank one. Its `{{trigger.…}}`
    /// placeholders must name fields of the trigger record.
    pub(super) fn text(&mut self, name: &str, required: bool, fields: &TriggerFields) -> Option<String> {
        match self.get(name) {
            None if required => {
                self.problem(name, "Required.");
                None
            }
            None => None,
            Some(Value::String(text)) if required && text.trim().is_empty() => {
                self.problem(name, "Required.");
                None
            }
            Some(Value::String(text)) => {
                if let Err(problem) = interpolate::variables(text, fields) {
                    self.problem(name, problem);
                }
                Some(text.clone())
            }
            Some(_) => {
                self.problem(name, "Takes text.");
                None
            }
        }
    }

    /// One of `choices`, or `default` when the setting is missing.
    pub(super) fn choice(
        &mut self,
        name: &str,
        choices: &[&'static str],
        default: Option<&'static str>,
    ) -> Option<&'static str> {
        match self.get(name) {
            None if default.is_some() => default,
            None => {
                self.problem(name, format!("Required: one of {}.", choices.join(", ")));
                None
            }
            Some(value) => {
                let found = value.as_str().and_then(|name| choices.iter().find(|choice| **choice == name).copied());
                if found.is_none() {
                    self.problem(name, format!("Takes one of {}.", choices.join(", ")));
                }
                found
            }
        }
    }

    /// A whole number within the bounds.
    pub(super) fn whole(&mut self, name: &str, min: i64, max: i64, default: Option<i64>) -> Option<i64> {
        match self.get(name) {
            None if default.is_some() => default,
            None => {
                self.problem(name, format!("Required: a whole number from {min} to {max}."));
                None
            }
            Some(value) => {
                let found = value.as_i64().filter(|n| (min..=max).contains(n));
                if found.is_none() {
                    self.problem(name, format!("Takes a whole number from {min} to {max}."));
                }
                found
            }
        }
    }

    /// A list of distinct, non-blank texts; `required` wants at least one.
    pub(super) fn texts(&mut self, name: &str, required: bool) -> Vec<String> {
        let Some(value) = self.get(name) else {
            if required {
                self.problem(name, "Required: a list with at least one item.");
            }
            return Vec::new();
        };
        let Some(items) = value.as_array() else {
            self.problem(name, "Takes a list, like [\"a\", \"b\"].");
            return Vec::new();
        };
        let mut out: Vec<String> = Vec::new();
        for (index, item) in items.iter().enumerate() {
            match item.as_str().map(str::trim) {
                Some(text) if !text.is_empty() && !out.iter().any(|seen| seen == text) => out.push(text.to_owned()),
                Some(text) if !text.is_empty() => {
                    self.problem(&format!("{name}[{index}]"), format!("“{text}” is listed twice."))
                }
                _ => self.problem(&format!("{name}[{index}]"), "Takes non-empty text."),
            }
        }
        if required && items.is_empty() {
            self.problem(name, "Required: a list with at least one item.");
        }
        out
    }
}
