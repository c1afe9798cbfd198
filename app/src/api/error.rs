//! The one error type every server function answers with. It crosses the wire as JSON, so the
//! browser shows the same message the server wrote, including per-field details.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

use crate::model::messaging::SettingsProblem;
use crate::model::workflow::Problem;
use crate::model::{FieldError, TemplateProblem, TriggerProblem};

#[derive(Clone, Debug, PartialEq, Serialize, thiserror::Error)]
#[serde(tag = "error", content = "details", rename_all = "snake_case")]
pub enum AppError {
    #[error("Please sign in to continue.")]
    NotSignedIn,
    #[error("That email and password do not match an account.")]
    BadCredentials,
    /// A REST API call without a live API key (none, an unknown one, a revoked one).
    #[error("Send a live API key as Authorization: Bearer <key>; an admin makes keys in Settings.")]
    ApiKeyRequired,
    /// Signed in, but this user may not do this (a staff member editing triggers, say).
    #[error("{0}")]
    Forbidden(String),
    /// Missing — or belonging to another sub-account, which looks the same from outside. A
    /// sentence, as the answer's `details` too (see [`AppError::not_found`]).
    #[error("{0}")]
    NotFound(String),
    #[error("Some answers need attention before this form can be submitted.")]
    InvalidAnswers(BTreeMap<String, FieldError>),
    #[error("The template has problems: {}", join(.0))]
    InvalidTemplate(Vec<TemplateProblem>),
    #[error("The trigger has problems: {}", join(.0))]
    InvalidTrigger(Vec<TriggerProblem>),
    /// A template file that was not imported, with every reason (see `model::transfer`).
    #[error("The file was not imported: {}", .0.join(" "))]
    InvalidImport(Vec<String>),
    /// A CRM record that was not saved, with every problem (see `model::record`).
    #[error("The record was not saved: {}.", .0.join("; "))]
    InvalidRecord(Vec<String>),
    /// A workflow that was not saved, with every problem at its JSON path (see `model::workflow`).
    #[error("The workflow was not saved: {}", join(.0))]
    InvalidWorkflow(Vec<Problem>),
    /// Messaging settings refused, each problem by the field it stands beside.
    #[error("The settings were not saved: {}", join(.0))]
    InvalidSettings(Vec<SettingsProblem>),
    /// The request is fine but the current state forbids it (already submitted, in use...).
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    BadRequest(String),
    /// Too many attempts in a short time (sign-in): wait this many seconds (HTTP 429, `Retry-After`).
    #[error("Too many attempts. Wait {0} seconds and try again.")]
    TooManyAttempts(u64),
    /// A service OpsFlow must ask could not answer now (HighLevel confirming a sign-in): nothing
    /// was done, and the same request may succeed in a minute (HTTP 503).
    #[error("{0}")]
    Unavailable(String),
    #[error("Something went wrong on the server ({0}). Please try again.")]
    Internal(String),
}

impl AppError {
    /// The HTTP status that says what kind of failure this is: the server's answer to a server
    /// function or API call, and the status of a page that shows the error.
    #[cfg(feature = "ssr")]
    pub fn http_status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            AppError::NotSignedIn | AppError::BadCredentials | AppError::ApiKeyRequired => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::InvalidAnswers(_)
            | AppError::InvalidTemplate(_)
            | AppError::InvalidTrigger(_)
            | AppError::InvalidImport(_)
            | AppError::InvalidRecord(_)
            | AppError::InvalidWorkflow(_)
            | AppError::InvalidSettings(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Decodes `{"error": code, "details": ...}` as the server writes it, code first, so the details
/// are read straight into their type. serde's derived decoder for this shape would buffer the
/// details of an unknown order, which costs the browser more code than the rest of the errors.
impl<'de> Deserialize<'de> for AppError {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(AppErrorVisitor)
    }
}

struct AppErrorVisitor;

impl<'de> Visitor<'de> for AppErrorVisitor {
    type Value = AppError;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an error object: {\"error\": code, \"details\": ...}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AppError, A::Error> {
        const CODES: &[&str] = &[
            "not_signed_in",
            "bad_credentials",
            "api_key_required",
            "forbidden",
            "not_found",
            "invalid_answers",
            "invalid_template",
            "invalid_trigger",
            "invalid_import",
            "invalid_record",
            "invalid_workflow",
            "invalid_settings",
            "conflict",
            "bad_request",
            "too_many_attempts",
            "unavailable",
            "internal",
        ];
        if map.next_key::<String>()?.as_deref() != Some("error") {
            return Err(de::Error::custom("an error object starts with its `error` code"));
        }
        let code = map.next_value::<String>()?;
        let error = match code.as_str() {
            "not_signed_in" => AppError::NotSignedIn,
            "bad_credentials" => AppError::BadCredentials,
            "api_key_required" => AppError::ApiKeyRequired,
            "forbidden" => AppError::Forbidden(details(&mut map)?),
            "not_found" => AppError::NotFound(details(&mut map)?),
            "invalid_answers" => AppError::InvalidAnswers(details(&mut map)?),
            "invalid_template" => AppError::InvalidTemplate(details(&mut map)?),
            "invalid_trigger" => AppError::InvalidTrigger(details(&mut map)?),
            "invalid_import" => AppError::InvalidImport(details(&mut map)?),
            "invalid_record" => AppError::InvalidRecord(details(&mut map)?),
            "invalid_workflow" => AppError::InvalidWorkflow(details(&mut map)?),
            "invalid_settings" => AppError::InvalidSettings(details(&mut map)?),
            "conflict" => AppError::Conflict(details(&mut map)?),
            "bad_request" => AppError::BadRequest(details(&mut map)?),
            "too_many_attempts" => AppError::TooManyAttempts(details(&mut map)?),
            "unavailable" => AppError::Unavailable(details(&mut map)?),
            "internal" => AppError::Internal(details(&mut map)?),
            _ => return Err(de::Error::unknown_variant(&code, CODES)),
        };
        match map.next_key::<String>()? {
            None => Ok(error),
            Some(key) => Err(de::Error::custom(format_args!("unexpected `{key}` in an error object"))),
        }
    }
}

fn details<'de, T: Deserialize<'de>, A: MapAccess<'de>>(map: &mut A) -> Result<T, A::Error> {
    match map.next_key::<String>()?.as_deref() {
        Some("details") => map.next_value(),
        _ => Err(de::Error::missing_field("details")),
    }
}

fn join<T: std::fmt::Display>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
}

impl AppError {
    /// `what` (“That workflow”) was not found.
    pub fn not_found(what: &str) -> Self {
        AppError::NotFound(format!("{what} was not found."))
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

#[cfg(test)]
#[expect(clippy::expect_used, reason = "a test stops at the first surprise")]
mod tests {
    use super::*;
    use crate::model::TriggerProblem;
    use crate::model::messaging::SettingsField;

    fn decode(json: &str) -> Result<AppError, String> {
        serde_json::from_slice(json.as_bytes()).map_err(|e| e.to_string())
    }

    #[test]
    fn every_error_round_trips() {
        let examples = [
            AppError::NotSignedIn,
            AppError::BadCredentials,
            AppError::ApiKeyRequired,
            AppError::admins_only(),
            AppError::not_found("Form"),
            AppError::InvalidAnswers(BTreeMap::from([("phone".to_owned(), FieldError::NotAPhone)])),
            AppError::InvalidTemplate(vec![TemplateProblem::NoFields]),
            AppError::InvalidTrigger(vec![TriggerProblem::MoveToSameStage]),
            AppError::InvalidTemplate(vec![TemplateProblem::TriggerMapping {
                field: "hours".into(),
                reason: "Form field “hours” (Number) cannot be written to custom field “Notes” (Text).".into(),
            }]),
            AppError::InvalidImport(vec!["The file cannot be read at line 1, column 2: EOF.".into()]),
            AppError::InvalidRecord(vec!["“Score” takes a whole number from 0 to 100".into()]),
            AppError::InvalidWorkflow(vec![Problem::new("actions[0].config.userIds", "Required.")]),
            AppError::InvalidSettings(vec![SettingsProblem::new(SettingsField::Port, "Port: enter a port.")]),
            AppError::Conflict("Already submitted.".into()),
            AppError::BadRequest("Bad JSON.".into()),
            AppError::TooManyAttempts(16),
            AppError::Unavailable("HighLevel did not answer.".into()),
            AppError::Internal("database".into()),
        ];
        for error in examples {
            let json = serde_json::to_string(&error).expect("serialises");
            assert_eq!(decode(&json).as_ref(), Ok(&error), "{json}");
            // Exhaustive, so a new variant needs an example above before this compiles.
            match error {
                AppError::NotSignedIn
                | AppError::BadCredentials
                | AppError::ApiKeyRequired
                | AppError::Forbidden(_)
                | AppError::NotFound(_)
                | AppError::InvalidAnswers(_)
                | AppError::InvalidTemplate(_)
                | AppError::InvalidImport(_)
                | AppError::InvalidRecord(_)
                | AppError::InvalidWorkflow(_)
                | AppError::InvalidSettings(_)
                | AppError::InvalidTrigger(_)
                | AppError::Conflict(_)
                | AppError::BadRequest(_)
                | AppError::TooManyAttempts(_)
                | AppError::Unavailable(_)
                | AppError::Internal(_) => {}
            }
        }
        assert_eq!(
            serde_json::to_string(&AppError::not_found("Form")).ok().as_deref(),
            Some(r#"{"error":"not_found","details":"Form was not found."}"#)
        );
    }

    #[test]
    fn malformed_errors_are_refused_with_the_reason() {
        let refused = |json: &str| decode(json).expect_err(json);
        assert!(refused(r#"{"error":"teapot"}"#).contains("unknown variant `teapot`"));
        assert!(refused(r#"{"error":"not_found"}"#).contains("missing field `details`"));
        assert!(refused(r#"{"details":"Form","error":"not_found"}"#).contains("starts with its `error` code"));
        assert!(refused(r#"{"error":"not_signed_in","extra":1}"#).contains("unexpected `extra`"));
    }
}
