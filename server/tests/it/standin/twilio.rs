//! A local stand-in for Twilio's Messages API, on a real socket, for the SMS and WhatsApp
//! actions. OpsFlow's client is exercised for real — basic auth, form encoding, repeated
//! `MediaUrl` keys, a `+` that must be percent-encoded or it arrives as a space — which a mock
//! of the client would not see.
//!
//! Every request is checked against Twilio's official OpenAPI description
//! (`tests/twilio-openapi/messages.json`, trimmed from `twilio/twilio-oai`, copied unchanged)
//! and against the rules Twilio states beside it: the `x-twilio.conditional` groups (a sender,
//! and some content) and the limits its descriptions give (a body of at most 1,600
//! characters). A request Twilio would refuse is answered 400 with Twilio's error JSON, and is
//! also recorded: [`TwilioStandIn::assert_spec_clean`] fails the test, so a malformed request
//! is caught even when OpsFlow copes with the 400.
//!
//! One strictness beyond Twilio: a form key the spec does not declare is refused. Twilio
//! ignores it, so a misspelt key (`body` for `Body`) would otherwise pass silently.
//!
//! Messages are kept in memory for the list and fetch operations. Failures can be injected
//! ([`TwilioStandIn::fail_next`]) to exercise retries. Like Twilio's Messages API, it has no
//! idempotency key: a client that retries must look for the message it may have sent.
#![allow(dead_code)]
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first surprise")]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use base64::Engine as _;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The account the stand-in knows: the basic-auth user, and the `{AccountSid}` in every path.
pub const ACCOUNT_SID: &str = "AC3f1c2b0d9e8a7f6b5c4d3e2f1a0b9c8d";
/// The basic-auth password.
pub const AUTH_TOKEN: &str = "9b2e4f6a8c0d1e3f5a7b9c1d3e5f7a9b";

/// The operations served, as the spec writes their paths.
const LIST: &str = "/2010-04-01/Accounts/{AccountSid}/Messages.json";
const INSTANCE: &str = "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json";
/// From `Body`'s description: "Can be up to 1,600 characters in length."
const LONGEST_BODY: usize = 1600;
/// From `MediaUrl`'s description: "You can include up to ten `media_url` parameters".
const MOST_MEDIA: usize = 10;
/// From `ValidityPeriod`'s description: "Accepted values are integers from `1` to `36000`."
const VALIDITY_PERIOD: std::ops::RangeInclusive<i64> = 1..=36_000;
/// From `PageSize`'s description.
const DEFAULT_PAGE_SIZE: usize = 50;
/// No single Twilio code fits a malformed parameter in general; this one opens the range of
/// request errors, and the message says what is wrong.
const GENERIC: u32 = 21_000;
/// Parameters whose descriptions also allow a short code or an alphanumeric sender ID.
const SENDERS: &[&str] = &["From", "FallbackFrom"];

/// A message the stand-in accepted.
#[derive(Clone, Debug)]
pub struct SentMessage {
    pub sid: String,
    pub to: String,
    pub from: Option<String>,
    pub messaging_service_sid: Option<String>,
    pub body: Option<String>,
    pub media_urls: Vec<String>,
    /// When the POST that created it arrived.
    pub at: DateTime<Utc>,
    /// The whole form, for assertions on anything else.
    pub form: Vec<(String, String)>,
}

struct Stored {
    sent: SentMessage,
    /// The resource as Twilio answers it (`api.v2010.account.message`).
    resource: Value,
}

#[derive(Default)]
struct Inner {
    violations: Vec<String>,
    requests: usize,
    /// Statuses to answer the next POSTs with, in order, and whether the message is created
    /// first (an answer lost after Twilio did the work).
    failures: VecDeque<(u16, bool)>,
    messages: Vec<Stored>,
}

#[derive(Clone)]
pub struct TwilioStandIn {
    base: String,
    inner: Arc<Mutex<Inner>>,
    spec: Arc<Spec>,
}

impl TwilioStandIn {
    /// On a free port of 127.0.0.1.
    pub async fn start() -> Self {
        let stand_in =
            Self { base: String::new(), inner: Arc::new(Mutex::new(Inner::default())), spec: Arc::new(Spec::load()) };
        let app = Router::new().fallback(handle).with_state(stand_in.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, ..stand_in }
    }

    /// `http://127.0.0.1:PORT`, in place of `https://api.twilio.com` (no trailing slash).
    pub fn base_url(&self) -> String {
        self.base.clone()
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        f(&mut self.inner.lock().unwrap())
    }

    /// The messages created, oldest first.
    pub fn messages(&self) -> Vec<SentMessage> {
        self.with(|inner| inner.messages.iter().map(|stored| stored.sent.clone()).collect())
    }

    /// The next `times` POSTs that authenticate are answered `status` (429 with
    /// `Retry-After: 1`) and create nothing. Their bodies are still checked.
    pub fn fail_next(&self, status: u16, times: usize) {
        let valid = StatusCode::from_u16(status).is_ok_and(|s| s.is_client_error() || s.is_server_error());
        assert!(valid, "fail_next takes a 4xx or 5xx status, not {status}");
        self.with(|inner| inner.failures.extend(std::iter::repeat_n((status, false), times)));
    }

    /// The next POST that authenticates creates its message, then is answered `status`: the
    /// caller never learns the message exists.
    pub fn lose_next_answer(&self, status: u16) {
        self.with(|inner| inner.failures.push_back((status, true)));
    }

    /// Every HTTP request received, whatever it was answered.
    pub fn requests(&self) -> usize {
        self.with(|inner| inner.requests)
    }

    pub fn violations(&self) -> Vec<String> {
        self.with(|inner| inner.violations.clone())
    }

    /// The violations so far, forgotten: for a test that sends a bad request on purpose.
    pub fn take_violations(&self) -> Vec<String> {
        self.with(|inner| std::mem::take(&mut inner.violations))
    }

    pub fn assert_spec_clean(&self) {
        let violations = self.violations();
        assert!(violations.is_empty(), "requests Twilio's OpenAPI spec (or its stated rules) rejects: {violations:#?}");
    }

    fn record(&self, method: &Method, path: &str, problems: &[Problem]) {
        let text = problems.iter().map(|p| format!("{method} {path}: {} (Twilio {})", p.message, p.code));
        self.with(|inner| inner.violations.extend(text));
    }

    /// `POST …/Messages.json`: a new message.
    fn create(&self, account: &str, form: &[(String, String)]) -> Response {
        let mut inner = self.inner.lock().unwrap();
        let media_urls = all(form, "MediaUrl");
        // Twilio names an MMS `MM…` and anything else `SM…`.
        let prefix = if media_urls.is_empty() { "SM" } else { "MM" };
        let sent = SentMessage {
            sid: format!("{prefix}{:032x}", rand::random::<u128>()),
            to: first(form, "To").unwrap_or_default().to_owned(),
            from: first(form, "From").map(str::to_owned),
            messaging_service_sid: first(form, "MessagingServiceSid").map(str::to_owned),
            body: first(form, "Body").map(str::to_owned),
            media_urls,
            at: Utc::now(),
            form: form.to_vec(),
        };
        let resource = resource(account, &sent);
        inner.messages.push(Stored { sent, resource: resource.clone() });
        (StatusCode::CREATED, Json(resource)).into_response()
    }

    /// `GET …/Messages.json`: newest first, filtered by `To`, `From` and the sent day, paged.
    fn list(&self, path: &str, query: &[(String, String)]) -> Response {
        let given = |name: &str| first(query, name);
        let on = given("DateSent").and_then(day_of);
        let until = given("DateSent<").and_then(day_of);
        let since = given("DateSent>").and_then(day_of);
        let page_size = given("PageSize").and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_PAGE_SIZE);
        let page: usize = given("Page").and_then(|s| s.parse().ok()).unwrap_or(0);
        let found: Vec<Value> = self.with(|inner| {
            inner
                .messages
                .iter()
                .rev()
                .filter(|m| given("To").is_none_or(|to| m.sent.to == to))
                .filter(|m| given("From").is_none_or(|from| m.sent.from.as_deref() == Some(from)))
                .filter(|m| {
                    // `DateSent<=D` arrives as the key `DateSent<`: on or before D, by GMT day.
                    let day = m.sent.at.date_naive();
                    on.is_none_or(|d| day == d) && until.is_none_or(|d| day <= d) && since.is_none_or(|d| day >= d)
                })
                .map(|m| m.resource.clone())
                .collect()
        });
        let start = page.saturating_mul(page_size);
        let messages: Vec<Value> = found.iter().skip(start).take(page_size).cloned().collect();
        let filters: Vec<(&str, &str)> = ["To", "From", "DateSent", "DateSent<", "DateSent>"]
            .into_iter()
            .filter_map(|name| Some((name, given(name)?)))
            .collect();
        let uri = |page: usize, token: Option<String>| {
            let mut pairs: Vec<(&str, String)> = filters.iter().map(|(n, v)| (*n, (*v).to_owned())).collect();
            pairs.extend([("PageSize", page_size.to_string()), ("Page", page.to_string())]);
            pairs.extend(token.map(|token| ("PageToken", token)));
            format!("{path}?{}", serde_urlencoded::to_string(pairs).unwrap())
        };
        let sid = |message: Option<&Value>| message.and_then(|m| m["sid"].as_str()).unwrap_or_default().to_owned();
        let next =
            (start + messages.len() < found.len()).then(|| uri(page + 1, Some(format!("PA{}", sid(messages.last())))));
        let previous = (page > 0).then(|| uri(page - 1, Some(format!("PB{}", sid(messages.first())))));
        let end = if messages.is_empty() { start } else { start + messages.len() - 1 };
        Json(json!({
            "messages": messages, "page": page, "page_size": page_size, "start": start, "end": end,
            "uri": uri(page, given("PageToken").map(str::to_owned)), "first_page_uri": uri(0, None),
            "next_page_uri": next, "previous_page_uri": previous,
        }))
        .into_response()
    }

    /// `GET …/Messages/{Sid}.json`.
    fn fetch(&self, path: &str, sid: &str) -> Response {
        let found = self.with(|inner| inner.messages.iter().find(|m| m.sent.sid == sid).map(|m| m.resource.clone()));
        match found {
            Some(resource) => Json(resource).into_response(),
            None => not_found(path),
        }
    }

    /// `DELETE …/Messages/{Sid}.json`: in the spec, so served, though OpsFlow has no use for it.
    fn delete(&self, path: &str, sid: &str) -> Response {
        let removed = self.with(|inner| {
            let before = inner.messages.len();
            inner.messages.retain(|m| m.sent.sid != sid);
            inner.messages.len() < before
        });
        if removed { StatusCode::NO_CONTENT.into_response() } else { not_found(path) }
    }
}

/// A reason Twilio refuses a request, with the code it would answer.
#[derive(Clone, Debug)]
struct Problem {
    code: u32,
    message: String,
}

impl Problem {
    fn generic(message: impl Into<String>) -> Self {
        Self { code: GENERIC, message: message.into() }
    }
}

/// Twilio's error body: `{"code", "message", "more_info", "status"}`.
fn twilio_error(status: StatusCode, code: u32, message: &str) -> Response {
    let more_info = format!("https://www.twilio.com/docs/errors/{code}");
    (status, Json(json!({"code": code, "message": message, "more_info": more_info, "status": status.as_u16()})))
        .into_response()
}

fn unauthorized() -> Response {
    let mut response = twilio_error(StatusCode::UNAUTHORIZED, 20_003, "Authenticate");
    response.headers_mut().insert("www-authenticate", "Basic realm=\"Twilio API\"".parse().unwrap());
    response
}

fn not_found(path: &str) -> Response {
    twilio_error(StatusCode::NOT_FOUND, 20_404, &format!("The requested resource {path} was not found"))
}

/// An injected failure: Twilio's `20xxx` code for the status (20429, 20500, 20503…).
fn injected(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    let message = status.canonical_reason().unwrap_or("Error");
    let mut response = twilio_error(status, 20_000 + u32::from(status.as_u16()), message);
    if status == StatusCode::TOO_MANY_REQUESTS {
        response.headers_mut().insert("retry-after", "1".parse().unwrap());
    }
    response
}

async fn handle(
    State(stand_in): State<TwilioStandIn>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    stand_in.with(|inner| inner.requests += 1);
    let Some(operation) = stand_in.spec.find(method.as_str(), &path) else {
        stand_in.record(&method, &path, &[Problem::generic(format!("no operation {method} {path} in Twilio's spec"))]);
        return not_found(&path);
    };
    let (query, mut problems) = match serde_urlencoded::from_str::<Vec<(String, String)>>(uri.query().unwrap_or("")) {
        Ok(query) => (query, Vec::new()),
        Err(error) => (Vec::new(), vec![Problem::generic(format!("the query string does not decode: {error}"))]),
    };
    problems.extend(stand_in.spec.check_parameters(&operation, &query));
    let form = stand_in.spec.check_body(&operation, &headers, &body, &mut problems);
    let credentials = basic_auth(&headers);
    if credentials.is_none()
        && let Some(scheme) = stand_in.spec.basic_scheme(&operation)
    {
        problems.push(Problem::generic(format!("the spec secures this with HTTP basic auth (`{scheme}`); none sent")));
    }
    stand_in.record(&method, &path, &problems);
    // Twilio authenticates first, and the credentials must be those of the account in the path.
    let account = operation.param("AccountSid");
    if credentials.as_ref().is_none_or(|(user, password)| user != ACCOUNT_SID || password != AUTH_TOKEN)
        || account != ACCOUNT_SID
    {
        return unauthorized();
    }
    let failure = if method == Method::POST { stand_in.with(|inner| inner.failures.pop_front()) } else { None };
    if let Some((status, false)) = failure {
        return injected(status);
    }
    // Twilio answers one error: the most telling, a specific code over the generic one.
    if let Some(problem) = problems.iter().min_by_key(|p| p.code == GENERIC) {
        return twilio_error(StatusCode::BAD_REQUEST, problem.code, &problem.message);
    }
    match (method.as_str(), operation.template) {
        ("POST", LIST) if failure.is_some() => {
            stand_in.create(account, &form);
            injected(failure.map_or(500, |(status, _)| status))
        }
        ("POST", LIST) => stand_in.create(account, &form),
        ("GET", LIST) => stand_in.list(&path, &query),
        ("GET", INSTANCE) => stand_in.fetch(&path, operation.param("Sid")),
        ("DELETE", INSTANCE) => stand_in.delete(&path, operation.param("Sid")),
        _ => {
            // In the spec (updating a message), but not something OpsFlow should be doing yet.
            let problem = Problem::generic(format!("the stand-in does not serve {method} {}", operation.template));
            stand_in.record(&method, &path, std::slice::from_ref(&problem));
            twilio_error(StatusCode::NOT_IMPLEMENTED, problem.code, &problem.message)
        }
    }
}

/// The `Authorization: Basic` user and password, if sent.
fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let encoded = headers.get("authorization")?.to_str().ok()?.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

fn first<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn all(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs.iter().filter(|(n, _)| n == name).map(|(_, v)| v.clone()).collect()
}

/// Given with a value: Twilio takes an empty parameter for a missing one.
fn present(pairs: &[(String, String)], name: &str) -> bool {
    pairs.iter().any(|(n, v)| n == name && !v.is_empty())
}

/// The message resource as Twilio answers it (`components.schemas["api.v2010.account.message"]`).
fn resource(account: &str, sent: &SentMessage) -> Value {
    let uri = format!("/2010-04-01/Accounts/{account}/Messages/{}", sent.sid);
    let date = sent.at.to_rfc2822();
    let scheduled = first(&sent.form, "ScheduleType") == Some("fixed");
    json!({
        "account_sid": account,
        "api_version": "2010-04-01",
        "body": sent.body.clone().unwrap_or_default(),
        "date_created": date,
        // Twilio fills this in once the message leaves; the stand-in's leave at once (as in
        // the spec's `create` example), so the list's `DateSent` filters find them.
        "date_sent": if scheduled { Value::Null } else { json!(date) },
        "date_updated": date,
        "direction": "outbound-api",
        "error_code": null,
        "error_message": null,
        "from": sent.from,
        "messaging_service_sid": sent.messaging_service_sid,
        "num_media": sent.media_urls.len().to_string(),
        "num_segments": segments(sent.body.as_deref().unwrap_or_default()).to_string(),
        "price": null,
        "price_unit": null,
        "sid": sent.sid,
        "status": if scheduled { "scheduled" } else { "queued" },
        "subresource_uris": {"media": format!("{uri}/Media.json")},
        "to": sent.to,
        "uri": format!("{uri}.json"),
    })
}

/// GSM-7's basic set: one septet each.
const GSM7: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// GSM-7's extension: an escape and a septet each.
const GSM7_EXTENDED: &str = "^{}\\[~]|€\x0c";

/// SMS segments as Twilio bills them: 160 GSM-7 septets (153 when split), else 70 UCS-2 units
/// (67 when split). An empty body (media only) is one message.
fn segments(body: &str) -> usize {
    let septets: Option<usize> = body
        .chars()
        .map(|c| {
            if GSM7.contains(c) {
                Some(1)
            } else if GSM7_EXTENDED.contains(c) {
                Some(2)
            } else {
                None
            }
        })
        .sum();
    let (length, single, part) = match septets {
        Some(septets) => (septets, 160, 153),
        None => (body.encode_utf16().count(), 70, 67),
    };
    if length <= single { 1 } else { length.div_ceil(part) }
}

/// The GMT day a list filter names: `YYYY-MM-DD` as documented, or a date-time in one of the
/// forms the spec's examples use (RFC 3339, RFC 2822, `2019-06-11 22:05:25.000`,
/// `06/11/2019 22:05:25 MST` — whose zone abbreviation is not converted).
fn day_of(text: &str) -> Option<NaiveDate> {
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(day);
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(text).or_else(|_| DateTime::parse_from_rfc2822(text)) {
        return Some(at.to_utc().date_naive());
    }
    if let Ok(at) = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f") {
        return Some(at.date());
    }
    let (local, zone) = text.rsplit_once(' ')?;
    let zone_ok = !zone.is_empty() && zone.chars().all(|c| c.is_ascii_uppercase());
    let at = NaiveDateTime::parse_from_str(local, "%m/%d/%Y %H:%M:%S").ok().filter(|_| zone_ok)?;
    Some(at.date())
}

/// E.164 (`+`, then up to 15 digits, not starting with 0), as Twilio documents it.
fn e164(text: &str) -> bool {
    text.strip_prefix('+').is_some_and(|digits| {
        (2..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) && !digits.starts_with('0')
    })
}

/// `format: phone-number`: E.164, or a channel address (`whatsapp:+15552229999`,
/// `messenger:…`). A sender may also be a short code or an alphanumeric sender ID (up to 11
/// letters, digits and spaces, not all digits), as `From`'s description allows.
fn phone_number(text: &str, sender: bool) -> bool {
    if let Some((channel, address)) = text.split_once(':') {
        let channel_ok = !channel.is_empty() && channel.chars().all(|c| c.is_ascii_lowercase());
        let address_ok = if channel == "whatsapp" {
            e164(address)
        } else {
            !address.is_empty() && !address.chars().any(char::is_whitespace)
        };
        return channel_ok && address_ok;
    }
    let short_code = (3..=8).contains(&text.len()) && text.chars().all(|c| c.is_ascii_digit());
    let alphanumeric = (1..=11).contains(&text.chars().count())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ')
        && text.chars().any(|c| c.is_ascii_alphabetic());
    e164(text) || (sender && (short_code || alphanumeric))
}

/// `format: uri`: an http(s) URL with a host; `StatusCallback`'s description adds "underscores
/// are not allowed" (in the host name).
fn http_url(text: &str) -> bool {
    reqwest::Url::parse(text).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some_and(|host| !host.is_empty() && !host.contains('_'))
    })
}

/// `ContentSid` → `content_sid`: how `x-twilio.conditional` names the form's properties.
fn snake_case(name: &str) -> String {
    let mut snake = String::new();
    for (at, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && at > 0 {
            snake.push('_');
        }
        snake.push(c.to_ascii_lowercase());
    }
    snake
}

/// The code Twilio answers for a malformed value of this parameter.
fn invalid_code(name: &str) -> u32 {
    match name {
        "To" => 21_211,
        "From" => 21_212,
        "StatusCallback" => 21_609,
        "MediaUrl" => 21_620,
        _ => GENERIC,
    }
}

/// Twilio's OpenAPI description of the Messages API.
struct Spec {
    doc: Value,
}

/// An operation a request's method and path found, with the path's parameters.
struct Operation<'a> {
    template: &'a str,
    item: &'a Value,
    operation: &'a Value,
    params: Vec<(String, String)>,
}

impl Operation<'_> {
    fn param(&self, name: &str) -> &str {
        first(&self.params, name).unwrap_or_default()
    }
}

impl Spec {
    fn load() -> Self {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/twilio-openapi/messages.json");
        let text = std::fs::read_to_string(&file).expect("Twilio's OpenAPI file");
        Self { doc: serde_json::from_str(&text).expect("OpenAPI JSON") }
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                self.resolve(self.doc.pointer(reference.trim_start_matches('#')).unwrap_or(&Value::Null))
            }
            None => schema,
        }
    }

    /// The HTTP basic security scheme the operation requires (its own `security`, else the
    /// document's), if it requires one.
    fn basic_scheme<'a>(&'a self, operation: &Operation<'a>) -> Option<&'a str> {
        let security = operation.operation.get("security").unwrap_or(&self.doc["security"]);
        let names = security.as_array()?.iter().filter_map(Value::as_object).flat_map(|requirement| requirement.keys());
        names.map(String::as_str).find(|name| {
            let scheme = &self.doc["components"]["securitySchemes"][name];
            scheme["type"] == "http" && scheme["scheme"].as_str().is_some_and(|s| s.eq_ignore_ascii_case("basic"))
        })
    }

    fn find(&self, method: &str, path: &str) -> Option<Operation<'_>> {
        let method = method.to_ascii_lowercase();
        let paths = self.doc["paths"].as_object()?;
        paths
            .iter()
            .filter_map(|(template, item)| {
                let params = path_params(template, path)?;
                Some(Operation { template: template.as_str(), item, operation: item.get(&method)?, params })
            })
            // A literal segment beats a parameter.
            .min_by_key(|found| found.params.len())
    }

    /// The path's parameters and the query's against the operation's `parameters`: each value
    /// of its schema, no query parameter the operation does not declare.
    fn check_parameters(&self, operation: &Operation<'_>, query: &[(String, String)]) -> Vec<Problem> {
        let declared: Vec<&Value> = [operation.item, operation.operation]
            .into_iter()
            .flat_map(|at| at["parameters"].as_array().into_iter().flatten())
            .collect();
        let of = |place: &str| -> Vec<(&str, &Value)> {
            declared
                .iter()
                .filter(|p| p["in"] == place)
                .map(|p| (p["name"].as_str().unwrap_or_default(), &p["schema"]))
                .collect()
        };
        let mut problems = self.check_values(&operation.params, &of("path"), true);
        problems.extend(self.check_values(query, &of("query"), true));
        for parameter in declared.iter().filter(|p| p["required"] == true && p["in"] == "query") {
            let name = parameter["name"].as_str().unwrap_or_default();
            if !present(query, name) {
                problems.push(Problem::generic(format!("the query parameter `{name}` is required")));
            }
        }
        problems
    }

    /// The body against the operation's `requestBody`; the form's pairs (empty without one).
    fn check_body(
        &self,
        operation: &Operation<'_>,
        headers: &HeaderMap,
        body: &[u8],
        problems: &mut Vec<Problem>,
    ) -> Vec<(String, String)> {
        let Some(content) = operation.operation.pointer("/requestBody/content").and_then(Value::as_object) else {
            if !body.is_empty() {
                problems.push(Problem::generic(format!("a body on {}, which takes none", operation.template)));
            }
            return Vec::new();
        };
        let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
        let media = content_type.split(';').next().unwrap_or_default().trim();
        let Some(declared) = content.get(media) else {
            let declared: Vec<&String> = content.keys().collect();
            problems.push(Problem::generic(format!("Content-Type `{content_type}`; the spec declares {declared:?}")));
            return Vec::new();
        };
        let form: Vec<(String, String)> = match serde_urlencoded::from_bytes(body) {
            Ok(form) => form,
            Err(error) => {
                problems.push(Problem::generic(format!("the form does not decode: {error}")));
                return Vec::new();
            }
        };
        let schema = self.resolve(&declared["schema"]);
        let properties: Vec<(&str, &Value)> =
            schema["properties"].as_object().into_iter().flatten().map(|(name, s)| (name.as_str(), s)).collect();
        for name in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !present(&form, name) {
                problems.push(required(name));
            }
        }
        problems.extend(self.check_values(&form, &properties, false));
        problems.extend(conditional(operation.operation, &properties, &form));
        problems.extend(stated_rules(&form));
        form
    }

    /// `given` (form fields or parameters) against `declared` (name → schema): every name
    /// declared, a name repeated only where its schema is an array, each value of its schema.
    /// An empty value counts as absent (as Twilio takes it): the required checks catch it.
    fn check_values(&self, given: &[(String, String)], declared: &[(&str, &Value)], in_query: bool) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut unknown: Vec<&str> = given
            .iter()
            .map(|(name, _)| name.as_str())
            .filter(|name| !declared.iter().any(|(known, _)| known == name))
            .collect();
        unknown.sort_unstable();
        unknown.dedup();
        for name in unknown {
            problems.push(Problem::generic(format!("`{name}` is not a parameter Twilio's spec declares here")));
        }
        for (name, schema) in declared {
            let schema = self.resolve(schema);
            let values: Vec<&str> = given.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str()).collect();
            let single = if schema["type"] == "array" {
                self.resolve(&schema["items"])
            } else {
                if values.len() > 1 {
                    let message = format!("`{name}` is given {} times; the spec declares one value", values.len());
                    problems.push(Problem::generic(message));
                }
                schema
            };
            for value in values.into_iter().filter(|v| !v.is_empty()) {
                if let Err(message) = self.check_text(name, single, value, in_query) {
                    problems.push(Problem { code: invalid_code(name), message });
                }
            }
        }
        problems
    }

    /// One form or query value against a scalar schema: the text parsed as its `type`, then
    /// `minimum`/`maximum`, `minLength`/`maxLength`, `pattern`, `format` and `enum`.
    fn check_text(&self, name: &str, schema: &Value, text: &str, in_query: bool) -> Result<(), String> {
        let bad = |why: String| Err(format!("`{name}` = {text:?} {why}"));
        match schema["type"].as_str().unwrap_or("string") {
            kind @ ("integer" | "number") => {
                let (number, named) = if kind == "integer" {
                    (text.parse::<i64>().ok().map(|n| n as f64), "an integer")
                } else {
                    (text.parse::<f64>().ok().filter(|n| n.is_finite()), "a number")
                };
                let Some(number) = number else { return bad(format!("is not {named}")) };
                if schema["minimum"].as_f64().is_some_and(|least| number < least)
                    || schema["maximum"].as_f64().is_some_and(|most| number > most)
                {
                    return bad(format!("is outside {}..={}", schema["minimum"], schema["maximum"]));
                }
            }
            "boolean" if !text.eq_ignore_ascii_case("true") && !text.eq_ignore_ascii_case("false") => {
                return bad("is not true or false".to_owned());
            }
            "boolean" => {}
            "string" => self.check_string(name, schema, text, in_query).or_else(bad)?,
            other => return bad(format!("has type `{other}`, which a form value cannot have")),
        }
        if let Some(allowed) = schema["enum"].as_array()
            && !allowed.iter().any(|a| a.as_str() == Some(text))
        {
            return bad(format!("is not one of {}", Value::Array(allowed.clone())));
        }
        Ok(())
    }

    fn check_string(&self, name: &str, schema: &Value, text: &str, in_query: bool) -> Result<(), String> {
        let length = text.chars().count() as u64;
        if schema["minLength"].as_u64().is_some_and(|least| length < least)
            || schema["maxLength"].as_u64().is_some_and(|most| length > most)
        {
            return Err(format!("has {length} characters, outside {}..={}", schema["minLength"], schema["maxLength"]));
        }
        if let Some(pattern) = schema["pattern"].as_str()
            && !pattern::matches(pattern, text)
        {
            return Err(format!("does not match {pattern}"));
        }
        let fits = match schema["format"].as_str() {
            None => true,
            Some("phone-number") => phone_number(text, SENDERS.contains(&name)),
            // `MediaUrl`'s items say `x-twilio.ignoreFormat`: that tells Twilio's SDK generators
            // to keep a plain string; Twilio itself still refuses a media URL it cannot fetch.
            Some("uri") => http_url(text),
            // The list's `DateSent` filters take a day (their description) or the forms their
            // examples show; `SendAt` is "in ISO 8601 format".
            Some("date-time") if in_query => day_of(text).is_some(),
            Some("date-time") => DateTime::parse_from_rfc3339(text).is_ok(),
            Some(other) => return Err(format!("has format `{other}`, which the stand-in cannot check")),
        };
        if fits { Ok(()) } else { Err(format!("is not a valid {}", schema["format"])) }
    }
}

/// `{AccountSid}` and `{Sid}` of `path`, if it has the template's shape; a parameter may have
/// a literal prefix and suffix within its segment (`{Sid}.json`).
fn path_params(template: &str, path: &str) -> Option<Vec<(String, String)>> {
    let template: Vec<&str> = template.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    if template.len() != path.len() {
        return None;
    }
    let mut params = Vec::new();
    for (part, given) in template.iter().zip(&path) {
        let Some((before, rest)) = part.split_once('{') else {
            if part != given {
                return None;
            }
            continue;
        };
        let (name, after) = rest.split_once('}')?;
        let value = given.strip_prefix(before)?.strip_suffix(after).filter(|v| !v.is_empty())?;
        params.push((name.to_owned(), value.to_owned()));
    }
    Some(params)
}

fn required(name: &str) -> Problem {
    match name {
        "To" => Problem { code: 21_604, message: "A 'To' phone number is required.".to_owned() },
        _ => Problem::generic(format!("`{name}` is required")),
    }
}

/// The operation's `x-twilio.conditional`: from each group (snake_case names of the form's
/// properties) at least one is given — a sender (`From` or `MessagingServiceSid`), and some
/// content (`Body`, `MediaUrl` or `ContentSid`).
fn conditional(operation: &Value, properties: &[(&str, &Value)], form: &[(String, String)]) -> Vec<Problem> {
    let groups = operation.pointer("/x-twilio/conditional").and_then(Value::as_array).into_iter().flatten();
    groups
        .filter_map(|group| {
            let group: Vec<&str> = group.as_array()?.iter().filter_map(Value::as_str).collect();
            let names: Vec<&str> = properties
                .iter()
                .map(|(name, _)| *name)
                .filter(|name| group.contains(&snake_case(name).as_str()))
                .collect();
            if names.iter().any(|name| present(form, name)) {
                return None;
            }
            let one_of = names.join(", ");
            Some(if group.contains(&"body") {
                Problem { code: 21_602, message: format!("Message body is required (one of {one_of}).") }
            } else if group.contains(&"from") {
                Problem { code: 21_603, message: format!("A 'From' phone number is required (or one of {one_of}).") }
            } else {
                Problem::generic(format!("one of {one_of} is required"))
            })
        })
        .collect()
}

/// The rules Twilio states in the parameters' descriptions rather than their schemas.
fn stated_rules(form: &[(String, String)]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let body = first(form, "Body").unwrap_or_default();
    if body.chars().count() > LONGEST_BODY {
        let message = format!(
            "The concatenated message body exceeds the {LONGEST_BODY} character limit ({} characters).",
            body.chars().count()
        );
        problems.push(Problem { code: 21_617, message });
    }
    let media = all(form, "MediaUrl").len();
    if media > MOST_MEDIA {
        problems.push(Problem::generic(format!("{media} `MediaUrl`s; Twilio takes at most {MOST_MEDIA}")));
    }
    if let Some(period) = first(form, "ValidityPeriod").and_then(|p| p.parse::<i64>().ok())
        && !VALIDITY_PERIOD.contains(&period)
    {
        problems.push(Problem::generic(format!("`ValidityPeriod` = {period}, outside {VALIDITY_PERIOD:?}")));
    }
    let needs = |name: &str, needed: &str, when: bool| {
        (when && !present(form, needed)).then(|| Problem::generic(format!("`{name}` needs `{needed}` too")))
    };
    problems.extend(needs("ContentVariables", "ContentSid", present(form, "ContentVariables")));
    problems.extend(needs("FallbackFrom", "MessagingServiceSid", present(form, "FallbackFrom")));
    let shorten = first(form, "ShortenUrls").is_some_and(|s| s.eq_ignore_ascii_case("true"));
    problems.extend(needs("ShortenUrls=true", "MessagingServiceSid", shorten));
    problems
}

/// The spec's `pattern`s are ECMA-262 regular expressions, and the crate has no regex
/// dependency; this matches the subset the spec uses — `^`/`$`, literals, `[...]` classes,
/// `\d`/`\w`/`\s`, `(a|b)` groups, `{n}`/`{n,m}`/`?`/`*`/`+` — and panics on anything else, so a
/// pattern it cannot read is noticed rather than waved through.
mod pattern {
    enum Atom {
        Char(char),
        Class { ranges: Vec<(char, char)>, negated: bool },
        Any,
        Group(Vec<Vec<Piece>>),
    }

    struct Piece {
        atom: Atom,
        min: usize,
        max: usize,
    }

    pub fn matches(pattern: &str, text: &str) -> bool {
        let anchored_start = pattern.starts_with('^');
        let anchored_end = pattern.ends_with('$') && !pattern.ends_with("\\$");
        let core = pattern.strip_prefix('^').unwrap_or(pattern);
        let core = if anchored_end { &core[..core.len() - 1] } else { core };
        let mut chars = core.chars().peekable();
        let alternatives = parse_alternatives(&mut chars, pattern);
        assert!(chars.next().is_none(), "an unmatched `)` in the pattern {pattern}");
        let whole = vec![Piece { atom: Atom::Group(alternatives), min: 1, max: 1 }];
        let text: Vec<char> = text.chars().collect();
        let mut starts = if anchored_start { 0..=0 } else { 0..=text.len() };
        starts.any(|start| match_seq(&whole, &text, start, &mut |end| !anchored_end || end == text.len()))
    }

    type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

    fn parse_alternatives(chars: &mut Chars<'_>, pattern: &str) -> Vec<Vec<Piece>> {
        let mut alternatives = vec![Vec::new()];
        while let Some(&c) = chars.peek() {
            match c {
                ')' => break,
                '|' => {
                    chars.next();
                    alternatives.push(Vec::new());
                }
                _ => {
                    let atom = parse_atom(chars, pattern);
                    let (min, max) = parse_quantifier(chars, pattern);
                    alternatives.last_mut().unwrap().push(Piece { atom, min, max });
                }
            }
        }
        alternatives
    }

    fn parse_atom(chars: &mut Chars<'_>, pattern: &str) -> Atom {
        match chars.next().unwrap() {
            '(' => {
                assert!(chars.peek() != Some(&'?'), "the stand-in cannot read `(?` in the pattern {pattern}");
                let group = parse_alternatives(chars, pattern);
                assert_eq!(chars.next(), Some(')'), "an unclosed `(` in the pattern {pattern}");
                Atom::Group(group)
            }
            '[' => parse_class(chars, pattern),
            '.' => Atom::Any,
            '\\' => escape(chars.next().expect("a pattern ending in `\\`"), pattern),
            c @ ('*' | '+' | '?' | '{' | '^' | '$') => {
                panic!("the stand-in cannot read `{c}` here in the pattern {pattern}")
            }
            c => Atom::Char(c),
        }
    }

    fn escape(c: char, pattern: &str) -> Atom {
        let class = |ranges: &[(char, char)], negated| Atom::Class { ranges: ranges.to_vec(), negated };
        match c {
            'd' => class(&[('0', '9')], false),
            'D' => class(&[('0', '9')], true),
            'w' => class(&[('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')], false),
            's' => class(&[(' ', ' '), ('\t', '\r')], false),
            c if c.is_ascii_punctuation() => Atom::Char(c),
            c => panic!("the stand-in cannot read `\\{c}` in the pattern {pattern}"),
        }
    }

    fn parse_class(chars: &mut Chars<'_>, pattern: &str) -> Atom {
        let negated = chars.next_if_eq(&'^').is_some();
        let mut ranges = Vec::new();
        loop {
            let low = match chars.next().unwrap_or_else(|| panic!("an unclosed `[` in the pattern {pattern}")) {
                ']' => break,
                '\\' => match escape(chars.next().expect("a pattern ending in `\\`"), pattern) {
                    Atom::Char(c) => c,
                    Atom::Class { ranges: more, negated: false } => {
                        ranges.extend(more);
                        continue;
                    }
                    _ => panic!("the stand-in cannot read a negated escape inside [] in the pattern {pattern}"),
                },
                c => c,
            };
            let high = if chars.peek() == Some(&'-') && chars.clone().nth(1).is_some_and(|c| c != ']') {
                chars.next();
                chars.next().unwrap()
            } else {
                low
            };
            ranges.push((low, high));
        }
        Atom::Class { ranges, negated }
    }

    fn parse_quantifier(chars: &mut Chars<'_>, pattern: &str) -> (usize, usize) {
        let bounds = match chars.peek() {
            Some('?') => (0, 1),
            Some('*') => (0, usize::MAX),
            Some('+') => (1, usize::MAX),
            Some('{') => {
                chars.next();
                let inside: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let number =
                    |s: &str| s.trim().parse::<usize>().unwrap_or_else(|_| panic!("`{{{inside}}}` in {pattern}"));
                return match inside.split_once(',') {
                    None => (number(&inside), number(&inside)),
                    Some((low, "")) => (number(low), usize::MAX),
                    Some((low, high)) => (number(low), number(high)),
                };
            }
            _ => return (1, 1),
        };
        chars.next();
        bounds
    }

    /// Whether `seq` matches from `at` in a way `rest` accepts (backtracking on failure).
    fn match_seq(seq: &[Piece], text: &[char], at: usize, rest: &mut dyn FnMut(usize) -> bool) -> bool {
        match seq.split_first() {
            None => rest(at),
            Some((piece, tail)) => match_repeat(piece, 0, tail, text, at, rest),
        }
    }

    /// Greedy: one more repetition of `piece` if allowed, else on to `tail`.
    fn match_repeat(
        piece: &Piece,
        count: usize,
        tail: &[Piece],
        text: &[char],
        at: usize,
        rest: &mut dyn FnMut(usize) -> bool,
    ) -> bool {
        let more = count < piece.max
            && match_atom(&piece.atom, text, at, &mut |next| {
                // A repetition that consumes nothing would repeat forever.
                next != at && match_repeat(piece, count + 1, tail, text, next, rest)
            });
        more || (count >= piece.min && match_seq(tail, text, at, rest))
    }

    fn match_atom(atom: &Atom, text: &[char], at: usize, then: &mut dyn FnMut(usize) -> bool) -> bool {
        match atom {
            Atom::Char(c) => text.get(at) == Some(c) && then(at + 1),
            Atom::Class { ranges, negated } => {
                text.get(at).is_some_and(|c| ranges.iter().any(|(low, high)| (low..=high).contains(&c)) != *negated)
                    && then(at + 1)
            }
            Atom::Any => at < text.len() && then(at + 1),
            Atom::Group(alternatives) => alternatives.iter().any(|alternative| match_seq(alternative, text, at, then)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standin::openapi;

    fn messages_url(stand_in: &TwilioStandIn) -> String {
        format!("{}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json", stand_in.base_url())
    }

    /// POSTs `form` as OpsFlow's client would; the status, `Retry-After` and the JSON answer.
    async fn send(stand_in: &TwilioStandIn, form: &[(&str, &str)]) -> (u16, Option<String>, Value) {
        let request =
            reqwest::Client::new().post(messages_url(stand_in)).basic_auth(ACCOUNT_SID, Some(AUTH_TOKEN)).form(form);
        let response = request.send().await.unwrap();
        let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
        (response.status().as_u16(), retry_after, response.json().await.unwrap())
    }

    async fn get(url: &str) -> (u16, Value) {
        let response = reqwest::Client::new().get(url).basic_auth(ACCOUNT_SID, Some(AUTH_TOKEN)).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    const SMS: &[(&str, &str)] = &[("To", "+15558675310"), ("From", "+14155552345"), ("Body", "Your quote is ready")];

    /// The stand-in's own answers against the spec's response schemas.
    fn assert_fits(stand_in: &TwilioStandIn, schema: &Value, answer: &Value) {
        let mut problems = Vec::new();
        openapi::validate(&stand_in.spec.doc, schema, answer, "answer", &mut problems);
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[tokio::test]
    async fn a_valid_send_is_created_listed_and_fetched() {
        let stand_in = TwilioStandIn::start().await;
        let (status, _, message) = send(&stand_in, SMS).await;
        assert_eq!(status, 201, "{message}");
        assert_fits(&stand_in, &json!({"$ref": "#/components/schemas/api.v2010.account.message"}), &message);
        let sid = message["sid"].as_str().unwrap();
        assert!(pattern::matches("^SM[0-9a-f]{32}$", sid), "{sid}");
        assert_eq!(message["status"], "queued");
        assert_eq!(message["direction"], "outbound-api");
        assert_eq!(message["num_segments"], "1");
        assert_eq!(message["account_sid"], ACCOUNT_SID);
        assert!(DateTime::parse_from_rfc2822(message["date_created"].as_str().unwrap()).is_ok());

        let (status, list) = get(&messages_url(&stand_in)).await;
        assert_eq!(status, 200, "{list}");
        let list_schema =
            &stand_in.spec.doc["paths"][LIST]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        assert_fits(&stand_in, list_schema, &list);
        assert_eq!(list["messages"][0]["sid"], sid);
        assert_eq!(
            (list["page"].as_u64(), list["page_size"].as_u64(), list["start"].as_u64()),
            (Some(0), Some(50), Some(0))
        );

        let today = Utc::now().date_naive();
        let filtered = |query: &str| format!("{}?{query}", messages_url(&stand_in));
        let count = |list: Value| list["messages"].as_array().unwrap().len();
        let to = serde_urlencoded::to_string([("To", "+15558675310")]).unwrap();
        assert_eq!(count(get(&filtered(&to)).await.1), 1);
        assert_eq!(count(get(&filtered("To=%2B15550000000")).await.1), 0);
        assert_eq!(count(get(&filtered(&format!("DateSent%3E={today}"))).await.1), 1);
        assert_eq!(count(get(&filtered(&format!("DateSent={today}"))).await.1), 1);
        let yesterday = today.pred_opt().unwrap();
        assert_eq!(count(get(&filtered(&format!("DateSent%3C={yesterday}"))).await.1), 0);

        let (status, fetched) =
            get(&format!("{}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json", stand_in.base_url())).await;
        assert_eq!((status, &fetched), (200, &message));
        let unknown = format!("{}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/SM{:032x}.json", stand_in.base_url(), 7);
        assert_eq!(get(&unknown).await.0, 404);

        let sent = stand_in.messages();
        assert_eq!(sent.len(), 1);
        assert_eq!((sent[0].to.as_str(), sent[0].from.as_deref()), ("+15558675310", Some("+14155552345")));
        assert_eq!(sent[0].body.as_deref(), Some("Your quote is ready"));
        assert_eq!(stand_in.requests(), 9);
        stand_in.assert_spec_clean();
    }

    #[tokio::test]
    async fn whatsapp_and_a_messaging_service_are_valid_senders() {
        let stand_in = TwilioStandIn::start().await;
        let whatsapp = [("To", "whatsapp:+15552229999"), ("From", "whatsapp:+14155552345"), ("Body", "Hi")];
        assert_eq!(send(&stand_in, &whatsapp).await.0, 201);
        let service =
            [("To", "+15552229999"), ("MessagingServiceSid", "MG0123456789abcdef0123456789abcdef"), ("Body", "Hi")];
        let (status, _, message) = send(&stand_in, &service).await;
        assert_eq!(status, 201, "{message}");
        assert_eq!(message["from"], Value::Null);
        let mms = [
            ("To", "+15552229999"),
            ("From", "+14155552345"),
            ("MediaUrl", "https://example.com/a.png"),
            ("MediaUrl", "https://example.com/b.png"),
        ];
        let (status, _, message) = send(&stand_in, &mms).await;
        assert_eq!((status, message["num_media"].as_str()), (201, Some("2")));
        assert!(message["sid"].as_str().unwrap().starts_with("MM"));
        stand_in.assert_spec_clean();
    }

    #[tokio::test]
    async fn wrong_or_missing_credentials_are_401() {
        let stand_in = TwilioStandIn::start().await;
        let client = reqwest::Client::new();
        let wrong = client.post(messages_url(&stand_in)).basic_auth(ACCOUNT_SID, Some("not-the-token")).form(SMS);
        let response = wrong.send().await.unwrap();
        assert_eq!(response.status(), 401);
        let answer: Value = response.json().await.unwrap();
        let twilio = json!({"code": 20003, "message": "Authenticate",
                            "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401});
        assert_eq!(answer, twilio);
        // Wrong credentials are a fact of life, not a malformed request.
        stand_in.assert_spec_clean();

        let response = client.post(messages_url(&stand_in)).form(SMS).send().await.unwrap();
        assert_eq!(response.status(), 401);
        let violations = stand_in.take_violations();
        assert!(violations.iter().any(|v| v.contains("basic auth")), "{violations:#?}");
        assert!(stand_in.messages().is_empty());
    }

    /// Sends `form`; expects Twilio's 400 with `code`, and a violation recorded (then forgotten).
    async fn refused(form: &[(&str, &str)], code: u64, says: &str) {
        let stand_in = TwilioStandIn::start().await;
        let (status, _, answer) = send(&stand_in, form).await;
        assert_eq!((status, answer["code"].as_u64()), (400, Some(code)), "{answer}");
        assert_eq!(answer["status"], 400);
        assert_eq!(answer["more_info"], format!("https://www.twilio.com/docs/errors/{code}"));
        assert!(answer["message"].as_str().unwrap().contains(says), "{answer}");
        let violations = stand_in.take_violations();
        assert!(violations.iter().any(|v| v.contains(says)), "{violations:#?}");
        assert!(stand_in.messages().is_empty());
        stand_in.assert_spec_clean();
    }

    #[tokio::test]
    async fn an_unknown_form_key_is_refused() {
        refused(&[("To", "+15558675310"), ("From", "+14155552345"), ("body", "lower-case key")], 21602, "Body").await;
        let extra = [("To", "+15558675310"), ("From", "+14155552345"), ("Body", "Hi"), ("Tags", "{}")];
        refused(&extra, 21000, "`Tags` is not a parameter").await;
    }

    #[tokio::test]
    async fn a_missing_or_invalid_to_is_refused() {
        refused(&[("From", "+14155552345"), ("Body", "Hi")], 21604, "'To' phone number is required").await;
        refused(&[("To", "5558675310"), ("From", "+14155552345"), ("Body", "Hi")], 21211, "`To`").await;
        // A `+` left unencoded arrives as a space.
        let stand_in = TwilioStandIn::start().await;
        let response = reqwest::Client::new()
            .post(messages_url(&stand_in))
            .basic_auth(ACCOUNT_SID, Some(AUTH_TOKEN))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("To=+15558675310&From=%2B14155552345&Body=Hi")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        assert_eq!(stand_in.take_violations().len(), 1);
    }

    #[tokio::test]
    async fn a_body_over_1600_characters_is_refused() {
        let long = "x".repeat(1601);
        refused(&[("To", "+15558675310"), ("From", "+14155552345"), ("Body", &long)], 21617, "1600 character limit")
            .await;
        let stand_in = TwilioStandIn::start().await;
        let longest = "é".repeat(1600);
        let (status, _, message) =
            send(&stand_in, &[("To", "+15558675310"), ("From", "+14155552345"), ("Body", &longest)]).await;
        assert_eq!((status, message["num_segments"].as_str()), (201, Some("11")));
        stand_in.assert_spec_clean();
    }

    #[tokio::test]
    async fn a_sender_and_content_are_required_and_values_fit_the_schema() {
        refused(&[("To", "+15558675310"), ("Body", "Hi")], 21603, "'From' phone number is required").await;
        refused(&[("To", "+15558675310"), ("From", "+14155552345")], 21602, "Message body is required").await;
        let service = [("To", "+15558675310"), ("MessagingServiceSid", "MG123"), ("Body", "Hi")];
        refused(&service, 21000, "MessagingServiceSid").await;
        let callback =
            [("To", "+15558675310"), ("From", "+14155552345"), ("Body", "Hi"), ("StatusCallback", "ftp://x")];
        refused(&callback, 21609, "StatusCallback").await;
        let period = [("To", "+15558675310"), ("From", "+14155552345"), ("Body", "Hi"), ("ValidityPeriod", "soon")];
        refused(&period, 21000, "is not an integer").await;
        let twice = [("To", "+15558675310"), ("From", "+14155552345"), ("Body", "Hi"), ("Body", "again")];
        refused(&twice, 21000, "given 2 times").await;
    }

    #[tokio::test]
    async fn fail_next_answers_429_then_lets_the_retry_through() {
        let stand_in = TwilioStandIn::start().await;
        stand_in.fail_next(429, 1);
        let (status, retry_after, answer) = send(&stand_in, SMS).await;
        assert_eq!((status, retry_after.as_deref()), (429, Some("1")));
        assert_eq!(answer["code"], 20429);
        assert_eq!(answer["message"], "Too Many Requests");
        assert!(stand_in.messages().is_empty());
        assert_eq!(send(&stand_in, SMS).await.0, 201);

        stand_in.fail_next(503, 2);
        let (status, retry_after, answer) = send(&stand_in, SMS).await;
        assert_eq!((status, retry_after, answer["code"].as_u64()), (503, None, Some(20503)));
        assert_eq!(send(&stand_in, SMS).await.0, 503);
        assert_eq!(send(&stand_in, SMS).await.0, 201);
        assert_eq!((stand_in.messages().len(), stand_in.requests()), (2, 5));
        stand_in.assert_spec_clean();
    }

    #[tokio::test]
    async fn list_pages_and_query_parameters_are_checked() {
        let stand_in = TwilioStandIn::start().await;
        for _ in 0..3 {
            assert_eq!(send(&stand_in, SMS).await.0, 201);
        }
        let (_, page) = get(&format!("{}?PageSize=2", messages_url(&stand_in))).await;
        assert_eq!(page["messages"].as_array().unwrap().len(), 2);
        assert_eq!((page["start"].as_u64(), page["end"].as_u64()), (Some(0), Some(1)));
        let next = page["next_page_uri"].as_str().unwrap();
        let (_, last) = get(&format!("{}{next}", stand_in.base_url())).await;
        assert_eq!(last["messages"].as_array().unwrap().len(), 1);
        assert_eq!((last["next_page_uri"].clone(), last["page"].as_u64()), (Value::Null, Some(1)));
        assert!(last["previous_page_uri"].is_string());
        stand_in.assert_spec_clean();

        let (status, _) = get(&format!("{}?PageSize=0&Sort=asc", messages_url(&stand_in))).await;
        assert_eq!(status, 400);
        let violations = stand_in.take_violations();
        assert_eq!(violations.len(), 2, "{violations:#?}");
    }

    /// The spec's own request examples pass, but for two that break its schema: `create` sends
    /// `Tags`, which `CreateMessageRequest` does not declare, and `createScheduledMessageWhatsapp`
    /// sends `To` = `94287277+15558675310`, which is no phone number.
    #[tokio::test]
    async fn the_specs_request_examples_are_accepted() {
        let stand_in = TwilioStandIn::start().await;
        let content = &stand_in.spec.doc["paths"][LIST]["post"]["requestBody"]["content"];
        let examples = content["application/x-www-form-urlencoded"]["examples"].as_object().unwrap().clone();
        let mut refused = Vec::new();
        for (name, example) in &examples {
            let mut form: Vec<(&str, String)> = Vec::new();
            for (key, value) in example["value"].as_object().unwrap() {
                let values = value.as_array().cloned().unwrap_or_else(|| vec![value.clone()]);
                form.extend(values.iter().map(|v| (key.as_str(), v.as_str().unwrap().to_owned())));
            }
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (status, _, answer) = send(&stand_in, &form).await;
            if status != 201 {
                refused.push((name.clone(), answer["message"].as_str().unwrap().to_owned()));
            }
        }
        let names: Vec<&str> = refused.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["create", "createScheduledMessageWhatsapp"], "{refused:#?}");
        assert_eq!(stand_in.take_violations().len(), 2);
        assert_eq!(stand_in.messages().len(), examples.len() - 2);
    }

    #[test]
    fn patterns_match_as_ecma_does() {
        assert!(pattern::matches("^AC[0-9a-fA-F]{32}$", ACCOUNT_SID));
        assert!(!pattern::matches("^AC[0-9a-fA-F]{32}$", &format!("{ACCOUNT_SID}0")));
        assert!(pattern::matches("^(SM|MM)[0-9a-fA-F]{32}$", "MM0123456789abcdef0123456789ABCDEF"));
        assert!(!pattern::matches("^(SM|MM)[0-9a-fA-F]{32}$", "MG0123456789abcdef0123456789ABCDEF"));
        assert!(pattern::matches("b+c?", "aabbb"));
        assert!(pattern::matches("^\\+[1-9]\\d{1,14}$", "+14155552345"));
        assert!(!pattern::matches("^[^x]*$", "abxc"));
    }

    #[test]
    fn days_are_read_in_the_forms_the_spec_shows() {
        let day = NaiveDate::from_ymd_opt(2019, 6, 11);
        for text in ["2019-06-11", "2019-06-11 22:05:25.000", "06/11/2019 22:05:25 MST", "2019-06-11T22:05:25Z"] {
            assert_eq!(day_of(text), day, "{text}");
        }
        assert_eq!(day_of("Wed, 19 Jun 2019 22:04:00 -0000"), NaiveDate::from_ymd_opt(2019, 6, 19));
        assert_eq!(day_of("yesterday"), None);
    }
}
