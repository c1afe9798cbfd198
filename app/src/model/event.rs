//! The CRM events OpsFlow knows, by one name each: the same spelling on the wire, in the
//! database and in the settings page's choices. Adding an event type starts here.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventType {
    /// An opportunity moved to another stage of its pipeline.
    StageChanged,
    /// A Voice AI call ended.
    CallCompleted,
}

impl EventType {
    pub const ALL: [EventType; 2] = [EventType::StageChanged, EventType::CallCompleted];
    /// Each type's name, in the order of the variants (and of `ALL`).
    pub const NAMES: &'static [&'static str] = &["stage_changed", "call_completed"];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The event as an admin choosing a trigger reads it.
    pub fn label(self) -> &'static str {
        match self {
            EventType::StageChanged => "An opportunity moves to a pipeline stage",
            EventType::CallCompleted => "A Voice AI call ends",
        }
    }
}

/// A name that is no event type OpsFlow knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownEventType(pub String);

impl fmt::Display for UnknownEventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "“{}” is not an event type; expected one of {}", self.0, EventType::NAMES.join(", "))
    }
}

impl FromStr for EventType {
    type Err = UnknownEventType;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        EventType::ALL.into_iter().find(|t| t.as_str() == text).ok_or_else(|| UnknownEventType(text.to_owned()))
    }
}

impl Serialize for EventType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
    }
}
