//! The REST API described: an OpenAPI 3.1 document generated from the handlers' annotations and
//! the model's wire types (`/api/v1/openapi.json`), and a reference page made from that same
//! document by OpsFlow itself (`/api/v1/docs`) — no script, no outside assets, so it reads
//! anywhere OpsFlow runs, offline included.

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::OnceLock;
use utoipa::openapi::content::Content;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{Modify, OpenApi, PartialSchema};

use app::model::workflow::WorkflowInput;

use super::workflows_api;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "OpsFlow API",
        version = "1",
        description = "Workflows of one sub-account: a trigger on one of the CRM's 27 record events or on a form \
            submitted in the inbox (`form_submitted`), filters on the record and its previous values (a form's \
            answers as `answers.<key>`), and an ordered list of actions. Every call sends an API key \
            (`Authorization: Bearer opsf_…`) that an admin makes in Settings; the key decides the sub-account. \
            Errors have one shape: `{\"error\": code, \"message\": text, \"details\": …}`."
    ),
    paths(
        workflows_api::list_workflows,
        workflows_api::get_workflow,
        workflows_api::create_workflow,
        workflows_api::update_workflow,
        workflows_api::toggle_workflow,
        workflows_api::delete_workflow,
        workflows_api::list_runs,
        workflows_api::get_run,
        workflows_api::retry_run,
    ),
    components(schemas(workflows_api::ErrorBody, app::model::workflow::Problem, WorkflowInput)),
    modifiers(&ApiKeyAuth),
    security(("api_key" = [])),
    tags(
        (name = "workflows", description = "Seed 001's workflows: create, read, change, enable and delete them."),
        (name = "runs", description = "What each workflow did: a run per event that passed its filters, with its steps.")
    )
)]
struct ApiDoc;

/// The API key: the scheme, and on every operation the two answers any call can get because
/// of it — 401 without a live key, 429 past its allowance — with the headers they carry.
struct ApiKeyAuth;

impl Modify for ApiKeyAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            let scheme = HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some("An API key from Settings → API keys (`opsf_…`)."))
                .build();
            components.add_security_scheme("api_key", SecurityScheme::Http(scheme));
        }
        let error = || Content::new(Some(Ref::from_schema_name("ErrorBody")));
        let unauthorized = ResponseBuilder::new()
            .description("No live API key (none, unknown or revoked)")
            .content("application/json", error())
            .header(
                "WWW-Authenticate",
                HeaderBuilder::new().schema(String::schema()).description(Some("`Bearer`: send an API key.")).build(),
            )
            .build();
        let too_many = ResponseBuilder::new()
            .description("Too many calls with this key in the last minute")
            .content("application/json", error())
            .header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)))
                    .description(Some("Seconds to wait before the next call."))
                    .build(),
            )
            .build();
        for item in openapi.paths.paths.values_mut() {
            let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.patch, &mut item.delete];
            for operation in operations.into_iter().flatten() {
                let responses = &mut operation.responses.responses;
                responses.insert("401".to_owned(), RefOr::T(unauthorized.clone()));
                responses.insert("429".to_owned(), RefOr::T(too_many.clone()));
            }
        }
    }
}

/// The document as JSON, made once.
fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| serde_json::to_value(ApiDoc::openapi()).unwrap_or_default())
}

/// `GET /api/v1/openapi.json`
pub async fn openapi_json() -> Response {
    ([(header::CACHE_CONTROL, "no-cache")], axum::Json(document().clone())).into_response()
}

/// `GET /api/v1/docs`: the reference, one section per operation and per schema.
pub async fn api_reference() -> Response {
    static PAGE: OnceLock<String> = OnceLock::new();
    let page = PAGE.get_or_init(|| reference_page(document()));
    (StatusCode::OK, Html(page.clone())).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Inline `code` in a description, as the descriptions write it.
fn prose(text: &str) -> String {
    let escaped = escape(text);
    let mut out = String::new();
    for (index, part) in escaped.split('`').enumerate() {
        if index % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

/// A schema's type as a reader names it: `Workflow`, `array of Action`, `string`, `one of …`.
fn type_name(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        return format!("<a href=\"#schema-{name}\">{name}</a>");
    }
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        // `null or X` is an optional X: the table says which fields are required.
        let named: Vec<String> = options.iter().filter(|o| o["type"] != "null").map(type_name).collect();
        return named.join(" or ");
    }
    let kind = match schema.get("type") {
        Some(Value::Array(kinds)) => {
            kinds.iter().filter_map(Value::as_str).filter(|k| *k != "null").collect::<Vec<_>>().join(" or ")
        }
        Some(Value::String(kind)) => kind.clone(),
        _ => "any".to_owned(),
    };
    match (kind.as_str(), schema.get("items")) {
        ("array", Some(items)) => format!("array of {}", type_name(items)),
        _ => kind,
    }
}

fn reference_page(document: &Value) -> String {
    let info = &document["info"];
    let mut html = String::new();
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>API reference · OpsFlow</title>\
         <link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\
         <link rel=\"stylesheet\" href=\"/pkg/opsflow.css\"></head><body><main class=\"page api-reference\">\
         <h1>{title}, version {version}</h1><p>{description}</p>\
         <p>The same as an OpenAPI 3.1 document: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>.</p>\
         <h2>Operations</h2>",
        title = escape(info["title"].as_str().unwrap_or_default()),
        version = escape(info["version"].as_str().unwrap_or_default()),
        description = prose(info["description"].as_str().unwrap_or_default()),
    );
    let empty = serde_json::Map::new();
    for (path, item) in document["paths"].as_object().unwrap_or(&empty) {
        for method in ["get", "post", "put", "patch", "delete"] {
            if let Some(operation) = item.get(method) {
                operation_section(&mut html, method, path, operation);
            }
        }
    }
    html.push_str("<h2>Schemas</h2>");
    let order = property_order();
    for (name, schema) in document["components"]["schemas"].as_object().unwrap_or(&empty) {
        schema_section(&mut html, name, schema, order.get(name).map(Vec::as_slice).unwrap_or_default());
    }
    html.push_str("</main></body></html>");
    html
}

fn operation_section(html: &mut String, method: &str, path: &str, operation: &Value) {
    let _ = write!(
        html,
        "<section class=\"card api-operation\"><h3><span class=\"badge\">{method}</span> <code>{path}</code></h3>",
        method = escape(&method.to_uppercase()),
        path = escape(path),
    );
    if let Some(parameters) = operation["parameters"].as_array().filter(|p| !p.is_empty()) {
        html.push_str(
            "<table class=\"table\"><thead><tr><th scope=\"col\">Parameter</th><th scope=\"col\">In</th>\
                       <th scope=\"col\">Type</th><th scope=\"col\">Description</th></tr></thead><tbody>",
        );
        for parameter in parameters {
            let _ = write!(
                html,
                "<tr><td data-label=\"Parameter\"><code>{}</code>{}</td><td data-label=\"In\">{}</td>\
                 <td data-label=\"Type\">{}</td><td data-label=\"Description\">{}</td></tr>",
                escape(parameter["name"].as_str().unwrap_or_default()),
                if parameter["required"] == Value::Bool(true) { " (required)" } else { "" },
                escape(parameter["in"].as_str().unwrap_or_default()),
                type_name(&parameter["schema"]),
                prose(parameter["description"].as_str().unwrap_or_default()),
            );
        }
        html.push_str("</tbody></table>");
    }
    if let Some(body) = operation.get("requestBody") {
        let _ = write!(
            html,
            "<p><strong>Body</strong> ({}): {}</p>",
            type_name(&body["content"]["application/json"]["schema"]),
            prose(body["description"].as_str().unwrap_or_default()),
        );
        // Focusable: on a narrow screen the example scrolls sideways, and a keyboard must reach it.
        if let Some(example) = body["content"]["application/json"].get("example") {
            let text = serde_json::to_string_pretty(example).unwrap_or_default();
            let _ = write!(
                html,
                "<p>For example:</p><pre class=\"api-example\" tabindex=\"0\"><code>{}</code></pre>",
                escape(&text)
            );
        }
    }
    html.push_str(
        "<table class=\"table\"><thead><tr><th scope=\"col\">Status</th><th scope=\"col\">Meaning</th>\
                   <th scope=\"col\">Body</th></tr></thead><tbody>",
    );
    let empty = serde_json::Map::new();
    for (status, response) in operation["responses"].as_object().unwrap_or(&empty) {
        let body = response["content"]["application/json"].get("schema").map(type_name).unwrap_or_default();
        let _ = write!(
            html,
            "<tr><td data-label=\"Status\">{}</td><td data-label=\"Meaning\">{}</td>\
             <td data-label=\"Body\">{body}</td></tr>",
            escape(status),
            prose(response["description"].as_str().unwrap_or_default()),
        );
    }
    html.push_str("</tbody></table></section>");
}

/// Each object schema's fields in the order the type declares them (the JSON document's maps
/// are sorted by name).
fn property_order() -> HashMap<String, Vec<String>> {
    let Some(components) = ApiDoc::openapi().components else { return HashMap::new() };
    components
        .schemas
        .into_iter()
        .filter_map(|(name, schema)| match schema {
            RefOr::T(Schema::Object(object)) => Some((name, object.properties.keys().cloned().collect())),
            _ => None,
        })
        .collect()
}

fn schema_section(html: &mut String, name: &str, schema: &Value, order: &[String]) {
    let _ = write!(html, "<section class=\"card api-schema\" id=\"schema-{0}\"><h3>{0}</h3>", escape(name));
    if let Some(description) = schema["description"].as_str() {
        let _ = write!(html, "<p>{}</p>", prose(description));
    }
    if schema.get("properties").is_none() && schema.get("enum").is_none() {
        let _ = write!(html, "<p>Type: {}.</p>", type_name(schema));
    }
    if let Some(values) = schema["enum"].as_array() {
        let names: Vec<String> =
            values.iter().filter_map(Value::as_str).map(|v| format!("<code>{}</code>", escape(v))).collect();
        let _ = write!(html, "<p>One of {}.</p>", names.join(", "));
    }
    let required: Vec<&str> =
        schema["required"].as_array().map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    if let Some(properties) = schema["properties"].as_object() {
        html.push_str(
            "<table class=\"table\"><thead><tr><th scope=\"col\">Field</th><th scope=\"col\">Type</th>\
                       <th scope=\"col\">Description</th></tr></thead><tbody>",
        );
        let mut fields: Vec<(&String, &Value)> = properties.iter().collect();
        fields.sort_by_key(|(field, _)| order.iter().position(|known| known == *field).unwrap_or(usize::MAX));
        for (field, property) in fields {
            let _ = write!(
                html,
                "<tr><td data-label=\"Field\"><code>{}</code>{}</td><td data-label=\"Type\">{}</td>\
                 <td data-label=\"Description\">{}</td></tr>",
                escape(field),
                if required.contains(&field.as_str()) { " (required)" } else { "" },
                type_name(property),
                prose(property["description"].as_str().unwrap_or_default()),
            );
        }
        html.push_str("</tbody></table>");
    }
    html.push_str("</section>");
}
