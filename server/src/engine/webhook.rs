//! The `webhook` action's call. The URL's host was written out when the workflow was saved
//! (a record cannot choose where a call goes); here every address the host resolves to is
//! checked as well — unless the server allows private hosts, a name that leads to a loopback,
//! private or link-local address is refused, so a DNS answer cannot turn a webhook against
//! OpsFlow's own network. Redirects are not followed (one could lead anywhere). Each call
//! carries `Idempotency-Key: <step id>`, the same on every retry of the step.

use app::model::workflow::interpolate::{Escape, render};
use app::model::workflow::secrets::{HIDDEN, hide_url, is_secret_name};
use app::model::workflow::{TriggerFields, WebhookCall, actions::is_private_host};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use serde_json::{Map, Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use super::Failure;

/// How much of an answer's body a step keeps.
const KEPT_BODY: usize = 16 * 1024;

/// Calls webhooks.
#[derive(Clone)]
pub struct WebhookClient {
    /// `None` when the client could not be built: every call is then refused (never made by
    /// a client without the address check).
    http: Option<reqwest::Client>,
    private_hosts: bool,
}

/// A name that resolved to an address webhooks may not call.
#[derive(Debug, thiserror::Error)]
#[error("“{host}” leads to {address}, a local or private address, which webhooks may not call")]
struct PrivateAddress {
    host: String,
    address: std::net::IpAddr,
}

/// Resolves names and refuses those with a private address among their answers.
struct CheckedResolver;

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some(private) = addresses.iter().find(|address| is_private_host(&address.ip().to_string())) {
                return Err(Box::new(PrivateAddress { host, address: private.ip() }) as Box<_>);
            }
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}

/// A call filled in from the trigger.
pub(super) struct Request {
    method: &'static str,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

impl Request {
    /// The call with the trigger's values in it: URL-encoded in the URL, on one line in a
    /// header, JSON-escaped in the body.
    pub(super) fn prepare(call: &WebhookCall, fields: &TriggerFields, record: &Map<String, Value>) -> Self {
        let body = call.body.as_ref().map(|body| match body {
            Value::String(text) => render(text, fields, record, Escape::Json),
            value => super::fill(value, &|text| render(text, fields, record, Escape::Plain)).to_string(),
        });
        Request {
            method: call.method,
            url: render(&call.url, fields, record, Escape::Url),
            headers: call
                .headers
                .iter()
                .map(|(name, value)| (name.clone(), render(value, fields, record, Escape::Header)))
                .collect(),
            body,
        }
    }

    /// What the step's `input` shows: the call, with credentials in headers, the URL's user
    /// part and its query replaced by `[redacted]`.
    pub(super) fn shown(&self) -> Value {
        let headers: Map<String, Value> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let shown = if is_secret_name(name) { HIDDEN } else { value.as_str() };
                (name.clone(), Value::from(shown))
            })
            .collect();
        let body = self.body.as_ref().map(|text| serde_json::from_str(text).unwrap_or_else(|_| json!(text)));
        json!({ "method": self.method, "url": hide_url(&self.url), "headers": headers, "body": body })
    }
}

impl WebhookClient {
    /// `private_hosts`: whether webhooks may call loopback, private and link-local addresses.
    pub fn new(private_hosts: bool) -> Self {
        // No proxy from the environment: a proxy would resolve the name itself, past the check.
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("OpsFlow-Workflows/", env!("CARGO_PKG_VERSION")));
        if !private_hosts {
            builder = builder.dns_resolver(Arc::new(CheckedResolver));
        }
        let http =
            builder.build().inspect_err(|error| tracing::error!(%error, "the webhook client cannot be built")).ok();
        Self { http, private_hosts }
    }

    /// Makes the call; its answer (status and the start of its body) is the step's output. A
    /// timeout, a network failure, 408, 429 and 5xx may work later; another answer outside
    /// 2xx will not.
    pub(super) async fn call(
        &self,
        call: &WebhookCall,
        fields: TriggerFields<'_>,
        record: &Map<String, Value>,
        step_id: &str,
    ) -> Result<Value, Failure> {
        let request = Request::prepare(call, &fields, record);
        let http = self.http.as_ref().ok_or_else(|| Failure::Refused("The server cannot make calls.".to_owned()))?;
        let url = reqwest::Url::parse(&request.url)
            .map_err(|error| Failure::Refused(format!("“{}” is not an address: {error}.", hide_url(&request.url))))?;
        // An address written as an IP is not resolved, so it is checked here.
        if let Some(host) = url.host_str()
            && !self.private_hosts
            && is_private_host(host.trim_start_matches('[').trim_end_matches(']'))
        {
            return Err(Failure::Refused(format!(
                "“{host}” is a local or private address, which webhooks may not call."
            )));
        }
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| Failure::Refused(format!("{} is not a method.", request.method)))?;
        let mut builder = http
            .request(method, url)
            .timeout(Duration::from_millis(u64::try_from(call.timeout_ms).unwrap_or(10_000)))
            .header("Idempotency-Key", step_id);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = request.body {
            builder = builder.header("Content-Type", "application/json").body(body);
        }
        let mut response = builder.send().await.map_err(|error| sent_error(error, call.timeout_ms))?;
        let status = response.status();
        let mut body = Vec::new();
        let mut truncated = false;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| Failure::Later(format!("The answer broke off: {}.", error.without_url())))?
        {
            let room = KEPT_BODY - body.len();
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if chunk.len() > room {
                truncated = true;
                break;
            }
        }
        let text = String::from_utf8_lossy(&body).into_owned();
        if status.is_success() {
            return Ok(json!({ "status": status.as_u16(), "body": text, "truncated": truncated }));
        }
        let shown: String = text.chars().take(300).collect();
        let why = format!("The endpoint answered {}: {}", status.as_u16(), shown.trim());
        if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
            Err(Failure::Later(why))
        } else {
            Err(Failure::Refused(why))
        }
    }
}

/// Why a call got no answer: refused (a private address) or worth another try.
fn sent_error(error: reqwest::Error, timeout_ms: i64) -> Failure {
    let mut source: Option<&dyn std::error::Error> = Some(&error);
    while let Some(cause) = source {
        if let Some(private) = cause.downcast_ref::<PrivateAddress>() {
            return Failure::Refused(format!("{}.", crate::crm::sentence_case(&private.to_string())));
        }
        source = cause.source();
    }
    if error.is_timeout() {
        Failure::Later(format!("No answer within {timeout_ms} ms."))
    } else {
        // Without its URL, which may carry credentials.
        Failure::Later(format!("The call failed: {}.", error.without_url()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A name is checked by what it resolves to, so DNS cannot lead a call home.
    #[tokio::test]
    async fn a_name_that_resolves_to_a_private_address_is_refused() {
        let refused = CheckedResolver.resolve("localhost".parse().unwrap_or_else(|_| unreachable!())).await;
        let error = refused.err().map(|error| error.to_string()).unwrap_or_default();
        assert!(error.starts_with("“localhost” leads to 127.0.0.1") || error.contains("::1"), "{error}");
    }
}
