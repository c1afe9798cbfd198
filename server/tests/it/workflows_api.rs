//! Seed 001's Workflows API on a real socket, called with API keys: the 6 workflow endpoints,
//! versions and conflicts, every problem with its path, tenancy (another sub-account's key sees
//! 404), keys made, revoked and rate limited, the events API taking keys, and the OpenAPI
//! document and reference page.
#![expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]

use app::api::ports::{ApiKeysPort, RecordsPort};
use app::api::types::SessionUser;
use app::model::SubAccountId;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::service::{Service, ServiceOptions};
use std::sync::Arc;

use crate::common::{Db, fixture};
use crate::http_api::{Server, body, browser, serve, start};

/// A client that sends `key` with every call, from no page at all (a script).
fn with_key(key: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("authorization", format!("Bearer {key}").parse().unwrap());
    reqwest::Client::builder().default_headers(headers).build().unwrap()
}

async fn key_for(s: &Server, user: &SessionUser, sub_account: &SubAccountId) -> String {
    s.f.service.create_api_key(user, sub_account, "Zapier").await.unwrap().key
}

async fn call(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    json: Option<Value>,
) -> (StatusCode, Value) {
    let request = client.request(method, url);
    let request = match json {
        Some(json) => request.json(&json),
        None => request,
    };
    body(request.send().await.unwrap()).await
}

/// Seed 001's example, assigning to two of Acme's users in turn.
fn seed_example(users: [&str; 2]) -> Value {
    json!({
        "name": "Auto-assign new leads",
        "description": "Round-robin assignment for inbound leads",
        "triggerModule": "leads",
        "triggerType": "lead_created",
        "triggerFilters": {"logic": "AND", "conditions": [{"field": "source", "operator": "equals", "value": "website"}]},
        "isActive": true,
        "actions": [{"actionType": "assign_owner", "config": {"algorithm": "round_robin", "userIds": users}, "sortOrder": 1}]
    })
}

async fn workflows_are_created_read_changed_toggled_and_deleted(db: Db) {
    use reqwest::Method as M;
    let s = start(db).await;
    let (admin, sam) = (s.f.admin.id.to_string(), s.f.sam.id.to_string());
    let api = with_key(&key_for(&s, &s.f.admin, &s.f.acme).await);
    let url = |path: &str| format!("{}/api/v1/workflows{path}", s.base);

    let (status, created) = call(&api, M::POST, url(""), Some(seed_example([&admin, &sam]))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["version"], 1);
    assert_eq!(created["isActive"], true);
    assert_eq!(created["triggerFilters"], seed_example([&admin, &sam])["triggerFilters"]);
    let id = created["id"].as_str().unwrap().to_owned();
    let action_id = created["actions"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["actions"][0]["config"]["userIds"], json!([admin, sam]));
    for key in ["createdAt", "updatedAt"] {
        assert!(chrono::DateTime::parse_from_rfc3339(created[key].as_str().unwrap()).is_ok(), "{key}");
    }

    // Read back, listed, filtered by module.
    let (status, read) = call(&api, M::GET, url(&format!("/{id}")), None).await;
    assert_eq!((status, &read), (StatusCode::OK, &created));
    let (_, all) = call(&api, M::GET, url(""), None).await;
    assert_eq!(all.as_array().unwrap().len(), 1);
    let (_, leads) = call(&api, M::GET, url("?module=leads"), None).await;
    assert_eq!(leads.as_array().unwrap().len(), 1);
    let (_, tasks) = call(&api, M::GET, url("?module=tasks"), None).await;
    assert_eq!(tasks, json!([]));
    let (status, _) = call(&api, M::GET, url("?module="), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "an empty name is no module");
    let (status, error) = call(&api, M::GET, url("?module=deals"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["error"], "bad_request");
    assert!(error["message"].as_str().unwrap().contains("“deals” is not a module"), "{error}");

    // A change is the next version; the action keeps its id when it is sent back.
    let mut changed = read.clone();
    changed["name"] = json!("Assign website leads");
    let (status, saved) = call(&api, M::PUT, url(&format!("/{id}")), Some(changed.clone())).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!((saved["version"].as_i64(), saved["name"].as_str()), (Some(2), Some("Assign website leads")));
    assert_eq!(saved["actions"][0]["id"], action_id);
    // The same change from version 1 again: someone saved since.
    let (status, error) = call(&api, M::PUT, url(&format!("/{id}")), Some(changed)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert_eq!(error["error"], "conflict");
    assert!(error["message"].as_str().unwrap().contains("version 2 now, not 1"), "{error}");
    // Sent back unchanged: no new version.
    let (status, same) = call(&api, M::PUT, url(&format!("/{id}")), Some(saved.clone())).await;
    assert_eq!((status, same["version"].as_i64()), (StatusCode::OK, Some(2)), "{same}");
    let versions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM workflow_versions WHERE workflow_id = $1")
        .bind(id.as_str())
        .fetch_one(s.f.store().pool())
        .await
        .unwrap();
    assert_eq!(versions, 2);

    // Every problem at its path; nothing saved.
    let mut broken = saved.clone();
    broken["triggerType"] = json!("lead_updated");
    broken["triggerFilters"] = json!({"conditions": [{"field": "scor", "operator": "equals", "value": 1}]});
    broken["actions"] = json!([{"actionType": "assign_owner", "config": {"userIds": []}, "sortOrder": 1},
                               {"actionType": "wait", "config": {"amount": 2}, "sortOrder": 2}]);
    let (status, error) = call(&api, M::PUT, url(&format!("/{id}")), Some(broken)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["error"], "invalid_workflow");
    let paths: Vec<&str> = error["details"].as_array().unwrap().iter().map(|p| p["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["triggerFilters.conditions[0].field", "actions[0].config.userIds", "actions[1].config.unit"]);
    let (_, still) = call(&api, M::GET, url(&format!("/{id}")), None).await;
    assert_eq!(still["version"], 2);

    // Toggle: flips without a body, sets with one; no new version.
    let (status, off) = call(&api, M::PATCH, url(&format!("/{id}/toggle")), Some(Value::Null)).await;
    assert_eq!((status, off["isActive"].as_bool(), off["version"].as_i64()), (StatusCode::OK, Some(false), Some(2)));
    let (_, on) = call(&api, M::PATCH, url(&format!("/{id}/toggle")), Some(json!({"isActive": true}))).await;
    assert_eq!(on["isActive"], true);
    let (_, on) = call(&api, M::PATCH, url(&format!("/{id}/toggle")), Some(json!({"isActive": true}))).await;
    assert_eq!(on["isActive"], true, "setting the state it has changes nothing");
    let (status, error) = call(&api, M::PATCH, url(&format!("/{id}/toggle")), Some(json!({"active": 1}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");

    // Gone: 404 everywhere, and off the list.
    let (status, _) = call(&api, M::DELETE, url(&format!("/{id}")), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for (method, path) in
        [(M::GET, format!("/{id}")), (M::DELETE, format!("/{id}")), (M::PATCH, format!("/{id}/toggle"))]
    {
        let (status, error) = call(&api, method, url(&path), None).await;
        assert_eq!((status, error["error"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{path}");
        assert_eq!(error["details"], "That workflow was not found.", "a sentence, as every error's details");
    }
    let (_, all) = call(&api, M::GET, url(""), None).await;
    assert_eq!(all, json!([]));
}

async fn keys_scope_every_call_to_their_sub_account(db: Db) {
    use reqwest::Method as M;
    let s = start(db).await;
    let (admin, sam) = (s.f.admin.id.to_string(), s.f.sam.id.to_string());
    let acme = with_key(&key_for(&s, &s.f.admin, &s.f.acme).await);
    let brightside_key = key_for(&s, &s.f.admin, &s.f.brightside).await;
    let brightside = with_key(&brightside_key);
    let url = |path: &str| format!("{}/api/v1/workflows{path}", s.base);
    let (_, created) = call(&acme, M::POST, url(""), Some(seed_example([&admin, &sam]))).await;
    let id = created["id"].as_str().unwrap();

    // Brightside's key: Acme's workflow does not exist for it.
    let (_, listed) = call(&brightside, M::GET, url(""), None).await;
    assert_eq!(listed, json!([]));
    for (method, path, json) in [
        (M::GET, format!("/{id}"), None),
        (M::PUT, format!("/{id}"), Some(seed_example([&admin, &admin]))),
        (M::PATCH, format!("/{id}/toggle"), None),
        (M::DELETE, format!("/{id}"), None),
    ] {
        let (status, error) = call(&brightside, method.clone(), url(&path), json).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {error}");
    }
    // Sam is not one of Brightside's users: a workflow there cannot name him.
    let (status, error) = call(&brightside, M::POST, url(""), Some(seed_example([&admin, &sam]))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error["details"][0]["path"], "actions[0].config.userIds[1]");
    let (_, unchanged) = call(&acme, M::GET, url(&format!("/{id}")), None).await;
    assert_eq!(unchanged, created);

    // No key, a wrong one, a session cookie instead: 401 asking for a key.
    let admin_browser = s.client(server::demo::ADMIN_EMAIL, server::demo::ADMIN_PASSWORD).await;
    for client in [reqwest::Client::new(), with_key("opsf_not-a-key"), with_key("Basic x"), admin_browser] {
        let response = client.get(url("")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        let (_, error) = body(response).await;
        assert_eq!(error["error"], "api_key_required");
    }

    // Revoked: refused from then on; listed with when.
    let keys = s.f.service.api_keys(&s.f.admin, &s.f.brightside).await.unwrap();
    s.f.service.revoke_api_key(&s.f.admin, &s.f.brightside, &keys[0].id).await.unwrap();
    let (status, _) = call(&brightside, M::GET, url(""), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let keys = s.f.service.api_keys(&s.f.admin, &s.f.brightside).await.unwrap();
    assert!(keys[0].revoked_at.is_some() && keys[0].last_used_at.is_some(), "{keys:?}");
    assert!(brightside_key.starts_with(&keys[0].prefix) && keys[0].prefix.len() < 12, "only a prefix is kept");

    // Keys are admins' to make, list and revoke, in their own sub-accounts.
    let refused = [
        s.f.service.create_api_key(&s.f.sam, &s.f.acme, "mine").await.unwrap_err(),
        s.f.service.api_keys(&s.f.sam, &s.f.acme).await.unwrap_err(),
        s.f.service.revoke_api_key(&s.f.sam, &s.f.acme, &keys[0].id).await.unwrap_err(),
    ];
    for error in refused {
        assert_eq!(error, app::api::AppError::Forbidden("Only admins can see, make and revoke API keys.".to_owned()));
    }
    let other = s.f.service.create_api_key(&s.f.riley, &s.f.acme, "x").await.unwrap_err();
    assert!(matches!(other, app::api::AppError::NotFound(_)), "{other:?}");
    let acme_keys = s.f.service.api_keys(&s.f.admin, &s.f.acme).await.unwrap();
    let wrong_tenant = s.f.service.revoke_api_key(&s.f.admin, &s.f.brightside, &acme_keys[0].id).await.unwrap_err();
    assert!(matches!(wrong_tenant, app::api::AppError::NotFound(_)), "{wrong_tenant:?}");
    let blank = s.f.service.create_api_key(&s.f.admin, &s.f.acme, "  ").await.unwrap_err();
    assert!(matches!(blank, app::api::AppError::BadRequest(_)), "{blank:?}");

    // Twenty live keys at most; a revoked one makes room.
    let live =
        s.f.service.api_keys(&s.f.admin, &s.f.acme).await.unwrap().iter().filter(|k| k.revoked_at.is_none()).count();
    for n in live..20 {
        s.f.service.create_api_key(&s.f.admin, &s.f.acme, &format!("key {n}")).await.unwrap();
    }
    let full = s.f.service.create_api_key(&s.f.admin, &s.f.acme, "one more").await.unwrap_err();
    assert!(matches!(&full, app::api::AppError::Conflict(why) if why.contains("20 live API keys")), "{full:?}");
    let keys = s.f.service.api_keys(&s.f.admin, &s.f.acme).await.unwrap();
    s.f.service.revoke_api_key(&s.f.admin, &s.f.acme, &keys[0].id).await.unwrap();
    s.f.service.create_api_key(&s.f.admin, &s.f.acme, "one more").await.unwrap();
}

async fn keys_are_rate_limited_and_the_events_api_takes_them(db: Db) {
    use reqwest::Method as M;
    let f = fixture(db).await;
    let options = ServiceOptions { api_calls_per_minute: 3, ..ServiceOptions::default() };
    let limited = crate::common::Fixture { service: Arc::new(Service::new(f.store().clone(), options)), ..f };
    let s = serve(limited).await;
    let key = key_for(&s, &s.f.admin, &s.f.acme).await;
    let api = with_key(&key);
    let events = format!("{}/api/v1/events", s.base);
    let lead = |id: &str, sub_account: &SubAccountId| {
        json!({"id": id, "type": "lead_created", "sub_account_id": sub_account, "record_id": "ext-1",
               "record": {"firstName": "Ana", "source": "website"}})
    };
    // The events API: a key for the event's sub-account, sent from no page at all.
    let (status, stored) = call(&api, M::POST, events.clone(), Some(lead("e1", &s.f.acme))).await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    let (status, _) = call(&api, M::POST, events.clone(), Some(lead("e2", &s.f.brightside))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another sub-account's events are not the key's to send");
    let (status, _) = call(&api, M::GET, format!("{}/api/v1/workflows", s.base), None).await;
    assert_eq!(status, StatusCode::OK);
    let response = api.get(format!("{}/api/v1/workflows", s.base)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(body(response).await.1["error"], "too_many_attempts");
    // The allowance is the sub-account's: another of its keys shares it, another's keys do not.
    let other = with_key(&key_for(&s, &s.f.admin, &s.f.acme).await);
    let (status, _) = call(&other, M::GET, format!("{}/api/v1/workflows", s.base), None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let brightside = with_key(&key_for(&s, &s.f.admin, &s.f.brightside).await);
    let (status, _) = call(&brightside, M::GET, format!("{}/api/v1/workflows", s.base), None).await;
    assert_eq!(status, StatusCode::OK);
    // The admin who made it leaves Brightside: the key stops, saying why.
    sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND sub_account_id = $2")
        .bind(&s.f.admin.id)
        .bind(&s.f.brightside)
        .execute(s.f.store().pool())
        .await
        .unwrap();
    let (status, error) = call(&brightside, M::GET, format!("{}/api/v1/workflows", s.base), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
    assert!(error["message"].as_str().unwrap().contains("no longer an admin of its sub-account"), "{error}");
    // A cookie's event from another site is still refused: only a key skips the page check.
    let admin = s.client(server::demo::ADMIN_EMAIL, server::demo::ADMIN_PASSWORD).await;
    let response =
        admin.post(&events).header("origin", "https://evil.example").json(&lead("e3", &s.f.acme)).send().await;
    assert_eq!(response.unwrap().status(), StatusCode::FORBIDDEN);
}

/// A module event starts workflows: it takes a key or an admin (staff send only the form
/// events), and the stored event names who sent it.
async fn module_events_need_a_key_or_an_admin_and_name_their_sender(db: Db) {
    use reqwest::Method as M;
    let s = start(db).await;
    let events = format!("{}/api/v1/events", s.base);
    let lead = |id: &str, record: &str| {
        json!({"id": id, "type": "lead_created", "sub_account_id": s.f.acme, "record_id": record,
               "record": {"firstName": "Ana", "source": "website"}})
    };
    let sam = s.client(server::demo::STAFF_EMAIL, server::demo::STAFF_PASSWORD).await;
    let (status, error) = body(sam.post(&events).json(&lead("e1", "ext-1")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
    assert!(error["message"].as_str().unwrap().starts_with("Only admins and API keys can report CRM changes"));
    let admin = s.client(server::demo::ADMIN_EMAIL, server::demo::ADMIN_PASSWORD).await;
    let (status, stored) = body(admin.post(&events).json(&lead("e2", "ext-2")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    let made = s.f.service.create_api_key(&s.f.admin, &s.f.acme, "Zapier").await.unwrap();
    let (status, stored) = call(&with_key(&made.key), M::POST, events.clone(), Some(lead("e3", "ext-3"))).await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");

    let query = server::db::stream::StreamQuery { module: None, event_type: None, record_id: None, limit: 10 };
    let tenant = server::db::tenancy::Tenant::for_server_work(s.f.acme.clone());
    let stored = s.f.store().record_events(&tenant, &query).await.unwrap();
    let cause_of = |record: &str| stored.iter().find(|e| e.record_id == record).map(|e| e.cause.clone());
    assert_eq!(cause_of("ext-1"), None, "staff's event was not stored");
    assert_eq!(cause_of("ext-2"), Some(app::model::Cause::Person { user_id: s.f.admin.id.clone() }));
    assert_eq!(cause_of("ext-3"), Some(app::model::Cause::Api { key_id: Some(made.view.id.clone()) }));
    // The Activity view says which key.
    let activity = s.f.service.activity(&s.f.admin, &s.f.acme, None, None).await.unwrap();
    assert!(activity.items.iter().any(|item| item.cause == "API key “Zapier”"), "{:?}", activity.items);
}

/// Instances sharing a database share each sub-account's allowance: two do not double it.
async fn the_rate_limit_holds_across_instances(db: Db) {
    use reqwest::Method as M;
    let f = fixture(db).await;
    let key = f.service.create_api_key(&f.admin, &f.acme, "Zapier").await.unwrap().key;
    let options = || ServiceOptions { api_calls_per_minute: 10, ..ServiceOptions::default() };
    // Not across a minute's end: the allowance is per clock minute.
    let into_minute = chrono::Utc::now().timestamp() % 60;
    if into_minute > 50 {
        tokio::time::sleep(std::time::Duration::from_secs(61 - u64::try_from(into_minute).unwrap())).await;
    }
    let mut instances = Vec::new();
    for _ in 0..2 {
        let store = server::db::Store::connect(&f.db.url).await.unwrap();
        let service = Arc::new(Service::new(store.clone(), options()));
        let site = leptos::prelude::LeptosOptions::builder().output_name("opsflow").site_root("target/site").build();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, server::router(service, site)).await });
        instances.push((store, base));
    }
    let api = with_key(&key);
    let mut statuses = Vec::new();
    for round in 0..8 {
        for (store, base) in &instances {
            statuses.push(call(&api, M::GET, format!("{base}/api/v1/workflows"), None).await.0);
            if round % 2 == 1 {
                store.sync_minute_counts().await.unwrap();
            }
        }
    }
    let ok = statuses.iter().filter(|status| **status == StatusCode::OK).count();
    // Each instance syncs after every second call of its own: together they pass the allowance
    // by at most what the other did since its last sync.
    assert!((10..=12).contains(&ok), "{ok} calls let through of 16: {statuses:?}");
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS));
    // Past minutes' counts are purged.
    let later = server::db::now_ms() + 3 * 60_000;
    assert!(instances[0].0.purge(later, 0).await.unwrap().budget_counts >= 1);
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_minutes").fetch_one(f.store().pool()).await.unwrap();
    assert_eq!(left, 0);
}

async fn the_api_is_described_by_an_openapi_document_and_a_page(db: Db) {
    let s = start(db).await;
    let client = browser(&s.base).build().unwrap();
    let (status, document) = body(client.get(format!("{}/api/v1/openapi.json", s.base)).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"), "{}", document["openapi"]);
    let paths: Vec<&String> = document["paths"].as_object().unwrap().keys().collect();
    assert_eq!(
        paths,
        [
            "/api/v1/workflows",
            "/api/v1/workflows/runs/{runId}",
            "/api/v1/workflows/runs/{runId}/retry",
            "/api/v1/workflows/{id}",
            "/api/v1/workflows/{id}/runs",
            "/api/v1/workflows/{id}/toggle"
        ]
    );
    let operations: usize = document["paths"].as_object().unwrap().values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(operations, 9, "seed 001's 8 endpoints and retrying a failed run");
    let schemas = &document["components"]["schemas"];
    for name in [
        "Workflow",
        "Action",
        "TriggerFilters",
        "Condition",
        "Operator",
        "TriggerModule",
        "EventType",
        "ActionType",
        "ErrorBody",
        "Problem",
    ] {
        assert!(schemas.get(name).is_some(), "{name} in {}", schemas);
    }
    assert_eq!(schemas["Operator"]["enum"].as_array().unwrap().len(), 16);
    assert_eq!(schemas["ActionType"]["enum"].as_array().unwrap().len(), 14);
    // The CRM's six modules and forms; seed 001's 27 events, the two form triggers' and form_submitted.
    let names = |schema: &str| {
        schemas[schema]["enum"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect::<Vec<_>>()
    };
    assert_eq!(
        names("TriggerModule"),
        ["leads", "contacts", "accounts", "opportunities", "tasks", "projects", "forms"]
    );
    assert_eq!((names("EventType").len(), names("EventType").last().copied()), (30, Some("form_submitted")));
    assert_eq!(document["components"]["securitySchemes"]["api_key"]["scheme"], "bearer");
    // What a client writes: the workflow events only, each action type's settings, the bounds.
    let trigger_types = names("TriggerType");
    assert_eq!((trigger_types.len(), trigger_types.contains(&"form_submitted")), (28, true));
    assert!(!trigger_types.contains(&"stage_changed"), "form-trigger events start no workflow");
    let input = &schemas["WorkflowInput"];
    assert_eq!(input["properties"]["name"]["maxLength"], 200);
    assert_eq!(input["additionalProperties"], false);
    let config = schemas["ActionInput"]["properties"]["config"]["description"].as_str().unwrap();
    assert!(config.contains("`wait`: `amount`, `unit`") && config.contains("`webhook`: `method`, `url`"), "{config}");
    for (path, method) in [("/api/v1/workflows", "post"), ("/api/v1/workflows/{id}", "put")] {
        let body = &document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"];
        assert_eq!(body["$ref"], "#/components/schemas/WorkflowInput", "{method} {path}");
    }
    // The example the reference shows is a workflow any sub-account accepts.
    let example =
        document["paths"]["/api/v1/workflows"]["post"]["requestBody"]["content"]["application/json"]["example"].clone();
    let api = with_key(&key_for(&s, &s.f.admin, &s.f.acme).await);
    let (status, created) =
        call(&api, reqwest::Method::POST, format!("{}/api/v1/workflows", s.base), Some(example)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    // Every operation answers 401 and 429 as the key decides, with the header each carries.
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = &operation["responses"];
            assert!(responses["401"]["headers"].get("WWW-Authenticate").is_some(), "{method} {path}");
            assert!(responses["429"]["headers"].get("Retry-After").is_some(), "{method} {path}");
        }
    }
    let page = client.get(format!("{}/api/v1/docs", s.base)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for expected in ["<code>/api/v1/workflows/{id}/toggle</code>", "id=\"schema-Workflow\"", "changed_to"] {
        assert!(html.contains(expected), "{expected}");
    }
    assert!(!html.contains("<script"), "the page needs no script");
}

/// A lead another CRM reports through the events API.
fn reported_lead(id: &str, sub_account: &SubAccountId, lead: &str, source: &str) -> Value {
    json!({"id": id, "type": "lead_created", "sub_account_id": sub_account, "record_id": lead,
           "record": {"firstName": "Ana", "source": source}})
}

async fn events_start_runs_of_matching_workflows_read_a_page_at_a_time(db: Db) {
    use reqwest::Method as M;
    let s = start(db).await;
    let key = key_for(&s, &s.f.admin, &s.f.acme).await;
    let api = with_key(&key);
    let url = |path: &str| format!("{}/api/v1/workflows{path}", s.base);
    let events = format!("{}/api/v1/events", s.base);
    let waiting = |name: &str, source: &str, active: bool| {
        json!({"name": name, "triggerModule": "leads", "triggerType": "lead_created", "isActive": active,
               "triggerFilters": {"conditions": [{"field": "source", "operator": "equals", "value": source}]},
               "actions": [{"actionType": "wait", "config": {"amount": 1, "unit": "hours"}, "sortOrder": 1}]})
    };
    let (_, web) = call(&api, M::POST, url(""), Some(waiting("Web leads", "website", true))).await;
    let (_, fair) = call(&api, M::POST, url(""), Some(waiting("Fair leads", "fair", true))).await;
    let (_, off) = call(&api, M::POST, url(""), Some(waiting("Web, off", "website", false))).await;
    let runs_of = |workflow: &Value, query: &str| url(&format!("/{}/runs{query}", workflow["id"].as_str().unwrap()));

    for (n, id) in ["e1", "e2", "e3", "e1"].iter().enumerate() {
        let (status, _) =
            call(&api, M::POST, events.clone(), Some(reported_lead(id, &s.f.acme, &format!("lead-{n}"), "Website")))
                .await;
        assert!(status.is_success(), "{status}");
    }
    // Three events (one sent twice) passed Web leads' filter; none Fair's; Web, off is off.
    let (status, page) = call(&api, M::GET, runs_of(&web, ""), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!((page["total"].as_i64(), page["page"].as_i64(), page["limit"].as_i64()), (Some(3), Some(1), Some(20)));
    for (workflow, runs) in [(&fair, 0), (&off, 0)] {
        let (_, page) = call(&api, M::GET, runs_of(workflow, ""), None).await;
        assert_eq!(page["total"], runs, "{}", workflow["name"]);
    }
    let (_, first) = call(&api, M::GET, runs_of(&web, "?page=1&limit=2"), None).await;
    let (_, second) = call(&api, M::GET, runs_of(&web, "?page=2&limit=2"), None).await;
    let (_, beyond) = call(&api, M::GET, runs_of(&web, "?page=9&limit=2"), None).await;
    assert_eq!((first["data"].as_array().unwrap().len(), second["data"].as_array().unwrap().len()), (2, 1));
    assert_eq!((beyond["data"].clone(), beyond["total"].as_i64()), (json!([]), Some(3)));
    // Later pages are read from the oldest end: one run a page gives the whole list's order.
    let ids = |page: &Value| page["data"].as_array().unwrap().iter().map(|run| run["id"].clone()).collect::<Vec<_>>();
    let (_, all) = call(&api, M::GET, runs_of(&web, "?limit=100"), None).await;
    let mut one_by_one = Vec::new();
    for n in 1..=3 {
        let (_, page) = call(&api, M::GET, runs_of(&web, &format!("?page={n}&limit=1")), None).await;
        one_by_one.extend(ids(&page));
    }
    assert_eq!(one_by_one, ids(&all));
    assert_eq!([ids(&first), ids(&second)].concat(), ids(&all));
    let newest = &first["data"][0];
    assert_eq!((newest["recordId"].as_str(), newest["workflowVersion"].as_i64()), (Some("lead-2"), Some(1)));
    assert_eq!((newest["status"].as_str(), newest["triggerType"].as_str()), (Some("running"), Some("lead_created")));
    assert!(newest.get("steps").is_none() && newest.get("trigger").is_none(), "the list is a summary");
    for query in ["?limit=0", "?limit=101", "?page=0", "?page=two"] {
        let (status, error) = call(&api, M::GET, runs_of(&web, query), None).await;
        assert_eq!((status, error["error"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")), "{query}");
    }

    // The detail: the trigger as the event carried it, the first step due.
    let run_id = newest["id"].as_str().unwrap();
    let (status, run) = call(&api, M::GET, url(&format!("/runs/{run_id}")), None).await;
    assert_eq!(status, StatusCode::OK, "{run}");
    assert_eq!(run["trigger"]["record"]["source"], "Website");
    assert_eq!(run["trigger"]["previous"], json!({}));
    assert_eq!(run["steps"].as_array().unwrap().len(), 1);
    assert_eq!(
        (run["steps"][0]["actionType"].as_str(), run["steps"][0]["status"].as_str()),
        (Some("wait"), Some("pending"))
    );
    assert_eq!(run["steps"][0]["actionId"], web["actions"][0]["id"]);
    let (status, _) = call(&api, M::GET, url("/runs/runs"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "`runs/runs` is a run that does not exist, not a workflow");
    let brightside = with_key(&key_for(&s, &s.f.admin, &s.f.brightside).await);
    let (status, _) = call(&brightside, M::GET, url(&format!("/runs/{run_id}")), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another sub-account's run");
    let (status, _) = call(&brightside, M::GET, runs_of(&web, ""), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another sub-account's workflow");

    // A run keeps the version it started with; new events run the new one.
    let mut changed = web.clone();
    changed["description"] = json!("v2");
    call(&api, M::PUT, url(&format!("/{}", web["id"].as_str().unwrap())), Some(changed)).await;
    call(&api, M::POST, events.clone(), Some(reported_lead("e4", &s.f.acme, "lead-4", "website"))).await;
    let (_, page) = call(&api, M::GET, runs_of(&web, "?limit=100"), None).await;
    let versions: Vec<i64> =
        page["data"].as_array().unwrap().iter().map(|r| r["workflowVersion"].as_i64().unwrap()).collect();
    assert_eq!(versions, [2, 1, 1, 1]);
    let store = s.f.service.store();
    if store.backend() == server::db::Backend::Postgres {
        // Each connection counts its runs in a row of its own (its pid); the purge folds the
        // rows of connections that ended into shard 0, leaves the live ones', and the total stays.
        let web_id = web["id"].as_str().unwrap();
        let shards = || async {
            sqlx::query_scalar::<_, i64>("SELECT shard FROM workflow_run_counts WHERE workflow_id = $1 ORDER BY shard")
                .bind(web_id)
                .fetch_all(store.pool())
                .await
                .unwrap()
        };
        let live = shards().await;
        assert!(!live.is_empty() && !live.contains(&0), "{live:?}");
        // No pid reaches 10^9 on Linux: this row is now a connection that ended.
        sqlx::query("UPDATE workflow_run_counts SET shard = 1000000000 WHERE workflow_id = $1 AND shard = $2")
            .bind(web_id)
            .bind(live[0])
            .execute(store.pool())
            .await
            .unwrap();
        let purged = store.purge(server::db::now_ms(), 0).await.unwrap();
        assert_eq!(purged.run_counts, 1);
        assert_eq!(shards().await, [&[0][..], &live[1..]].concat());
        let (_, page) = call(&api, M::GET, runs_of(&web, "?limit=1"), None).await;
        assert_eq!(page["total"], 4);
    }
    // A deleted workflow starts nothing, and its runs stay readable.
    call(&api, M::DELETE, url(&format!("/{}", web["id"].as_str().unwrap())), None).await;
    call(&api, M::POST, events.clone(), Some(reported_lead("e5", &s.f.acme, "lead-5", "website"))).await;
    let (status, _) = call(&api, M::GET, url(&format!("/runs/{run_id}")), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, page) = call(&api, M::GET, runs_of(&web, ""), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!((page["total"].as_i64(), page["workflowDeleted"].as_bool()), (Some(4), Some(true)), "{page}");
    assert_eq!(page["data"].as_array().unwrap().len(), 4);
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM workflow_runs").fetch_one(s.f.store().pool()).await.unwrap();
    assert_eq!(total, 4);
}

async fn change_operators_and_the_loop_limit_decide_which_events_start_runs(db: Db) {
    use app::model::{Cause, EventType, Module, RecordEvent, RunTrace};
    use reqwest::Method as M;
    let s = start(db).await;
    let api = with_key(&key_for(&s, &s.f.admin, &s.f.acme).await);
    let url = |path: &str| format!("{}/api/v1/workflows{path}", s.base);
    let (status, workflow) = call(&api, M::POST, url(""), Some(json!({
        "name": "Qualified", "triggerModule": "leads", "triggerType": "lead_updated", "isActive": true,
        "triggerFilters": {"logic": "AND", "conditions": [{"field": "stage", "operator": "changed_to", "value": "qualified"}]},
        "actions": [{"actionType": "wait", "config": {"amount": 5, "unit": "minutes"}, "sortOrder": 1}]
    }))).await;
    assert_eq!(status, StatusCode::CREATED, "{workflow}");
    let tenant = s.f.tenant(&s.f.acme);
    let store = s.f.store();
    let mut seq = 0;
    let mut fire = |record: Value, previous: Value, cause: Cause| {
        seq += 1;
        let event = RecordEvent {
            id: format!("ev{seq}").into(),
            sub_account_id: s.f.acme.clone(),
            module: Module::Leads,
            event_type: EventType::LeadUpdated,
            record_id: "lead-1".to_owned(),
            occurred_at: 1,
            record: record.as_object().unwrap().clone(),
            previous: previous.as_object().unwrap().clone(),
            cause,
        };
        let tenant = tenant.clone();
        async move {
            let mut tx = store.begin().await.unwrap();
            store.insert_record_event(&mut tx, &tenant, &event, "test", &event.id).await.unwrap();
            tx.commit().await.unwrap();
        }
    };
    let qualified = json!({"id": "lead-1", "firstName": "Ana", "stage": "qualified", "score": 10});
    fire(qualified.clone(), json!({"stage": "contacted"}), Cause::Api { key_id: None }).await; // run 1
    fire(qualified.clone(), json!({"score": 5}), Cause::Api { key_id: None }).await; // stage did not change
    fire(json!({"id": "lead-1", "stage": "new"}), json!({"stage": "qualified"}), Cause::Api { key_id: None }).await; // changed from
    let loop_cause = |depth| Cause::Workflow(RunTrace { run_id: "r".to_owned(), depth, chain: "e".to_owned() });
    fire(qualified.clone(), json!({"stage": "new"}), loop_cause(4)).await; // run 2, depth 5
    fire(qualified.clone(), json!({"stage": "new"}), loop_cause(5)).await; // a sixth run: stopped
    let (_, page) = call(&api, M::GET, url(&format!("/{}/runs", workflow["id"].as_str().unwrap())), None).await;
    assert_eq!(page["total"], 2, "{page}");
    let depths: Vec<i64> =
        sqlx::query_scalar("SELECT depth FROM workflow_runs ORDER BY depth").fetch_all(store.pool()).await.unwrap();
    assert_eq!(depths, [1, 5]);
}

/// Text holding NUL is refused with its path on both databases (PostgreSQL cannot store it);
/// an id holding it is one no workflow has; bounds are counted as the document says.
async fn nul_characters_and_bounds_are_refused_as_documented(db: Db) {
    use reqwest::Method as M;
    let s = start(db).await;
    let (admin, sam) = (s.f.admin.id.to_string(), s.f.sam.id.to_string());
    let api = with_key(&key_for(&s, &s.f.admin, &s.f.acme).await);
    let url = |path: &str| format!("{}/api/v1/workflows{path}", s.base);

    let mut nul = seed_example([&admin, &sam]);
    nul["name"] = json!("Leads\u{0}");
    nul["actions"][0]["config"]["algorithm"] = json!("round\u{0}robin");
    let (status, error) = call(&api, M::POST, url(""), Some(nul)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let mut paths: Vec<&str> =
        error["details"].as_array().unwrap().iter().map(|p| p["path"].as_str().unwrap()).collect();
    paths.sort();
    assert_eq!(paths, ["actions[0].config.algorithm", "name"], "only the NUL, nothing else");
    assert_eq!(error["details"][0]["message"], "Text cannot hold the NUL character (\\u0000).");
    for path in ["/%00", "/a%00b/runs", "/runs/%00", "/%00/toggle"] {
        let method = if path.ends_with("toggle") { M::PATCH } else { M::GET };
        let (status, error) = call(&api, method, url(path), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {error}");
    }
    let event = json!({"id": "e\u{0}", "type": "lead_created", "sub_account_id": s.f.acme, "record_id": "x",
                       "record": {"firstName": "Ana"}});
    let (status, error) = call(&api, M::POST, format!("{}/api/v1/events", s.base), Some(event)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert!(error["message"].as_str().unwrap().starts_with("`id`: Text cannot hold"), "{error}");

    // Where no check looked for it (a key's name from Settings), PostgreSQL's refusal is a 400
    // that says why, not a 500; SQLite keeps such text.
    let made = s.f.service.create_api_key(&s.f.admin, &s.f.acme, "CI\u{0}").await;
    match db {
        Db::Postgres => assert_eq!(
            made.unwrap_err(),
            app::api::AppError::BadRequest("Text cannot hold the NUL character (\\u0000).".to_owned())
        ),
        Db::Sqlite => assert!(made.is_ok(), "{made:?}"),
    }

    // The name's 200 characters are counted as sent; a version, when sent, is 1 or more.
    let mut long = seed_example([&admin, &sam]);
    long["name"] = json!(format!(" {}", "n".repeat(200)));
    long["version"] = json!(0);
    let (status, error) = call(&api, M::POST, url(""), Some(long)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let paths: Vec<&str> = error["details"].as_array().unwrap().iter().map(|p| p["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["name", "version"]);
    let mut padded = seed_example([&admin, &sam]);
    padded["name"] = json!("  Leads  ");
    let (status, created) = call(&api, M::POST, url(""), Some(padded)).await;
    assert_eq!((status, created["name"].as_str()), (StatusCode::CREATED, Some("Leads")));
    let (_, listed) = call(&api, M::GET, url(""), None).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "nothing of the refused bodies was saved");
}

/// `opsflow api-key create`'s part: a key made as an admin, by sub-account name or id, that
/// calls the API; the same refusals as Settings.
async fn an_api_key_is_made_from_the_command_line(db: Db) {
    use app::api::AppError;
    let s = start(db).await;
    let email = &s.f.admin.email;
    let by_name = s.f.service.create_api_key_as(email, "acme plumbing", "script").await.unwrap();
    let by_id = s.f.service.create_api_key_as(&email.to_uppercase(), s.f.acme.as_str(), "script 2").await.unwrap();
    for made in [&by_name, &by_id] {
        let (status, _) =
            call(&with_key(&made.key), reqwest::Method::GET, format!("{}/api/v1/workflows", s.base), None).await;
        assert_eq!(status, StatusCode::OK);
    }
    let keys = s.f.service.api_keys(&s.f.admin, &s.f.acme).await.unwrap();
    assert_eq!(keys.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(), ["script 2", "script"]);
    let unknown = s.f.service.create_api_key_as("nobody@example.com", "Acme Plumbing", "x").await.unwrap_err();
    assert_eq!(unknown, AppError::not_found("A user with the email “nobody@example.com”"));
    let staff = s.f.service.create_api_key_as(&s.f.sam.email, "Acme Plumbing", "x").await.unwrap_err();
    assert!(matches!(staff, AppError::Forbidden(_)), "{staff:?}");
    let elsewhere = s.f.service.create_api_key_as(email, "Nowhere Inc", "x").await.unwrap_err();
    let AppError::BadRequest(message) = elsewhere else { panic!("{elsewhere:?}") };
    assert!(message.contains("Acme Plumbing"), "names the sub-accounts there are: {message}");

    // Two sub-accounts of one name: the name is not enough, the id is.
    let store = s.f.store();
    let mut tx = store.begin().await.unwrap();
    let agency: String = sqlx::query_scalar("SELECT agency_id FROM users WHERE id = $1")
        .bind(s.f.admin.id.as_str())
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let twin = store.create_sub_account(&mut tx, &agency, "Acme Plumbing", "UTC").await.unwrap();
    store.add_membership(&mut tx, &s.f.admin.id, &twin).await.unwrap();
    tx.commit().await.unwrap();
    let ambiguous = s.f.service.create_api_key_as(email, "Acme Plumbing", "x").await.unwrap_err();
    let AppError::BadRequest(message) = ambiguous else { panic!("{ambiguous:?}") };
    assert!(message.contains(twin.as_str()) && message.contains(s.f.acme.as_str()), "{message}");
    s.f.service.create_api_key_as(email, twin.as_str(), "twin").await.unwrap();
    assert_eq!(s.f.service.api_keys(&s.f.admin, &twin).await.unwrap()[0].name, "twin");
}

/// A webhook's credentials — a secret-looking header, a key in its URL's query —
/// never come back from the API; a PUT of what was shown keeps them; a hidden value with nothing
/// behind it is refused.
async fn credentials_in_webhooks_are_never_shown_and_kept_when_sent_back(db: Db) {
    use reqwest::Method as M;
    let s = start(db).await;
    let api = with_key(&key_for(&s, &s.f.admin, &s.f.acme).await);
    let url = |path: &str| format!("{}/api/v1/workflows{path}", s.base);
    let secret_url = "https://hooks.example.com/in?api_key=k3y&lead={{trigger.id}}";
    let hook = json!({
        "name": "Hook", "triggerModule": "contacts", "triggerType": "contact_created", "isActive": true,
        "actions": [{"actionType": "webhook", "sortOrder": 1, "config": {
            "url": secret_url, "headers": {"Authorization": "Bearer s3cret", "X-Trace": "on"}}}]
    });
    let (status, created) = call(&api, M::POST, url(""), Some(hook)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let (_, read) = call(&api, M::GET, url(&format!("/{id}")), None).await;
    let (_, listed) = call(&api, M::GET, url(""), None).await;
    for shown in [&created, &read, &listed] {
        for secret in ["k3y", "s3cret"] {
            assert!(!shown.to_string().contains(secret), "{secret} in {shown}");
        }
    }
    let config = &read["actions"][0]["config"];
    assert_eq!(config["url"], "https://hooks.example.com/in?api_key=[redacted]&lead={{trigger.id}}");
    assert_eq!(config["headers"], json!({"Authorization": "[redacted]", "X-Trace": "on"}));

    // Sent back as read, renamed: the stored credentials stay.
    let mut renamed = read.clone();
    renamed["name"] = json!("Hook, renamed");
    let (status, updated) = call(&api, M::PUT, url(&format!("/{id}")), Some(renamed.clone())).await;
    assert_eq!((status, updated["version"].as_i64()), (StatusCode::OK, Some(2)), "{updated}");
    let stored = s.f.store().workflow(&s.f.tenant(&s.f.acme), &id.clone().into()).await.unwrap().unwrap();
    assert_eq!(stored.actions[0].config["url"], secret_url);
    assert_eq!(stored.actions[0].config["headers"]["Authorization"], "Bearer s3cret");

    // A hidden value that stands for nothing stored is refused, not saved as it reads.
    let mut unknown = updated.clone();
    unknown["actions"][0]["config"]["headers"]["X-Shop-Key"] = json!("[redacted]");
    let (status, refused) = call(&api, M::PUT, url(&format!("/{id}")), Some(unknown)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused.to_string().contains("stands for a saved value this action does not have"), "{refused}");
}

on_both_backends!(
    workflows_are_created_read_changed_toggled_and_deleted,
    keys_scope_every_call_to_their_sub_account,
    keys_are_rate_limited_and_the_events_api_takes_them,
    the_rate_limit_holds_across_instances,
    module_events_need_a_key_or_an_admin_and_name_their_sender,
    the_api_is_described_by_an_openapi_document_and_a_page,
    events_start_runs_of_matching_workflows_read_a_page_at_a_time,
    change_operators_and_the_loop_limit_decide_which_events_start_runs,
    nul_characters_and_bounds_are_refused_as_documented,
    an_api_key_is_made_from_the_command_line,
    credentials_in_webhooks_are_never_shown_and_kept_when_sent_back,
);
