//! HighLevel's REST API over `reqwest`: the base URL from configuration, the `Version` header
//! each endpoint declares (reference §3.1), the bearer token, the rate limits, and HighLevel's
//! error shapes (§3.2) turned into [`ApiError`], which says whether trying again can help.

use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::time::Duration;

use super::limits::RateLimiter;

/// The `Version` of every v2 endpoint OpsFlow calls except Voice AI.
pub const VERSION: &str = "2021-07-28";
/// The `Version` of the Voice AI endpoints.
pub const VOICE_AI_VERSION: &str = "2021-04-15";

/// How long one request may take before it counts as unavailable.
const TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// A 4xx other than 401 and 429: final; `message` is HighLevel's.
    #[error("HighLevel refused the request ({status}): {message}")]
    Rejected { status: u16, message: String },
    /// The token was not accepted: refresh it and try once more.
    #[error("HighLevel did not accept the access token: {0}")]
    Unauthorized(String),
    /// A 5xx, a 429, a timeout or no connection: may work later.
    #[error("HighLevel is unavailable: {0}")]
    Unavailable(String),
    /// A success whose body is not what the API documents.
    #[error("HighLevel answered in an unexpected shape: {0}")]
    Unreadable(String),
}

impl ApiError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Rejected { status: 404, .. })
    }
}

/// A body to send.
pub enum Body<'a> {
    None,
    Json(&'a Value),
    Form(&'a [(&'a str, &'a str)]),
}

/// One request: who it is for (the rate-limit resource), with which token.
pub struct Call<'a> {
    pub method: Method,
    /// From the base URL, e.g. `/contacts/abc/notes`.
    pub path: &'a str,
    pub query: &'a [(&'a str, &'a str)],
    pub version: &'static str,
    pub token: &'a str,
    /// The location or company id the request counts against.
    pub resource: &'a str,
    pub body: Body<'a>,
}

#[derive(Clone, Debug)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    limiter: RateLimiter,
}

impl Api {
    pub fn new(base: &str) -> Result<Self, ApiError> {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            // Following redirects would send the bearer token wherever a response points.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("OpsFlow/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| ApiError::Unavailable(format!("no HTTP client: {error}")))?;
        Ok(Self { http, base: base.trim_end_matches('/').to_owned(), limiter: RateLimiter::default() })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The HTTP client, for the OAuth token endpoint (which the `oauth2` crate calls).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub async fn send<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T, ApiError> {
        self.limiter.acquire(call.resource).await;
        let url = format!("{}{}", self.base, call.path);
        let request = self
            .http
            .request(call.method.clone(), &url)
            .query(call.query)
            .bearer_auth(call.token)
            .header("Version", call.version)
            .header("Accept", "application/json");
        let request = with_body(request, &call.body);
        let response = request.send().await.map_err(|error| {
            ApiError::Unavailable(if error.is_timeout() {
                "the request timed out".to_owned()
            } else {
                error.to_string()
            })
        })?;
        let status = response.status();
        self.note_limits(call.resource, &response);
        let text = response.text().await.map_err(|error| ApiError::Unavailable(error.to_string()))?;
        if status.is_success() {
            return serde_json::from_str(if text.is_empty() { "null" } else { &text })
                .map_err(|error| ApiError::Unreadable(format!("{} {}: {error}", call.method, call.path)));
        }
        let message = error_message(&text);
        tracing::warn!(%status, method = %call.method, path = call.path, message, trace_id = trace_id(&text), "HighLevel error");
        Err(match status {
            StatusCode::UNAUTHORIZED => ApiError::Unauthorized(message),
            StatusCode::TOO_MANY_REQUESTS => ApiError::Unavailable(format!("rate limited (429): {message}")),
            status if status.is_server_error() => ApiError::Unavailable(format!("{status}: {message}")),
            status => ApiError::Rejected { status: status.as_u16(), message },
        })
    }

    /// Pauses the resource when HighLevel says its window is spent, or asks to retry later.
    fn note_limits(&self, resource: &str, response: &reqwest::Response) {
        let header =
            |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok());
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            self.limiter.pause(resource, Duration::from_secs(header("retry-after").unwrap_or(10)));
        } else if header("x-ratelimit-remaining") == Some(0) {
            let interval = header("x-ratelimit-interval-milliseconds").unwrap_or(10_000);
            self.limiter.pause(resource, Duration::from_millis(interval));
        }
    }
}

fn with_body(request: RequestBuilder, body: &Body<'_>) -> RequestBuilder {
    match body {
        Body::None => request,
        Body::Json(json) => request.json(json),
        Body::Form(fields) => request.form(fields),
    }
}

/// HighLevel's `message`: a string for most errors, a list of strings for 422.
fn error_message(text: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(text).ok();
    match parsed.as_ref().and_then(|body| body.get("message")) {
        Some(Value::String(message)) => message.clone(),
        Some(Value::Array(messages)) => messages.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("; "),
        _ if text.trim().is_empty() => "no message".to_owned(),
        _ => text.chars().take(200).collect(),
    }
}

fn trace_id(text: &str) -> Option<String> {
    let body: Value = serde_json::from_str(text).ok()?;
    body.get("traceId").and_then(Value::as_str).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_are_read_in_both_documented_shapes() {
        assert_eq!(error_message(r#"{"statusCode":400,"message":"Bad Request"}"#), "Bad Request");
        assert_eq!(
            error_message(r#"{"statusCode":422,"message":["title should not be empty","dueDate must be a date"]}"#),
            "title should not be empty; dueDate must be a date"
        );
        assert_eq!(error_message("<html>Bad gateway</html>"), "<html>Bad gateway</html>");
        assert_eq!(error_message(""), "no message");
    }
}
