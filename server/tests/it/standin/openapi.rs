//! Checks a request against HighLevel's official OpenAPI files (`tests/highlevel-openapi/`,
//! copied unchanged from `GoHighLevel/highlevel-api-docs`): the operation exists for the method
//! and path, required headers (`Version`, with its enum) and query parameters are there and no
//! unknown query parameter is, a bearer token is sent where the operation is secured, and the
//! body has the declared content type and matches the schema.
//!
//! Schemas are checked strictly: a property the schema does not declare is refused (HighLevel's
//! API rejects unknown properties), as are wrong types, missing required properties and values
//! outside an enum. One leniency: NestJS writes a property typed `any` as `{"type": "object"}`
//! with nothing else (e.g. `NumericField.field_value`, whose example is `100`), so such a
//! schema accepts any value.

use serde_json::{Map, Value};
use std::path::Path;

const FILES: &[&str] = &["contacts.json", "opportunities.json", "oauth.json", "locations.json", "users.json"];

pub struct Spec {
    files: Vec<Value>,
}

/// The parts of a request the spec speaks about.
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a [(String, String)],
    /// Lower-case header names.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl Spec {
    pub fn load() -> Self {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/highlevel-openapi");
        let files = FILES
            .iter()
            .map(|file| {
                let text = std::fs::read_to_string(dir.join(file)).expect("an OpenAPI file");
                serde_json::from_str(&text).expect("OpenAPI JSON")
            })
            .collect();
        Self { files }
    }

    /// `Ok` when the spec accepts the request; otherwise every reason it does not.
    pub fn check(&self, request: &Request<'_>) -> Result<(), Vec<String>> {
        let method = request.method.to_ascii_lowercase();
        // A literal segment beats a parameter: `/opportunities/pipelines` is not `/opportunities/{id}`.
        let found = self
            .files
            .iter()
            .flat_map(|file| {
                let paths = file.get("paths").and_then(Value::as_object).into_iter().flatten();
                paths.map(move |(template, item)| (file, template, item))
            })
            .filter(|(_, template, item)| path_matches(template, request.path) && item.get(&method).is_some())
            .min_by_key(|(_, template, _)| template.matches('{').count())
            .map(|(file, _, item)| (file, &item[&method]));
        let Some((file, operation)) = found else {
            return Err(vec![format!("no operation {} {} in the spec", request.method, request.path)]);
        };
        let mut problems = Vec::new();
        check_parameters(operation, request, &mut problems);
        check_security(operation, request, &mut problems);
        check_body(file, operation, request, &mut problems);
        if problems.is_empty() { Ok(()) } else { Err(problems) }
    }
}

fn path_matches(template: &str, path: &str) -> bool {
    let template: Vec<&str> = template.trim_end_matches('/').split('/').collect();
    let path: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    template.len() == path.len()
        && template.iter().zip(&path).all(|(t, p)| if t.starts_with('{') { !p.is_empty() } else { t == p })
}

fn header<'a>(request: &'a Request<'_>, name: &str) -> Option<&'a str> {
    let name = name.to_ascii_lowercase();
    request.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
}

fn check_parameters(operation: &Value, request: &Request<'_>, problems: &mut Vec<String>) {
    let parameters = operation.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut known_query = Vec::new();
    for parameter in &parameters {
        let name = parameter["name"].as_str().unwrap_or_default();
        let required = parameter["required"].as_bool().unwrap_or(false);
        let value = match parameter["in"].as_str() {
            Some("header") => header(request, name).map(str::to_owned),
            Some("query") => {
                known_query.push(name);
                request.query.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
            }
            _ => continue,
        };
        match value {
            None if required => problems.push(format!("missing required {} parameter `{name}`", parameter["in"])),
            None => {}
            Some(value) => {
                if let Some(allowed) = parameter["schema"]["enum"].as_array()
                    && !allowed.iter().any(|a| a.as_str() == Some(value.as_str()))
                {
                    problems
                        .push(format!("{} parameter `{name}` = `{value}` is not one of {allowed:?}", parameter["in"]));
                }
            }
        }
    }
    for (name, _) in request.query {
        if !known_query.contains(&name.as_str()) {
            problems.push(format!("unknown query parameter `{name}`"));
        }
    }
}

fn check_security(operation: &Value, request: &Request<'_>, problems: &mut Vec<String>) {
    let secured = operation.get("security").and_then(Value::as_array).is_some_and(|s| !s.is_empty());
    let bearer = header(request, "authorization").is_some_and(|v| v.starts_with("Bearer ") && v.len() > 7);
    if secured && !bearer {
        problems.push("a secured operation without `Authorization: Bearer <token>`".to_owned());
    }
}

fn check_body(file: &Value, operation: &Value, request: &Request<'_>, problems: &mut Vec<String>) {
    let Some(content) = operation.pointer("/requestBody/content").and_then(Value::as_object) else {
        if !request.body.is_empty() {
            problems.push("a body on an operation that takes none".to_owned());
        }
        return;
    };
    let content_type = header(request, "content-type").unwrap_or_default();
    let media = content_type.split(';').next().unwrap_or_default().trim();
    let Some(declared) = content.get(media) else {
        let keys: Vec<&String> = content.keys().collect();
        problems.push(format!("content type `{content_type}`; the spec declares {keys:?}"));
        return;
    };
    let body: Value = match media {
        "application/json" => match serde_json::from_slice(request.body) {
            Ok(body) => body,
            Err(error) => return problems.push(format!("the JSON body does not parse: {error}")),
        },
        "application/x-www-form-urlencoded" => {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(request.body).unwrap_or_default();
            Value::Object(pairs.into_iter().map(|(k, v)| (k, Value::String(v))).collect())
        }
        other => return problems.push(format!("unsupported content type {other}")),
    };
    validate(file, &declared["schema"], &body, "body", problems);
}

fn resolve<'a>(file: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let target = file.pointer(reference.trim_start_matches('#')).unwrap_or(&Value::Null);
            resolve(file, target)
        }
        None => schema,
    }
}

/// NestJS's rendering of `any`: `{"type": "object"}` and nothing that constrains it.
fn is_any(schema: &Map<String, Value>) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("object")
        && !schema.contains_key("properties")
        && !schema.contains_key("additionalProperties")
        && !schema.contains_key("required")
}

pub fn validate(file: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    let schema = resolve(file, schema);
    let Some(object) = schema.as_object() else { return };
    if is_any(object) || (value.is_null() && object.get("nullable") == Some(&Value::Bool(true))) {
        return;
    }
    if let Some(parts) = object.get("allOf").and_then(Value::as_array) {
        // allOf combines object schemas: their properties and requirements together.
        let mut properties = Map::new();
        let mut required = Vec::new();
        for part in parts.iter().map(|part| resolve(file, part)) {
            properties.extend(part["properties"].as_object().cloned().unwrap_or_default());
            required.extend(part["required"].as_array().cloned().unwrap_or_default());
        }
        let merged = serde_json::json!({"type": "object", "properties": properties, "required": required});
        return validate(file, &merged, value, at, problems);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(options) = object.get(key).and_then(Value::as_array) {
            let results: Vec<Vec<String>> = options
                .iter()
                .map(|option| {
                    let mut found = Vec::new();
                    validate(file, option, value, at, &mut found);
                    found
                })
                .collect();
            if results.iter().all(|found| !found.is_empty()) {
                problems.push(format!("{at} matches none of the {key} schemas: {:?}", results.concat()));
            }
        }
    }
    if let Some(allowed) = object.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        problems.push(format!("{at} = {value} is not one of {allowed:?}"));
    }
    let expected = object.get("type").and_then(Value::as_str);
    let type_ok = match expected {
        Some("string") => value.is_string(),
        Some("number") => value.is_number(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("boolean") => value.is_boolean(),
        Some("array") => value.is_array(),
        Some("object") => value.is_object(),
        _ => true,
    };
    if !type_ok {
        return problems.push(format!("{at} should be {}, is {value}", expected.unwrap_or_default()));
    }
    if let (Some(items), Some(values)) = (object.get("items"), value.as_array()) {
        for (index, item) in values.iter().enumerate() {
            validate(file, items, item, &format!("{at}[{index}]"), problems);
        }
    }
    if let Some(fields) = value.as_object() {
        let properties = object.get("properties").and_then(Value::as_object);
        for required in object.get("required").and_then(Value::as_array).into_iter().flatten() {
            if let Some(name) = required.as_str().filter(|name| !fields.contains_key(*name)) {
                problems.push(format!("{at}.{name} is required"));
            }
        }
        let open = object.get("additionalProperties").is_some_and(|extra| extra != &Value::Bool(false));
        for (name, field) in fields {
            match properties.and_then(|p| p.get(name)) {
                Some(property) => validate(file, property, field, &format!("{at}.{name}"), problems),
                None if open || properties.is_none() => {}
                None => problems.push(format!("{at}.{name} is not a property the spec declares")),
            }
        }
    }
}
