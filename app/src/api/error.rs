//! The one error type every server function answers with. It crosses the wire as JSON, so the
//! browser shows the same message the server wrote, including per-field details.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::model::{FieldError, TemplateProblem, TriggerProblem};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error", content = "details", rename_all = "snake_case")]
pub enum AppError {
    #[error("Please sign in to continue.")]
    NotSignedIn,
    #[error("That email and password do not match an account.")]
    BadCredentials,
    /// Signed in, but this user may not do this (a staff member editing triggers, say).
    #[error("{0}")]
    Forbidden(String),
    /// Missing — or belonging to another sub-account, which looks the same from outside.
    #[error("{0} was not found.")]
    NotFound(String),
    #[error("Some answers need attention before this form can be submitted.")]
    InvalidAnswers(BTreeMap<String, FieldError>),
    #[error("The template has problems: {}", join(.0))]
    InvalidTemplate(Vec<TemplateProblem>),
    #[error("The trigger has problems: {}", join(.0))]
    InvalidTrigger(Vec<TriggerProblem>),
    /// The request is fine but the current state forbids it (already submitted, in use...).
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("Something went wrong on the server ({0}). Please try again.")]
    Internal(String),
}

fn join<T: std::fmt::Display>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
}

impl AppError {
    pub fn not_found(what: &str) -> Self {
        AppError::NotFound(what.to_owned())
    }

    pub fn admins_only() -> Self {
        AppError::Forbidden("Only admins can change templates and triggers.".to_owned())
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(reason)
            | ServerFnErrorErr::MissingArg(reason)
            | ServerFnErrorErr::Deserialization(reason) => {
                AppError::BadRequest(format!("The request could not be read: {reason}"))
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}
