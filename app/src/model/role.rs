//! What a user may do in the sub-accounts they belong to.

use serde::{Deserialize, Serialize};

/// What a user may do in the sub-accounts they belong to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Edits templates and triggers, and does everything staff do.
    Admin,
    /// Fills in forms.
    Staff,
}

impl Role {
    /// The role stored as `users.role`: `admin`, or anything else for staff.
    pub fn from_stored(role: &str) -> Self {
        if role == "admin" { Role::Admin } else { Role::Staff }
    }
}
