//! The CRM's modules, as the workflow engine names them (seed 001): each of its 27 event types
//! belongs to one, and a workflow's `triggerModule` is one.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Module {
    Leads,
    Contacts,
    /// Companies.
    Accounts,
    Opportunities,
    Tasks,
    Projects,
}

impl Module {
    pub const ALL: [Module; 6] =
        [Module::Leads, Module::Contacts, Module::Accounts, Module::Opportunities, Module::Tasks, Module::Projects];
    /// Each module's name on the wire and in the database, in the order of `ALL`.
    pub const NAMES: &'static [&'static str] = &["leads", "contacts", "accounts", "opportunities", "tasks", "projects"];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The heading people read: `Leads`, `Contacts`...
    pub fn label(self) -> &'static str {
        ["Leads", "Contacts", "Accounts", "Opportunities", "Tasks", "Projects"][self as usize]
    }
}

/// A name that is no module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownModule(pub String);

impl fmt::Display for UnknownModule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "“{}” is not a module; expected one of {}", self.0, Module::NAMES.join(", "))
    }
}

impl FromStr for Module {
    type Err = UnknownModule;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Module::ALL.into_iter().find(|m| m.as_str() == text).ok_or_else(|| UnknownModule(text.to_owned()))
    }
}

impl Serialize for Module {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Module {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
    }
}
