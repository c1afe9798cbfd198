//! Seed 001's Workflows API under `/api/v1`, called with an API key (see `api_key`): list, read,
//! create, replace, enable/disable and delete a sub-account's workflows. Bodies and answers are
//! the seed's workflow object in camelCase; a refused workflow answers 422 `invalid_workflow`
//! with every problem at its JSON path. The OpenAPI document (`openapi`) is generated from these
//! handlers' annotations and the model's types.

use app::api::AppError;
use app::model::workflow::history::{Run, RunPage};
use app::model::workflow::{Workflow, WorkflowInput};
use app::model::{RunId, TriggerModule, WorkflowId};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use super::ApiError;
use super::api_key::ApiCaller;
use crate::db::tenancy::Editor;
use crate::state::AppState;

/// The one shape of every error answer: a machine code, a human message, and details where
/// the code has them (for `invalid_workflow`, the problems with their paths).
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "documents the shape ApiError writes")]
pub struct ErrorBody {
    /// `api_key_required`, `not_found`, `invalid_workflow`, `conflict`, `bad_request`,
    /// `too_many_attempts`, `internal`…
    error: String,
    message: String,
    /// What the code has to add: a text, or for `invalid_workflow` the problems.
    #[schema(value_type = Option<Value>)]
    details: Option<Value>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only the workflows triggered by this module's events (`forms`: by submitted forms).
    #[param(value_type = Option<TriggerModule>)]
    module: Option<String>,
}

/// A body the JSON reader refused: 400, or 415 without a JSON content type; our error shape.
fn unreadable(rejection: JsonRejection) -> ApiError {
    ApiError(AppError::BadRequest(format!("The body could not be read as JSON: {}", rejection.body_text())))
}

fn bad_query(rejection: QueryRejection) -> ApiError {
    ApiError(AppError::BadRequest(rejection.body_text()))
}

/// An id from the path: another tenant's, a missing one and nonsense all answer 404 — one with
/// the NUL character too, which no id holds and PostgreSQL cannot even look up.
fn path_id<Id: From<String>>(id: String, what: &str) -> Result<Id, ApiError> {
    if id.contains('\0') { Err(ApiError(AppError::not_found(what))) } else { Ok(Id::from(id)) }
}

fn workflow_id(id: String) -> Result<WorkflowId, ApiError> {
    path_id(id, "That workflow")
}

fn run_id(id: String) -> Result<RunId, ApiError> {
    path_id(id, "That run")
}

#[utoipa::path(get, path = "/api/v1/workflows", tag = "workflows", params(ListQuery),
    responses(
        (status = 200, description = "The sub-account's workflows, by name", body = Vec<Workflow>),
        (status = 400, description = "An unknown module", body = ErrorBody),
    ))]
pub async fn list_workflows(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Vec<Workflow>>, ApiError> {
    let Query(query) = query.map_err(bad_query)?;
    let module = match query.module.as_deref() {
        None => None,
        Some(name) => {
            Some(name.parse::<TriggerModule>().map_err(|error| AppError::BadRequest(format!("module: {error}.")))?)
        }
    };
    Ok(Json(state.service.workflows(&caller, module).await?))
}

#[utoipa::path(get, path = "/api/v1/workflows/{id}", tag = "workflows",
    params(("id" = String, Path, description = "The workflow's id")),
    responses(
        (status = 200, description = "The workflow with its actions", body = Workflow),
        (status = 404, description = "No such workflow in the key's sub-account", body = ErrorBody),
    ))]
pub async fn get_workflow(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Workflow>, ApiError> {
    Ok(Json(state.service.workflow(&caller, &workflow_id(id)?).await?))
}

#[utoipa::path(post, path = "/api/v1/workflows", tag = "workflows",
    request_body(content = WorkflowInput, description = "The workflow object; `id` and the times, when sent, are \
        ignored, and so is `version` (a whole number from 1 when sent). Actions without an `id` get one.",
        example = json!({
            "name": "Welcome website leads",
            "description": "Call new website leads back within a day; two days on, ask their owner whether they answered.",
            "triggerModule": "leads",
            "triggerType": "lead_created",
            "triggerFilters": {"logic": "AND", "conditions": [{"field": "source", "operator": "equals", "value": "website"}]},
            "isActive": true,
            "actions": [
                {"actionType": "create_task", "config": {"title": "Call {{trigger.firstName}} back", "dueIn": {"amount": 1, "unit": "days"}}, "sortOrder": 1},
                {"actionType": "wait", "config": {"amount": 2, "unit": "days"}, "sortOrder": 2},
                {"actionType": "create_task", "config": {"title": "Has {{trigger.firstName}} {{trigger.lastName}} answered?", "assignedTo": "owner"}, "sortOrder": 3}
            ]
        })),
    responses(
        (status = 201, description = "Created at version 1", body = Workflow),
        (status = 400, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "Every problem, each at its JSON path", body = ErrorBody),
    ))]
pub async fn create_workflow(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body.map_err(unreadable)?;
    let workflow = state.service.create_workflow(&Editor::from(&caller), &body).await?;
    let location = format!("/api/v1/workflows/{}", workflow.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(workflow)).into_response())
}

#[utoipa::path(put, path = "/api/v1/workflows/{id}", tag = "workflows",
    params(("id" = String, Path, description = "The workflow's id")),
    request_body(content = WorkflowInput, description = "The whole workflow as it should be. `version`, when sent, is \
        the version the change was made to: if the workflow has moved on, nothing is saved (409)."),
    responses(
        (status = 200, description = "Saved as the next version", body = Workflow),
        (status = 400, description = "Not JSON", body = ErrorBody),
        (status = 404, description = "No such workflow in the key's sub-account", body = ErrorBody),
        (status = 409, description = "Someone saved another version since", body = ErrorBody),
        (status = 422, description = "Every problem, each at its JSON path", body = ErrorBody),
    ))]
pub async fn update_workflow(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<Workflow>, ApiError> {
    let Json(body) = body.map_err(unreadable)?;
    Ok(Json(state.service.update_workflow(&Editor::from(&caller), &workflow_id(id)?, &body).await?))
}

/// `{"isActive": true}` sets the state; an empty body flips it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Toggle {
    is_active: Option<bool>,
}

#[utoipa::path(patch, path = "/api/v1/workflows/{id}/toggle", tag = "workflows",
    params(("id" = String, Path, description = "The workflow's id")),
    request_body(content = Option<Toggle>, description = "Optional: `{\"isActive\": true}` to enable, `false` to \
        disable; without a body the workflow is flipped. Enabling checks it again against the sub-account."),
    responses(
        (status = 200, description = "The workflow, enabled or disabled (its version is unchanged)", body = Workflow),
        (status = 400, description = "A body that is not `{\"isActive\": bool}`", body = ErrorBody),
        (status = 404, description = "No such workflow in the key's sub-account", body = ErrorBody),
        (status = 409, description = "It changed while it was being enabled", body = ErrorBody),
        (status = 422, description = "It cannot be enabled as it is now", body = ErrorBody),
    ))]
pub async fn toggle_workflow(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Workflow>, ApiError> {
    let active = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        // `null` is no body too.
        let toggle: Option<Toggle> = serde_json::from_slice(&body).map_err(|error| {
            AppError::BadRequest(format!("The body is {{\"isActive\": true}} or {{\"isActive\": false}}: {error}."))
        })?;
        toggle.and_then(|toggle| toggle.is_active)
    };
    Ok(Json(state.service.toggle_workflow(&Editor::from(&caller), &workflow_id(id)?, active).await?))
}

#[utoipa::path(delete, path = "/api/v1/workflows/{id}", tag = "workflows",
    params(("id" = String, Path, description = "The workflow's id")),
    responses(
        (status = 204, description = "Deleted: it starts no more runs; its run history stays readable"),
        (status = 404, description = "No such workflow in the key's sub-account", body = ErrorBody),
    ))]
pub async fn delete_workflow(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.service.delete_workflow(&Editor::from(&caller), &workflow_id(id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunsQuery {
    /// From 1 (the newest runs); default 1.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 2147483647)]
    page: Option<String>,
    /// Runs per page, 1 to 100; default 20.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
}

/// A whole number within bounds from a query parameter, or a 400 that says what it takes.
fn bounded(name: &str, text: Option<&str>, default: i64, max: i64) -> Result<i64, ApiError> {
    let Some(text) = text else { return Ok(default) };
    text.trim().parse::<i64>().ok().filter(|n| (1..=max).contains(n)).ok_or_else(|| {
        ApiError(AppError::BadRequest(format!("`{name}` takes a whole number from 1 to {max}, not “{text}”.")))
    })
}

#[utoipa::path(get, path = "/api/v1/workflows/{id}/runs", tag = "runs",
    params(("id" = String, Path, description = "The workflow's id"), RunsQuery),
    responses(
        (status = 200, description = "A page of its runs, newest first, with how many there are (a deleted \
            workflow's too, marked `workflowDeleted`)", body = RunPage),
        (status = 400, description = "A page or limit out of bounds", body = ErrorBody),
        (status = 404, description = "No such workflow in the key's sub-account", body = ErrorBody),
    ))]
pub async fn list_runs(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    query: Result<Query<RunsQuery>, QueryRejection>,
) -> Result<Json<RunPage>, ApiError> {
    let Query(query) = query.map_err(bad_query)?;
    let page = bounded("page", query.page.as_deref(), 1, i64::from(i32::MAX))?;
    let limit = bounded("limit", query.limit.as_deref(), 20, 100)?;
    Ok(Json(state.service.workflow_runs(&caller, &workflow_id(id)?, page, limit).await?))
}

#[utoipa::path(get, path = "/api/v1/workflows/runs/{runId}", tag = "runs",
    params(("runId" = String, Path, description = "The run's id")),
    responses(
        (status = 200, description = "The run with its trigger and its steps in order", body = Run),
        (status = 404, description = "No such run in the key's sub-account", body = ErrorBody),
    ))]
pub async fn get_run(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Run>, ApiError> {
    Ok(Json(state.service.workflow_run(&caller, &run_id(id)?).await?))
}

#[utoipa::path(post, path = "/api/v1/workflows/runs/{runId}/retry", tag = "runs",
    params(("runId" = String, Path, description = "The run's id")),
    responses(
        (status = 200, description = "Running again from the step that failed; the steps before it are not run again", body = Run),
        (status = 404, description = "No such run in the key's sub-account", body = ErrorBody),
        (status = 409, description = "The run has not failed", body = ErrorBody),
    ))]
pub async fn retry_run(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Run>, ApiError> {
    Ok(Json(state.service.retry_workflow_run(&Editor::from(&caller), &run_id(id)?).await?))
}
