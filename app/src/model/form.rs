//! A form's life: pending in the inbox until it is submitted, then completed for good.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormStatus {
    Pending,
    Completed,
}

impl FormStatus {
    /// The name on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            FormStatus::Pending => "pending",
            FormStatus::Completed => "completed",
        }
    }

    /// Reads a stored status; `None` for a name this build does not know.
    pub fn parse(text: &str) -> Option<FormStatus> {
        [FormStatus::Pending, FormStatus::Completed].into_iter().find(|status| status.as_str() == text)
    }
}
