//! A local stand-in for HighLevel's API, on a real socket: the OAuth token endpoints and the
//! API endpoints OpsFlow calls, over a small in-memory CRM. Every request is first checked
//! against the official OpenAPI files ([`openapi`]); one the spec would reject is answered 422
//! and recorded, and [`StandIn::assert_spec_clean`] fails the test.
//!
//! Tokens behave as documented: access tokens expire, refresh tokens are single-use and
//! rotate, location tokens are minted from a Company token. Failures can be injected
//! ([`StandIn::fail_next`]) to exercise retries.
#![allow(dead_code)]
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first surprise")]

pub mod openapi;
pub mod twilio;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use server::highlevel::config::{HighLevelConfig, Secret};
use server::highlevel::secrets::SecretBox;
use server::highlevel::signature::WebhookKeys;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

pub const COMPANY: &str = "GNb7aIv4rQFVb9iwNl5K";
pub const LOCATION: &str = "ve9EPM428h8vShlRW1KT";
pub const CONTACT: &str = "cJAWDskpkJHbRbhAT7bs";
pub const OPPORTUNITY: &str = "wWhVuzqpRuOA1ZVWi4FC";
pub const PIPELINE: &str = "VDm7RPYC2GLUvdpKmBfC";
pub const STAGE_NEW: &str = "e93ba61a-53b3-45e7-985a-c7732dbcdb69";
pub const STAGE_INSPECTION: &str = "7915dedc-8f18-44d5-8bc3-77c04e994a10";
pub const STAGE_QUOTED: &str = "0c1d2e3f-4a5b-4c6d-8e7f-901234567890";
pub const FIELD_OUTCOME: &str = "6dvNaf7VhkQ9snc5vnjJ";
pub const FIELD_BUDGET: &str = "3sv6UEo51C9Bmpo1cKTq";
pub const FIELD_SERVICES: &str = "BcdmQEsNgz6AVpgLVUJ0";
/// A member of LOCATION's staff.
pub const USER: &str = "MKQJ7wOVVmNOMvrnKKKK";
/// An agency admin (may open every sub-account of the agency).
pub const AGENCY_ADMIN: &str = "AvAgencyAdmin0000001";
/// A user of the agency with no access to LOCATION.
pub const OTHER_LOCATION_USER: &str = "OtherLocationUser001";
pub const AUTH_CODE: &str = "059ff0439402599b0ecb45388a9d4b9fc2d17123";

/// Connected-mode settings for the stand-in's app (the client id and secret it expects).
pub fn config(keys: WebhookKeys, api_base: &str) -> HighLevelConfig {
    HighLevelConfig {
        client_id: "68a32958b5154ca8bbdc4d40-meh5chaj".to_owned(),
        app_id: "68a32958b5154ca8bbdc4d40".to_owned(),
        client_secret: Secret::new("client-secret"),
        redirect_url: "http://127.0.0.1/oauth/highlevel/callback".to_owned(),
        shared_secret: Secret::new("shared-secret"),
        webhook_keys: keys,
        api_base: api_base.to_owned(),
        marketplace_url: api_base.to_owned(),
        secrets: SecretBox::from_base64("BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=").unwrap(),
        catch_up_every: std::time::Duration::from_secs(600),
    }
}

/// A failure to answer instead of the real thing.
#[derive(Clone, Debug)]
pub struct Failure {
    pub method: Method,
    /// A request whose path contains this is failed.
    pub path_contains: String,
    pub status: u16,
    pub retry_after: Option<u64>,
    /// Do the work, then fail: the answer is lost, as after a timeout or a gateway error.
    pub after_the_work: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub version: Option<String>,
}

#[derive(Default)]
struct Tokens {
    company_access: HashMap<String, String>,
    company_refresh: HashMap<String, String>,
    location_access: HashMap<String, String>,
    counter: u64,
    refreshes: usize,
    mints: usize,
    /// `expires_in` of the next Company token.
    company_expires_in: u64,
}

impl Tokens {
    fn next(&mut self, kind: &str) -> String {
        self.counter += 1;
        format!("{kind}-{}", self.counter)
    }
}

#[derive(Default)]
pub struct Crm {
    pub contacts: HashMap<String, Value>,
    pub opportunities: HashMap<String, Value>,
    pub notes: Vec<Value>,
    pub tasks: Vec<Value>,
    /// Every `customFields` update, in order.
    pub field_updates: Vec<Value>,
    pub moves: Vec<(String, String)>,
    /// The agency's users, as `GET /users/{userId}` answers (`roles` says where each may go).
    pub users: Vec<Value>,
}

#[derive(Default)]
struct Inner {
    violations: Vec<String>,
    requests: Vec<Recorded>,
    failures: VecDeque<Failure>,
    /// (method, path part, how long): the next matching request is carried out at once and
    /// answered that much later.
    stalls: Vec<(Method, String, std::time::Duration)>,
    tokens: Tokens,
    crm: Crm,
}

#[derive(Clone)]
pub struct StandIn {
    pub base: String,
    inner: Arc<Mutex<Inner>>,
    spec: Arc<openapi::Spec>,
}

impl StandIn {
    /// On a free port.
    pub async fn start() -> Self {
        Self::start_on("127.0.0.1:0").await
    }

    /// On `addr` (the end-to-end tests run it as a process of its own: `examples/highlevel_standin.rs`).
    pub async fn start_on(addr: &str) -> Self {
        let mut inner = Inner::default();
        inner.tokens.company_expires_in = 86_399;
        inner.crm.users = users();
        inner.crm.contacts.insert(
            CONTACT.to_owned(),
            json!({"id": CONTACT, "locationId": LOCATION, "firstName": "Olivia", "lastName": "Hart",
                   "email": "olivia@example.com", "phone": "+15550100", "customFields": []}),
        );
        inner.crm.opportunities.insert(
            OPPORTUNITY.to_owned(),
            json!({"id": OPPORTUNITY, "name": "Kitchen remodel", "monetaryValue": 12000, "pipelineId": PIPELINE,
                   "pipelineStageId": STAGE_NEW, "status": "open", "contactId": CONTACT, "locationId": LOCATION}),
        );
        let stand_in =
            Self { base: String::new(), inner: Arc::new(Mutex::new(inner)), spec: Arc::new(openapi::Spec::load()) };
        let app = Router::new().fallback(handle).with_state(stand_in.clone());
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, ..stand_in }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        f(&mut self.inner.lock().unwrap())
    }

    pub fn fail_next(&self, method: Method, path_contains: &str, status: u16, retry_after: Option<u64>) {
        let failure =
            Failure { method, path_contains: path_contains.to_owned(), status, retry_after, after_the_work: false };
        self.with(|inner| inner.failures.push_back(failure));
    }

    /// The next matching request is carried out, but answered with `status`.
    pub fn lose_next_answer(&self, method: Method, path_contains: &str, status: u16) {
        let failure = Failure {
            method,
            path_contains: path_contains.to_owned(),
            status,
            retry_after: None,
            after_the_work: true,
        };
        self.with(|inner| inner.failures.push_back(failure));
    }

    /// The next matching request is carried out at once, and answered after `delay`.
    pub fn stall_next(&self, method: Method, path_contains: &str, delay: std::time::Duration) {
        self.with(|inner| inner.stalls.push((method, path_contains.to_owned(), delay)));
    }

    /// A stage change made in HighLevel (its webhook is up to the test).
    pub fn move_in_highlevel(&self, opportunity: &str, stage: &str) -> Value {
        self.with(|inner| {
            let found = inner.crm.opportunities.get_mut(opportunity).unwrap();
            found["pipelineStageId"] = json!(stage);
            found["lastStageChangeAt"] = json!(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
            let mut webhook = found.clone();
            webhook["type"] = json!("OpportunityStageUpdate");
            webhook
        })
    }

    pub fn set_company_expires_in(&self, seconds: u64) {
        self.with(|inner| inner.tokens.company_expires_in = seconds);
    }

    /// Every access token stops working (as after a revocation), refresh tokens still do.
    pub fn revoke_access_tokens(&self) {
        self.with(|inner| {
            inner.tokens.company_access.clear();
            inner.tokens.location_access.clear();
        });
    }

    pub fn refreshes(&self) -> usize {
        self.with(|inner| inner.tokens.refreshes)
    }

    pub fn mints(&self) -> usize {
        self.with(|inner| inner.tokens.mints)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.with(|inner| inner.requests.clone())
    }

    /// Adds or replaces a contact (a JSON object with its `id`), as a change in HighLevel would.
    pub fn put_contact(&self, contact: Value) {
        let id = contact["id"].as_str().unwrap_or_default().to_owned();
        self.with(|inner| inner.crm.contacts.insert(id, contact));
    }

    /// Changes a user in HighLevel: `change` gets their `GET /users/{userId}` answer to edit.
    pub fn change_user(&self, id: &str, change: impl FnOnce(&mut Value)) {
        self.with(|inner| change(inner.crm.users.iter_mut().find(|user| user["id"] == id).unwrap()));
    }

    pub fn crm<T>(&self, f: impl FnOnce(&Crm) -> T) -> T {
        self.with(|inner| f(&inner.crm))
    }

    pub fn assert_spec_clean(&self) {
        let violations = self.with(|inner| inner.violations.clone());
        assert!(violations.is_empty(), "requests the OpenAPI spec rejects: {violations:#?}");
    }
}

fn error(status: StatusCode, message: impl Into<Value>) -> Response {
    (status, axum::Json(json!({"statusCode": status.as_u16(), "message": message.into(), "traceId": "standin"})))
        .into_response()
}

async fn handle(state: State<StandIn>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let stall = state.with(|inner| {
        let at = inner.stalls.iter().position(|(m, part, _)| *m == method && uri.path().contains(part.as_str()))?;
        Some(inner.stalls.remove(at).2)
    });
    let response = handle_now(state, method, uri, headers, body).await;
    if let Some(delay) = stall {
        tokio::time::sleep(delay).await;
    }
    response
}

async fn handle_now(
    State(stand_in): State<StandIn>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let query: Vec<(String, String)> = serde_urlencoded::from_str(uri.query().unwrap_or_default()).unwrap_or_default();
    let header_list: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap_or_default().to_owned()))
        .collect();
    if let Some(response) = outside_the_api(&stand_in, &method, &path, &query, &body) {
        return response;
    }
    let request =
        openapi::Request { method: method.as_str(), path: &path, query: &query, headers: &header_list, body: &body };
    let checked = stand_in.spec.check(&request);
    let mut inner = stand_in.inner.lock().unwrap();
    inner.requests.push(Recorded {
        method: method.to_string(),
        path: path.clone(),
        version: headers.get("version").map(|v| v.to_str().unwrap().to_owned()),
    });
    if let Err(problems) = checked {
        let text: Vec<String> = problems.iter().map(|p| format!("{method} {path}: {p}")).collect();
        inner.violations.extend(text.clone());
        return error(StatusCode::UNPROCESSABLE_ENTITY, text);
    }
    let failure = inner
        .failures
        .iter()
        .position(|f| f.method == method && path.contains(&f.path_contains))
        .and_then(|at| inner.failures.remove(at));
    let failed = |failure: &Failure| {
        let status = StatusCode::from_u16(failure.status).unwrap();
        let mut response = error(status, format!("injected {status}"));
        if let Some(seconds) = failure.retry_after {
            response.headers_mut().insert("retry-after", seconds.to_string().parse().unwrap());
        }
        response
    };
    if let Some(failure) = failure.as_ref().filter(|f| !f.after_the_work) {
        return failed(failure);
    }
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok()?.strip_prefix("Bearer ")).unwrap_or("");
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let get = |name: &str| query.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let response = match (method.as_str(), segments.as_slice()) {
        ("POST", ["oauth", "token"]) => token(&mut inner, &form),
        ("GET", ["oauth", "installedLocations"]) => {
            if !inner.tokens.company_access.contains_key(bearer) {
                return error(StatusCode::UNAUTHORIZED, "Invalid token: access token is invalid");
            }
            let locations = if get("skip") == "0" {
                json!([{"_id": LOCATION, "name": "Acme Plumbing", "address": "1 Main St", "isInstalled": true}])
            } else {
                json!([])
            };
            axum::Json(json!({"locations": locations, "count": 1, "installToFutureLocations": true})).into_response()
        }
        ("POST", ["oauth", "locationToken"]) => {
            if !inner.tokens.company_access.contains_key(bearer) {
                return error(StatusCode::UNAUTHORIZED, "Invalid token: access token is invalid");
            }
            let access = inner.tokens.next("location-access");
            inner.tokens.location_access.insert(access.clone(), form["locationId"].clone());
            inner.tokens.mints += 1;
            axum::Json(json!({"access_token": access, "token_type": "Bearer", "expires_in": 86399,
                "scope": "contacts.write", "locationId": form["locationId"], "userId": USER}))
            .into_response()
        }
        // A user, with the agency's token or any of its sub-accounts' (Agency- or Location-Access).
        ("GET", ["users", id])
            if inner.tokens.company_access.contains_key(bearer) || inner.tokens.location_access.contains_key(bearer) =>
        {
            match inner.crm.users.iter().find(|user| user["id"] == *id) {
                Some(user) => axum::Json(user.clone()).into_response(),
                None => error(StatusCode::NOT_FOUND, "User not found"),
            }
        }
        _ if inner.tokens.location_access.get(bearer).map(String::as_str) != Some(LOCATION) => {
            error(StatusCode::UNAUTHORIZED, "Invalid token: access token is invalid")
        }
        ("POST", ["contacts", contact, "notes"]) => {
            let note = json!({"id": format!("note-{}", inner.crm.notes.len() + 1), "body": json["body"],
                "userId": json.get("userId"), "contactId": contact, "dateAdded": "2026-11-21T10:00:00.000Z"});
            inner.crm.notes.push(note.clone());
            (StatusCode::CREATED, axum::Json(json!({"note": note}))).into_response()
        }
        ("GET", ["contacts", contact, "notes"]) => {
            let notes: Vec<&Value> = inner.crm.notes.iter().filter(|n| n["contactId"] == *contact).collect();
            axum::Json(json!({"notes": notes})).into_response()
        }
        ("GET", ["contacts", contact, "tasks"]) => {
            let tasks: Vec<&Value> = inner.crm.tasks.iter().filter(|t| t["contactId"] == *contact).collect();
            axum::Json(json!({"tasks": tasks})).into_response()
        }
        ("POST", ["contacts", contact, "tasks"]) => {
            let mut task = json.clone();
            task["id"] = json!(format!("task-{}", inner.crm.tasks.len() + 1));
            task["contactId"] = json!(contact);
            // Dates come back the way HighLevel writes them, with milliseconds.
            if let Some(due) = json["dueDate"].as_str().and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok()) {
                task["dueDate"] = json!(due.to_utc().to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
            }
            inner.crm.tasks.push(task.clone());
            (StatusCode::CREATED, axum::Json(json!({"task": task}))).into_response()
        }
        ("PUT", ["contacts", contact]) => match inner.crm.contacts.get(*contact).cloned() {
            None => error(StatusCode::NOT_FOUND, "Contact not found"),
            Some(found) => {
                inner.crm.field_updates.push(json["customFields"].clone());
                axum::Json(json!({"succeded": true, "contact": found})).into_response()
            }
        },
        ("GET", ["contacts", contact]) => match inner.crm.contacts.get(*contact) {
            None => error(StatusCode::NOT_FOUND, "Contact not found"),
            Some(found) => axum::Json(json!({"contact": found})).into_response(),
        },
        ("GET", ["opportunities", "search"]) => {
            let page: usize = get("page").parse().unwrap_or(1);
            let limit: usize = get("limit").parse().unwrap_or(20);
            let mut all: Vec<Value> = inner.crm.opportunities.values().cloned().collect();
            all.sort_by_key(|o| o["id"].as_str().unwrap_or_default().to_owned());
            let found: Vec<Value> = all.into_iter().skip((page - 1) * limit).take(limit).collect();
            axum::Json(json!({"opportunities": found, "meta": {"total": found.len(), "currentPage": page}})).into_response()
        }
        ("GET", ["opportunities", "pipelines"]) => axum::Json(json!({"pipelines": [{
            "id": PIPELINE, "name": "Renovations", "locationId": get("locationId"), "showInFunnel": true,
            "stages": [
                {"id": STAGE_INSPECTION, "name": "Site inspection", "position": 1},
                {"id": STAGE_NEW, "name": "New lead", "position": 0},
                {"id": STAGE_QUOTED, "name": "Quoted", "position": 2},
            ]}]}))
        .into_response(),
        ("GET", ["opportunities", id]) => match inner.crm.opportunities.get(*id) {
            None => error(StatusCode::NOT_FOUND, "Opportunity not found"),
            Some(found) => axum::Json(json!({"opportunity": found})).into_response(),
        },
        ("PUT", ["opportunities", id]) => {
            let id = (*id).to_owned();
            let Some(found) = inner.crm.opportunities.get_mut(&id) else {
                return error(StatusCode::NOT_FOUND, "Opportunity not found");
            };
            found["pipelineId"] = json["pipelineId"].clone();
            found["pipelineStageId"] = json["pipelineStageId"].clone();
            let found = found.clone();
            inner.crm.moves.push((id, json["pipelineStageId"].as_str().unwrap_or_default().to_owned()));
            axum::Json(json!({"opportunity": found})).into_response()
        }
        ("GET", ["locations", id]) => axum::Json(json!({"location": {
            "id": id, "companyId": COMPANY, "name": "Acme Plumbing", "timezone": "America/Chicago", "country": "CA"}}))
        .into_response(),
        ("GET", ["locations", _, "customFields"]) => axum::Json(json!({"customFields": [
            {"id": FIELD_OUTCOME, "name": "Inspection outcome", "fieldKey": "contact.inspection_outcome",
             "dataType": "SINGLE_OPTIONS", "picklistOptions": ["Pass", "Fail"], "model": "contact"},
            {"id": FIELD_BUDGET, "name": "Budget", "fieldKey": "contact.budget", "dataType": "MONETORY", "model": "contact"},
            {"id": FIELD_SERVICES, "name": "Services", "fieldKey": "contact.services", "dataType": "CHECKBOX",
             "picklistOptions": ["Plumbing", "Tiling", "Electrics"], "model": "contact"},
            {"id": "sig1", "name": "Signature", "fieldKey": "contact.signature", "dataType": "SIGNATURE", "model": "contact"},
        ]}))
        .into_response(),
        ("GET", ["users"]) => axum::Json(json!({"users": [
            {"id": USER, "name": "Sam Rivera", "firstName": "Sam", "lastName": "Rivera", "email": "sam@acme.example"},
            {"id": "gone", "name": "Former staff", "email": "former@acme.example", "deleted": true},
        ]}))
        .into_response(),
        _ => error(StatusCode::NOT_FOUND, format!("the stand-in does not serve {method} {path}")),
    };
    match failure {
        Some(lost) => failed(&lost),
        None => response,
    }
}

/// The agency's users at the start.
fn users() -> Vec<Value> {
    let user = |id: &str, name: &str, email: &str, kind: &str, role: &str, locations: &[&str], deleted: bool| {
        json!({"id": id, "name": name, "email": email, "deleted": deleted,
               "roles": {"type": kind, "role": role, "locationIds": locations}})
    };
    vec![
        user(USER, "Sam Rivera", "sam@acme.example", "account", "user", &[LOCATION], false),
        user(AGENCY_ADMIN, "Avery Agency", "avery@northwind.example", "agency", "admin", &[], false),
        user(OTHER_LOCATION_USER, "Olu Other", "olu@elsewhere.example", "account", "admin", &["elsewhere"], false),
        user("gone", "Former staff", "former@acme.example", "account", "user", &[LOCATION], true),
    ]
}

/// What HighLevel serves besides its API — the marketplace's location chooser, which sends the
/// installer back with a code — and the end-to-end tests' window into the stand-in: what it
/// received (`GET /standin/crm`) and failures to inject (`POST /standin/fail`).
fn outside_the_api(
    stand_in: &StandIn,
    method: &Method,
    path: &str,
    query: &[(String, String)],
    body: &[u8],
) -> Option<Response> {
    let get = |name: &str| query.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default();
    match (method.as_str(), path) {
        ("GET", "/v2/oauth/chooselocation") => {
            let back = format!("{}?code={AUTH_CODE}&state={}", get("redirect_uri"), get("state"));
            Some((StatusCode::FOUND, [("location", back)]).into_response())
        }
        ("GET", "/standin/crm") => Some(
            axum::Json(stand_in.crm(
                |c| json!({"notes": c.notes, "tasks": c.tasks, "fieldUpdates": c.field_updates, "moves": c.moves}),
            ))
            .into_response(),
        ),
        ("POST", "/standin/fail") => {
            let failure: Value = serde_json::from_slice(body).unwrap_or_default();
            let method = failure["method"].as_str().and_then(|m| m.parse().ok()).unwrap_or(Method::GET);
            let status = failure["status"].as_u64().and_then(|s| u16::try_from(s).ok()).unwrap_or(500);
            stand_in.fail_next(method, failure["path"].as_str().unwrap_or("/"), status, None);
            Some(StatusCode::NO_CONTENT.into_response())
        }
        _ => None,
    }
}

/// `POST /oauth/token`: the code exchange and refreshes (single-use refresh tokens).
fn token(inner: &mut Inner, form: &HashMap<String, String>) -> Response {
    if form.get("client_id").map(String::as_str) != Some("68a32958b5154ca8bbdc4d40-meh5chaj")
        || form.get("client_secret").map(String::as_str) != Some("client-secret")
    {
        return error(StatusCode::UNAUTHORIZED, "Invalid client credentials");
    }
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") if form.get("code").map(String::as_str) == Some(AUTH_CODE) => {
            if form.get("user_type").map(String::as_str) != Some("Company") {
                return error(StatusCode::BAD_REQUEST, "user_type must be Company for this install");
            }
        }
        Some("refresh_token") => {
            let Some(refresh) = form.get("refresh_token") else {
                return error(StatusCode::BAD_REQUEST, "refresh_token is required");
            };
            if inner.tokens.company_refresh.remove(refresh).is_none() {
                return error(StatusCode::UNAUTHORIZED, "Invalid refresh token");
            }
            inner.tokens.refreshes += 1;
        }
        _ => return error(StatusCode::BAD_REQUEST, "Invalid grant"),
    }
    let access = inner.tokens.next("company-access");
    let refresh = inner.tokens.next("company-refresh");
    inner.tokens.company_access.insert(access.clone(), COMPANY.to_owned());
    inner.tokens.company_refresh.insert(refresh.clone(), COMPANY.to_owned());
    axum::Json(json!({
        "access_token": access, "token_type": "Bearer", "expires_in": inner.tokens.company_expires_in,
        "refresh_token": refresh, "scope": "contacts.write oauth.write", "userType": "Company",
        "companyId": COMPANY, "isBulkInstallation": true, "userId": USER, "approvedLocations": [LOCATION],
    }))
    .into_response()
}
