//! The `Crm` port on HighLevel's API (reference §4): each call with the location's token and
//! `Version: 2021-07-28`, retried once with a new token when HighLevel refuses the old one.
//! Responses are read leniently (only the fields OpsFlow uses; stages are an untyped array in
//! the spec). Pipelines and custom field definitions are cached per location for a few minutes;
//! [`HighLevelCrm::forget_cache`] drops a location's cache (the settings page's refresh).

use app::model::{Cause, ContactId, CrmField, CrmFieldType, OpportunityId, Pipeline, Stage, SubAccountId};
use async_trait::async_trait;
use reqwest::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::api::{Api, ApiError, Body, Call, VERSION};
use super::highlevel_user_id;
use super::secrets::Opened;
use super::tokens::{TokenError, Tokens};
use crate::crm::{
    Contact, Crm, CrmError, CrmResult, CrmUser, CustomFieldUpdate, NewNote, NewTask, Note, Opportunity, Task,
};
use crate::db::Store;

/// How long pipelines and custom field definitions are reused before being read again.
const CACHE_FOR: Duration = Duration::from_secs(300);

#[derive(Clone, Debug, Default)]
struct Cached {
    pipelines: Option<(Instant, Vec<Pipeline>)>,
    fields: Option<(Instant, Vec<CrmField>)>,
}

#[derive(Clone, Debug)]
pub struct HighLevelCrm {
    api: Api,
    tokens: Tokens,
    store: Store,
    cache: Arc<Mutex<HashMap<SubAccountId, Cached>>>,
}

impl From<ApiError> for CrmError {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Rejected { status: 404, message } => CrmError::NotFound(message),
            ApiError::Rejected { message, .. } | ApiError::Unauthorized(message) => CrmError::Rejected(message),
            ApiError::Unavailable(reason) => CrmError::Unavailable(reason),
            ApiError::Unreadable(reason) => CrmError::Rejected(reason),
        }
    }
}

impl From<TokenError> for CrmError {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::NotInstalled(what) => CrmError::Rejected(format!("{what} is not connected to HighLevel")),
            TokenError::Api(error) => error.into(),
            other => CrmError::Unavailable(other.to_string()),
        }
    }
}

/// Whose token a request is made with.
#[derive(Clone, Copy)]
enum TokenOf<'a> {
    Location(&'a SubAccountId),
    Company(&'a str),
}

impl<'a> TokenOf<'a> {
    async fn token(self, tokens: &Tokens) -> Result<Opened, TokenError> {
        match self {
            TokenOf::Location(location_id) => tokens.location(location_id).await,
            TokenOf::Company(company_id) => tokens.company(company_id).await,
        }
    }

    /// HighLevel refused the token: the next one is new.
    async fn rejected(self, tokens: &Tokens) -> Result<(), TokenError> {
        match self {
            TokenOf::Location(location_id) => tokens.location_rejected(location_id).await,
            TokenOf::Company(company_id) => tokens.company_rejected(company_id).await,
        }
    }

    /// The location or company the request counts against.
    fn id(self) -> &'a str {
        match self {
            TokenOf::Location(location_id) => location_id,
            TokenOf::Company(company_id) => company_id,
        }
    }
}

/// One request's parts, before the token is added.
struct Request<'a> {
    method: Method,
    path: String,
    query: &'a [(&'a str, &'a str)],
    body: Option<Value>,
}

impl<'a> Request<'a> {
    fn get(path: String, query: &'a [(&'a str, &'a str)]) -> Self {
        Self { method: Method::GET, path, query, body: None }
    }

    fn send(method: Method, path: String, body: Value) -> Self {
        Self { method, path, query: &[], body: Some(body) }
    }
}

impl HighLevelCrm {
    pub fn new(api: Api, tokens: Tokens, store: Store) -> Self {
        Self { api, tokens, store, cache: Arc::default() }
    }

    pub fn tokens(&self) -> &Tokens {
        &self.tokens
    }

    /// Drops a location's cached pipelines and custom fields.
    pub fn forget_cache(&self, location_id: &SubAccountId) {
        self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(location_id);
    }

    /// The sub-account's name, time zone and country (`GET /locations/{locationId}`).
    pub async fn location_details(&self, location_id: &SubAccountId) -> CrmResult<LocationDetails> {
        let found: LocationBody =
            self.call(location_id, Request::get(format!("/locations/{location_id}"), &[])).await?;
        let time_zone = found.location.timezone.filter(|zone| zone.parse::<chrono_tz::Tz>().is_ok());
        let country = found.location.country.map(|c| c.trim().to_ascii_uppercase()).filter(|c| c.len() == 2);
        Ok(LocationDetails {
            name: found.location.name,
            time_zone: time_zone.unwrap_or_else(|| "UTC".to_owned()),
            country,
        })
    }

    /// A user as HighLevel knows them now (`GET /users/{userId}`, reference §4.8): whether they
    /// still exist, their role and which sub-accounts they may open.
    pub async fn user(&self, location_id: &SubAccountId, user_id: &str) -> CrmResult<HighLevelUser> {
        let user: UserDto = self.call(location_id, Request::get(format!("/users/{user_id}"), &[])).await?;
        Ok(user.into())
    }

    /// The same, asked with the agency's token: for a user outside any sub-account.
    pub async fn agency_user(&self, company_id: &str, user_id: &str) -> CrmResult<HighLevelUser> {
        let request = Request::get(format!("/users/{user_id}"), &[]);
        let user: UserDto = self.call_as(TokenOf::Company(company_id), request).await?;
        Ok(user.into())
    }

    /// A read of any endpoint with the location's token (for calls outside the `Crm` port).
    pub async fn get<T: DeserializeOwned>(
        &self,
        location_id: &SubAccountId,
        path: &str,
        query: &[(&str, &str)],
    ) -> CrmResult<T> {
        self.call(location_id, Request::get(path.to_owned(), query)).await
    }

    async fn call<T: DeserializeOwned>(&self, location_id: &SubAccountId, request: Request<'_>) -> CrmResult<T> {
        self.call_as(TokenOf::Location(location_id), request).await
    }

    async fn call_as<T: DeserializeOwned>(&self, owner: TokenOf<'_>, request: Request<'_>) -> CrmResult<T> {
        let mut retried = false;
        loop {
            let token = owner.token(&self.tokens).await?;
            let body = match &request.body {
                Some(json) => Body::Json(json),
                None => Body::None,
            };
            let call = Call {
                method: request.method.clone(),
                path: &request.path,
                query: request.query,
                version: VERSION,
                token: token.expose(),
                resource: owner.id(),
                body,
            };
            match self.api.send(call).await {
                Err(ApiError::Unauthorized(_)) if !retried => {
                    retried = true;
                    owner.rejected(&self.tokens).await?;
                }
                Err(ApiError::Rejected { status: 404, .. }) => return Err(CrmError::NotFound(missing(&request.path))),
                result => return Ok(result?),
            }
        }
    }

    fn cached<T: Clone>(
        &self,
        location_id: &SubAccountId,
        pick: impl Fn(&Cached) -> &Option<(Instant, T)>,
    ) -> Option<T> {
        let cache = self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (at, value) = pick(cache.get(location_id)?).as_ref()?;
        (at.elapsed() < CACHE_FOR).then(|| value.clone())
    }

    fn remember(&self, location_id: &SubAccountId, update: impl FnOnce(&mut Cached)) {
        let mut cache = self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        update(cache.entry(location_id.clone()).or_default());
    }
}

/// What OpsFlow keeps of a HighLevel location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocationDetails {
    pub name: String,
    /// An IANA zone; UTC when HighLevel gives none or one OpsFlow does not know.
    pub time_zone: String,
    /// The ISO 3166 code, which sets how numbers and money are written until an admin chooses.
    pub country: Option<String>,
}

/// What a 404 from `path` says is missing, in words ("Contact abc").
fn missing(path: &str) -> String {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["contacts", id, ..] => format!("Contact {id}"),
        ["opportunities", id] => format!("Opportunity {id}"),
        ["locations", id, ..] => format!("Sub-account {id}"),
        _ => format!("HighLevel's {path}"),
    }
}

// The response shapes, as far as OpsFlow reads them.

#[derive(Deserialize)]
struct LocationBody {
    location: LocationDto,
}

#[derive(Deserialize)]
struct LocationDto {
    name: String,
    timezone: Option<String>,
    country: Option<String>,
}

#[derive(Deserialize)]
struct NoteBody {
    note: NoteDto,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NoteDto {
    id: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    contact_id: ContactId,
}

impl NoteDto {
    /// Answers do not always repeat the contact id; it is the one asked about.
    fn into_note(self, contact_id: &ContactId) -> Note {
        let contact_id = if self.contact_id.is_empty() { contact_id.clone() } else { self.contact_id };
        Note { id: self.id, body: self.body, contact_id }
    }
}

#[derive(Deserialize)]
struct NoteList {
    #[serde(default)]
    notes: Vec<NoteDto>,
}

#[derive(Deserialize)]
struct TaskBody {
    task: TaskDto,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TaskDto {
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    due_date: String,
    #[serde(default)]
    contact_id: ContactId,
}

impl TaskDto {
    fn into_task(self, contact_id: &ContactId) -> Task {
        let contact_id = if self.contact_id.is_empty() { contact_id.clone() } else { self.contact_id };
        Task { id: self.id, title: self.title, body: self.body, due_date: self.due_date, contact_id }
    }
}

#[derive(Deserialize)]
struct TaskList {
    #[serde(default)]
    tasks: Vec<TaskDto>,
}

#[derive(Deserialize)]
struct OpportunityBody {
    opportunity: OpportunityDto,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OpportunityDto {
    id: OpportunityId,
    #[serde(default)]
    name: String,
    #[serde(default)]
    pipeline_id: String,
    #[serde(default)]
    pipeline_stage_id: String,
    #[serde(default)]
    contact_id: ContactId,
    #[serde(default)]
    status: String,
    #[serde(default)]
    monetary_value: Option<f64>,
}

impl From<OpportunityDto> for Opportunity {
    fn from(dto: OpportunityDto) -> Self {
        Opportunity {
            id: dto.id,
            name: dto.name,
            pipeline_id: dto.pipeline_id,
            pipeline_stage_id: dto.pipeline_stage_id,
            contact_id: dto.contact_id,
            status: dto.status,
            monetary_value: dto.monetary_value.unwrap_or_default(),
        }
    }
}

#[derive(Deserialize)]
struct ContactBody {
    contact: ContactDto,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContactDto {
    id: ContactId,
    name: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    /// `lead`, `customer`...: only a read of the contact says it (no webhook carries it).
    #[serde(rename = "type")]
    kind: Option<String>,
}

impl HighLevelCrm {
    async fn contact_dto(&self, location_id: &SubAccountId, contact_id: &ContactId) -> CrmResult<ContactDto> {
        let found: ContactBody = self.call(location_id, Request::get(format!("/contacts/{contact_id}"), &[])).await?;
        Ok(found.contact)
    }

    /// Whether a contact is a lead (`type` `lead`), which decides whether its webhooks are
    /// the leads module's or the contacts module's.
    pub async fn is_lead(&self, location_id: &SubAccountId, contact_id: &ContactId) -> CrmResult<bool> {
        Ok(self.contact_dto(location_id, contact_id).await?.kind.as_deref() == Some("lead"))
    }
}

impl ContactDto {
    fn display_name(&self) -> String {
        let joined = [&self.first_name, &self.last_name]
            .into_iter()
            .flatten()
            .map(|part| part.trim())
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        match (&self.name, joined.is_empty()) {
            (Some(name), _) if !name.trim().is_empty() => name.trim().to_owned(),
            (_, false) => joined,
            _ => self.email.clone().or_else(|| self.phone.clone()).unwrap_or_else(|| "Unnamed contact".to_owned()),
        }
    }
}

#[derive(Deserialize)]
struct PipelinesBody {
    #[serde(default)]
    pipelines: Vec<PipelineDto>,
}

#[derive(Deserialize)]
struct PipelineDto {
    id: String,
    name: String,
    #[serde(default)]
    stages: Vec<Value>,
}

impl PipelineDto {
    /// Stages are untyped in the spec: each one needs an `id` and a `name`, in `position` order
    /// when there is one.
    fn into_pipeline(self) -> Pipeline {
        let mut stages: Vec<(i64, Stage)> = self
            .stages
            .iter()
            .enumerate()
            .filter_map(|(index, stage)| {
                let id = stage.get("id")?.as_str()?.to_owned();
                let name = stage.get("name")?.as_str()?.to_owned();
                let position = stage.get("position").and_then(Value::as_i64).unwrap_or(index as i64);
                Some((position, Stage { id, name }))
            })
            .collect();
        stages.sort_by_key(|(position, _)| *position);
        Pipeline { id: self.id, name: self.name, stages: stages.into_iter().map(|(_, stage)| stage).collect() }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CustomFieldsBody {
    #[serde(default)]
    custom_fields: Vec<CustomFieldDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CustomFieldDto {
    id: String,
    name: String,
    #[serde(default)]
    field_key: String,
    data_type: Value,
    #[serde(default)]
    picklist_options: Vec<Value>,
}

impl CustomFieldDto {
    /// `None` for a data type OpsFlow does not know (a newer one HighLevel added).
    fn into_field(self) -> Option<CrmField> {
        let data_type: CrmFieldType = serde_json::from_value(self.data_type).ok()?;
        let key = self.field_key.strip_prefix("contact.").unwrap_or(&self.field_key).to_owned();
        let options = self.picklist_options.iter().filter_map(Value::as_str).map(str::to_owned).collect();
        Some(CrmField { id: self.id, name: self.name, key, data_type, options })
    }
}

#[derive(Deserialize)]
struct UsersBody {
    #[serde(default)]
    users: Vec<UserDto>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserDto {
    id: String,
    name: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    #[serde(default)]
    email: String,
    #[serde(default)]
    deleted: bool,
    #[serde(default)]
    roles: Option<RolesDto>,
}

impl From<UserDto> for HighLevelUser {
    fn from(user: UserDto) -> Self {
        let roles = user.roles.unwrap_or_default();
        HighLevelUser {
            deleted: user.deleted,
            every_sub_account: roles.kind.as_deref() == Some("agency") && !roles.restrict_sub_account,
            admin: roles.role.as_deref() == Some("admin"),
            location_ids: roles.location_ids,
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RolesDto {
    /// `agency` (may open any sub-account of the agency, unless restricted) or `account` (only
    /// `locationIds`).
    #[serde(rename = "type")]
    kind: Option<String>,
    role: Option<String>,
    #[serde(default)]
    location_ids: Vec<SubAccountId>,
    /// An agency user kept to `locationIds`.
    #[serde(default)]
    restrict_sub_account: bool,
}

/// What HighLevel says of a user now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HighLevelUser {
    pub deleted: bool,
    /// An agency user not kept to `location_ids` may open any of the agency's sub-accounts;
    /// others only `location_ids`.
    pub every_sub_account: bool,
    pub admin: bool,
    pub location_ids: Vec<SubAccountId>,
}

impl HighLevelUser {
    /// Whether HighLevel lets this user open the sub-account.
    pub fn reaches(&self, location_id: &SubAccountId) -> bool {
        !self.deleted && (self.every_sub_account || self.location_ids.contains(location_id))
    }
}

#[async_trait]
impl Crm for HighLevelCrm {
    async fn create_note(&self, location_id: &SubAccountId, contact_id: &ContactId, note: &NewNote) -> CrmResult<Note> {
        // Credited to the staff member only when HighLevel knows them.
        let note =
            NewNote { user_id: note.user_id.as_deref().and_then(highlevel_user_id).map(str::to_owned), ..note.clone() };
        let body = serde_json::to_value(&note).map_err(|e| CrmError::Rejected(e.to_string()))?;
        let created: NoteBody =
            self.call(location_id, Request::send(Method::POST, format!("/contacts/{contact_id}/notes"), body)).await?;
        Ok(created.note.into_note(contact_id))
    }

    async fn update_contact_custom_fields(
        &self,
        location_id: &SubAccountId,
        contact_id: &ContactId,
        fields: &[CustomFieldUpdate],
        _cause: &Cause,
    ) -> CrmResult<()> {
        let body = json!({ "customFields": fields });
        let _: Value =
            self.call(location_id, Request::send(Method::PUT, format!("/contacts/{contact_id}"), body)).await?;
        Ok(())
    }

    async fn create_task(
        &self,
        location_id: &SubAccountId,
        contact_id: &ContactId,
        task: &NewTask,
        _cause: &Cause,
    ) -> CrmResult<Task> {
        let assigned_to = task.assigned_to.as_deref().and_then(highlevel_user_id).map(str::to_owned);
        let task = NewTask { assigned_to, ..task.clone() };
        let body = serde_json::to_value(&task).map_err(|e| CrmError::Rejected(e.to_string()))?;
        let created: TaskBody =
            self.call(location_id, Request::send(Method::POST, format!("/contacts/{contact_id}/tasks"), body)).await?;
        Ok(created.task.into_task(contact_id))
    }

    async fn contact_notes(&self, location_id: &SubAccountId, contact_id: &ContactId) -> CrmResult<Vec<Note>> {
        let list: NoteList = self.call(location_id, Request::get(format!("/contacts/{contact_id}/notes"), &[])).await?;
        Ok(list.notes.into_iter().map(|note| note.into_note(contact_id)).collect())
    }

    async fn contact_tasks(&self, location_id: &SubAccountId, contact_id: &ContactId) -> CrmResult<Vec<Task>> {
        let list: TaskList = self.call(location_id, Request::get(format!("/contacts/{contact_id}/tasks"), &[])).await?;
        Ok(list.tasks.into_iter().map(|task| task.into_task(contact_id)).collect())
    }

    async fn get_opportunity(
        &self,
        location_id: &SubAccountId,
        opportunity_id: &OpportunityId,
    ) -> CrmResult<Opportunity> {
        let found: OpportunityBody =
            self.call(location_id, Request::get(format!("/opportunities/{opportunity_id}"), &[])).await?;
        Ok(found.opportunity.into())
    }

    async fn move_opportunity(
        &self,
        location_id: &SubAccountId,
        opportunity_id: &OpportunityId,
        pipeline_id: &str,
        stage_id: &str,
        _cause: &Cause,
    ) -> CrmResult<Opportunity> {
        // Recorded before the move: the webhook echoing it can arrive before the answer does.
        self.store
            .record_outgoing_move(location_id, opportunity_id, stage_id)
            .await
            .map_err(|error| CrmError::Unavailable(error.to_string()))?;
        let body = json!({ "pipelineId": pipeline_id, "pipelineStageId": stage_id });
        let moved: OpportunityBody = self
            .call(location_id, Request::send(Method::PUT, format!("/opportunities/{opportunity_id}"), body))
            .await?;
        Ok(moved.opportunity.into())
    }

    async fn get_contact(&self, location_id: &SubAccountId, contact_id: &ContactId) -> CrmResult<Contact> {
        let found = self.contact_dto(location_id, contact_id).await?;
        let name = found.display_name();
        let ContactDto { id, email, phone, .. } = found;
        Ok(Contact { id, name, email: email.unwrap_or_default(), phone: phone.unwrap_or_default() })
    }

    async fn pipelines(&self, location_id: &SubAccountId) -> CrmResult<Vec<Pipeline>> {
        if let Some(pipelines) = self.cached(location_id, |cache| &cache.pipelines) {
            return Ok(pipelines);
        }
        let query = [("locationId", location_id.as_str())];
        let body: PipelinesBody =
            self.call(location_id, Request::get("/opportunities/pipelines".to_owned(), &query)).await?;
        let pipelines: Vec<Pipeline> = body.pipelines.into_iter().map(PipelineDto::into_pipeline).collect();
        self.remember(location_id, |cache| cache.pipelines = Some((Instant::now(), pipelines.clone())));
        Ok(pipelines)
    }

    async fn custom_fields(&self, location_id: &SubAccountId) -> CrmResult<Vec<CrmField>> {
        if let Some(fields) = self.cached(location_id, |cache| &cache.fields) {
            return Ok(fields);
        }
        let query = [("model", "contact")];
        let path = format!("/locations/{location_id}/customFields");
        let body: CustomFieldsBody = self.call(location_id, Request::get(path, &query)).await?;
        let fields: Vec<CrmField> = body.custom_fields.into_iter().filter_map(CustomFieldDto::into_field).collect();
        self.remember(location_id, |cache| cache.fields = Some((Instant::now(), fields.clone())));
        Ok(fields)
    }

    async fn users(&self, location_id: &SubAccountId) -> CrmResult<Vec<CrmUser>> {
        let query = [("locationId", location_id.as_str())];
        let body: UsersBody = self.call(location_id, Request::get("/users/".to_owned(), &query)).await?;
        Ok(body
            .users
            .into_iter()
            .filter(|user| !user.deleted)
            .map(|user| {
                let joined = [user.first_name, user.last_name].into_iter().flatten().collect::<Vec<_>>().join(" ");
                let name = user.name.filter(|name| !name.trim().is_empty()).unwrap_or(joined);
                CrmUser { id: user.id, name, email: user.email }
            })
            .collect())
    }
}
