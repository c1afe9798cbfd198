//! The HTTP surface on a real socket: every server function and route across two tenants,
//! sign-in, malformed and oversized requests, the events API, health checks and server rendering.
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first surprise")]

use app::api::types::InboxQuery;

use crate::common::{Db, Fixture, fixture};
use app::api::ports::{InboxPort, SettingsPort, SubAccountsPort, TemplatesPort, TriggersPort};
use app::model::{ContactId, FormId, OpportunityId, TemplateId, TriggerConfig, TriggerEvent, TriggerId, Writebacks};
use leptos::prelude::LeptosOptions;
use reqwest::StatusCode;
use serde_json::{Value, json};

pub(crate) struct Server {
    pub(crate) base: String,
    pub(crate) f: Fixture,
}

pub(crate) async fn start(db: Db) -> Server {
    serve(fixture(db).await).await
}

/// Serves the fixture as `opsflow serve` does (with each connection's address).
pub(crate) async fn serve(f: Fixture) -> Server {
    let options = LeptosOptions::builder().output_name("opsflow").site_root("target/site").build();
    let app = server::router(f.service.clone(), options);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Server { base, f }
}

impl Server {
    pub(crate) async fn client(&self, email: &str, password: &str) -> reqwest::Client {
        signed_in(&self.base, email, password).await
    }

    fn anonymous(&self) -> reqwest::Client {
        browser(&self.base).build().unwrap()
    }
}

/// A client whose requests come from OpsFlow's own pages at `base` (as a browser says with
/// `Origin`).
pub(crate) fn browser(base: &str) -> reqwest::ClientBuilder {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("origin", base.parse().unwrap());
    reqwest::Client::builder().default_headers(headers).redirect(reqwest::redirect::Policy::none())
}

/// Such a client with its own cookie jar, signed in as `email`.
async fn signed_in(base: &str, email: &str, password: &str) -> reqwest::Client {
    let client = browser(base).cookie_store(true).build().unwrap();
    let response = client
        .post(format!("{base}/api/auth/sign_in"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success() || response.status().is_redirection(), "{}", response.status());
    client
}

pub(crate) async fn body(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn post_form(client: &reqwest::Client, url: String, fields: &[(&str, &str)]) -> (StatusCode, Value) {
    body(client.post(url).form(fields).send().await.unwrap()).await
}

async fn post_json(client: &reqwest::Client, url: String, json: Value) -> (StatusCode, Value) {
    body(client.post(url).json(&json).send().await.unwrap()).await
}

/// The fields of a form-encoded server function call.
type FormFields<'a> = Vec<(&'a str, &'a str)>;

/// Acme with a trigger, one pending form, and the ids an attacker would try.
struct AcmeIds {
    form: FormId,
    template: TemplateId,
    trigger: TriggerId,
    contact: ContactId,
    opportunity: OpportunityId,
    stage: String,
}

async fn acme_with_a_form(s: &Server) -> AcmeIds {
    let f = &s.f;
    f.service.open_sub_account(&f.admin, &f.acme).await.unwrap();
    let template = f
        .service
        .templates(&f.admin, &f.acme)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "Job Complete")
        .unwrap()
        .id;
    let jobs = f.pipeline(&f.acme, "Service Jobs").await;
    let stage_id = f.stage_id(&f.acme, "Service Jobs", "Job Complete").await;
    let config = TriggerConfig {
        event: TriggerEvent::StageChanged { pipeline_id: jobs.id.clone(), stage_id: stage_id.clone() },
        template_id: template.clone(),
        writebacks: Writebacks { note: true, ..Writebacks::default() },
    };
    let trigger = f.service.add_trigger(&f.admin, &f.acme, config).await.unwrap().id;
    let board = {
        use app::api::ports::CrmViewPort;
        f.service.crm_board(&f.admin, &f.acme).await.unwrap()
    };
    let card = board
        .pipelines
        .iter()
        .find(|p| p.name == "Service Jobs")
        .unwrap()
        .columns
        .iter()
        .flat_map(|c| &c.opportunities)
        .next()
        .unwrap()
        .clone();
    {
        use app::api::ports::CrmViewPort;
        f.service.move_opportunity(&f.admin, &f.acme, &card.id, &stage_id).await.unwrap();
    }
    let form = f.service.pending_forms(&f.admin, &f.acme, &InboxQuery::default()).await.unwrap().rows[0].id.clone();
    AcmeIds { form, template, trigger, contact: card.contact_id, opportunity: card.id, stage: stage_id }
}

async fn every_endpoint_refuses_another_tenant(db: Db) {
    let s = start(db).await;
    let ids = acme_with_a_form(&s).await;
    let riley = s.client(server::demo::OTHER_STAFF_EMAIL, server::demo::STAFF_PASSWORD).await;
    let acme = s.f.acme.clone();
    let brightside = s.f.brightside.clone();
    let url = |path: &str| format!("{}/api/{path}", s.base);
    let answers = json!({ "completed": "Yes" });
    // (what, request) for every server function that touches a sub-account, aimed at Acme —
    // directly, and with Acme's ids under Riley's own sub-account.
    for sub_account in [acme.as_str(), brightside.as_str()] {
        let form_calls: Vec<(&str, String, FormFields)> = vec![
            ("open", url("sub_accounts/open"), vec![("sub_account", sub_account)]),
            ("templates", url("templates/list"), vec![("sub_account", sub_account)]),
            (
                "delete template",
                url("templates/delete"),
                vec![("sub_account", sub_account), ("template_id", &ids.template)],
            ),
            ("template", url("templates/get"), vec![("sub_account", sub_account), ("template_id", &ids.template)]),
            ("export", url("templates/export"), vec![("sub_account", sub_account), ("template_id", &ids.template)]),
            (
                "template mappings",
                url("templates/mappings"),
                vec![("sub_account", sub_account), ("template_id", &ids.template)],
            ),
            (
                "duplicate template",
                url("templates/duplicate"),
                vec![("sub_account", sub_account), ("template_id", &ids.template)],
            ),
            ("settings", url("settings/load"), vec![("sub_account", sub_account)]),
            (
                "number format",
                url("settings/number-format"),
                vec![("sub_account", sub_account), ("locale", "de-DE"), ("currency", "EUR")],
            ),
            (
                "remove trigger",
                url("triggers/remove"),
                vec![("sub_account", sub_account), ("trigger_id", &ids.trigger)],
            ),
            ("pending", url("forms/pending"), vec![("sub_account", sub_account)]),
            ("completed", url("forms/completed"), vec![("sub_account", sub_account)]),
            ("form", url("forms/get"), vec![("sub_account", sub_account), ("form_id", &ids.form)]),
            ("board", url("crm/board"), vec![("sub_account", sub_account)]),
            ("contact", url("crm/contact"), vec![("sub_account", sub_account), ("contact_id", &ids.contact)]),
            (
                "move",
                url("crm/move_opportunity"),
                vec![("sub_account", sub_account), ("opportunity_id", &ids.opportunity), ("stage_id", &ids.stage)],
            ),
            (
                "log call",
                url("crm/log_call"),
                vec![("sub_account", sub_account), ("contact_id", &ids.contact), ("summary", "x"), ("transcript", "")],
            ),
        ];
        for (what, endpoint, fields) in form_calls {
            let (status, error) = post_form(&riley, endpoint, &fields).await;
            let own = brightside == sub_account;
            // Riley may read her own sub-account's lists; everything naming Acme's records must fail.
            let reads_own_list =
                own && matches!(what, "open" | "templates" | "settings" | "pending" | "completed" | "board");
            if reads_own_list {
                assert!(status.is_success(), "{what} on own sub-account: {status} {error}");
                assert!(!error.to_string().contains(ids.form.as_str()), "{what} leaks an Acme form");
            } else {
                // On her own sub-account, admin-only changes stop at her role before any lookup.
                let admin_only =
                    matches!(what, "delete template" | "duplicate template" | "template mappings" | "remove trigger")
                        || what == "number format";
                let (expected, code) = if own && admin_only {
                    ("forbidden", StatusCode::FORBIDDEN)
                } else {
                    ("not_found", StatusCode::NOT_FOUND)
                };
                assert_eq!(status, code, "{what} via {sub_account}: {error}");
                assert_eq!(error["error"], expected, "{what} via {sub_account}: {error}");
            }
        }
        let (status, error) = post_json(
            &riley,
            url("forms/submit"),
            json!({ "sub_account": sub_account, "form_id": ids.form, "answers": answers }),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(error["error"], "not_found", "submit via {sub_account}: {error}");
        // The builder's JSON calls: admin-only, so on her own sub-account her role stops them.
        let own = brightside == sub_account;
        let (code, expected) =
            if own { (StatusCode::FORBIDDEN, "forbidden") } else { (StatusCode::NOT_FOUND, "not_found") };
        let template = serde_json::to_value(&app::model::starter::starter_templates()[0]).unwrap();
        let file = app::model::transfer::export_template(&app::model::starter::starter_templates()[0]);
        let builder_calls = [
            (
                "save",
                json!({ "sub_account": sub_account, "template_id": ids.template, "base_version": 1, "template": template }),
            ),
            ("create", json!({ "sub_account": sub_account, "template": template })),
            ("import", json!({ "sub_account": sub_account, "file": file })),
        ];
        for (what, body) in builder_calls {
            let (status, error) = post_json(&riley, url(&format!("templates/{what}")), body).await;
            assert_eq!((status, error["error"].as_str()), (code, Some(expected)), "{what} via {sub_account}: {error}");
        }
        let trigger = json!({ "sub_account": acme, "config": {
            "event": { "type": "call_completed" }, "template_id": ids.template, "writebacks": { "note": true } } });
        let (status, error) = post_json(&riley, url("triggers/add"), trigger).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(error["error"], "not_found", "add trigger: {error}");
    }
    // The events API and the inbox stream.
    let (status, error) = post_json(
        &riley,
        format!("{}/api/v1/events", s.base),
        json!({ "type": "stage_changed", "id": "x1", "sub_account_id": acme, "opportunity_id": ids.opportunity, "stage_id": ids.stage }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{error}");
    let stream = riley.get(format!("{}/s/{acme}/inbox/stream", s.base)).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::NOT_FOUND);
    // Riley's lists never show Acme's data, and Acme's form is untouched.
    let (_, accounts) = post_form(&riley, url("sub_accounts/list"), &[]).await;
    assert_eq!(accounts.as_array().unwrap().len(), 1);
    let pending = s.f.service.pending_forms(&s.f.admin, &acme, &InboxQuery::default()).await.unwrap().rows;
    assert_eq!(pending.len(), 1);
    assert_eq!(s.f.service.settings(&s.f.admin, &acme).await.unwrap().triggers.len(), 1);
}

async fn signed_out_requests_are_refused(db: Db) {
    let s = start(db).await;
    let anonymous = s.anonymous();
    for endpoint in ["sub_accounts/list", "forms/pending", "crm/board", "templates/list", "settings/load"] {
        let (status, error) =
            post_form(&anonymous, format!("{}/api/{endpoint}", s.base), &[("sub_account", &s.f.acme)]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{endpoint}");
        assert_eq!(error["error"], "not_signed_in", "{endpoint}: {error}");
    }
    let (status, error) = post_json(&anonymous, format!("{}/api/v1/events", s.base), json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error["message"], "Please sign in to continue.");
    let (_, me) = post_form(&anonymous, format!("{}/api/auth/me", s.base), &[]).await;
    assert_eq!(me, Value::Null);

    // A wrong password is refused with a clear message; signing out ends the session.
    let (status, error) = post_form(
        &anonymous,
        format!("{}/api/auth/sign_in", s.base),
        &[("email", server::demo::ADMIN_EMAIL), ("password", "wrong")],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error["error"], "bad_credentials");
    let admin = s.client(server::demo::ADMIN_EMAIL, server::demo::ADMIN_PASSWORD).await;
    let (_, me) = post_form(&admin, format!("{}/api/auth/me", s.base), &[]).await;
    assert_eq!(me["email"], server::demo::ADMIN_EMAIL);
    post_form(&admin, format!("{}/api/auth/sign_out", s.base), &[]).await;
    let (_, me) = post_form(&admin, format!("{}/api/auth/me", s.base), &[]).await;
    assert_eq!(me, Value::Null);
}

async fn bad_input_gets_a_typed_error(db: Db) {
    let s = start(db).await;
    let ids = acme_with_a_form(&s).await;
    let sam = s.client(server::demo::STAFF_EMAIL, server::demo::STAFF_PASSWORD).await;
    let acme = s.f.acme.clone();
    // Oversized bodies are refused before they are read. The server then drops the connection
    // with the unread body on it, so this request must not leave it in the client's pool: the
    // next request could pick it up just as it closes (seen once as `IncompleteMessage`).
    let huge = "x".repeat(server::MAX_BODY_BYTES + 1);
    let response = sam
        .post(format!("{}/api/forms/submit", s.base))
        .header("content-type", "application/json")
        .header("connection", "close")
        .body(format!(r#"{{"sub_account":"{acme}","form_id":"{}","answers":{{"notes":"{huge}"}}}}"#, ids.form))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Malformed JSON and missing arguments.
    let response = sam
        .post(format!("{}/api/forms/submit", s.base))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let (status, error) = body(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["error"], "bad_request", "{error}");
    let (_, error) = post_form(&sam, format!("{}/api/forms/get", s.base), &[("sub_account", &acme)]).await;
    assert_eq!(error["error"], "bad_request", "{error}");
    // Invalid answers name each field and what is wrong; the form stays pending.
    let (status, error) = post_json(
        &sam,
        format!("{}/api/forms/submit", s.base),
        json!({ "sub_account": acme, "form_id": ids.form, "answers": { "completed": "Maybe", "hours": "lots" } }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error["error"], "invalid_answers");
    assert_eq!(error["details"]["completed"], json!({ "error": "not_an_option", "value": "Maybe" }));
    assert_eq!(error["details"]["hours"], json!({ "error": "not_a_number" }));
    // A decimal comma is refused with the same check the browser runs, never stored as 15.
    let (status, error) = post_json(
        &sam,
        format!("{}/api/forms/submit", s.base),
        json!({ "sub_account": acme, "form_id": ids.form, "answers": { "completed": "Yes", "hours": "1,5" } }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error["details"]["hours"], json!({ "error": "not_a_number" }));
    assert_eq!(s.f.service.pending_forms(&s.f.admin, &acme, &InboxQuery::default()).await.unwrap().rows.len(), 1);
    // A valid submit, then a second one: refused, nothing runs twice.
    let submit = json!({ "sub_account": acme, "form_id": ids.form, "answers": { "completed": "Yes" } });
    let (status, results) = post_json(&sam, format!("{}/api/forms/submit", s.base), submit.clone()).await;
    assert!(status.is_success(), "{results}");
    assert_eq!(results[0]["kind"], "note");
    assert_eq!(results[0]["state"], "succeeded");
    let (status, error) = post_json(&sam, format!("{}/api/forms/submit", s.base), submit).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error["error"], "conflict");
    // Staff cannot change triggers.
    let (_, error) = post_form(
        &sam,
        format!("{}/api/triggers/remove", s.base),
        &[("sub_account", &acme), ("trigger_id", &ids.trigger)],
    )
    .await;
    assert_eq!(error["error"], "forbidden");
}

async fn the_events_api_stores_each_event_once(db: Db) {
    let s = start(db).await;
    let ids = acme_with_a_form(&s).await;
    let admin = s.client(server::demo::ADMIN_EMAIL, server::demo::ADMIN_PASSWORD).await;
    let url = format!("{}/api/v1/events", s.base);
    let event = json!({ "type": "stage_changed", "id": "crm-42", "sub_account_id": s.f.acme,
                        "opportunity_id": ids.opportunity, "stage_id": ids.stage });
    let (status, first) = post_json(&admin, url.clone(), event.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["outcome"], "accepted");
    assert_eq!(first["forms"].as_array().unwrap().len(), 1);
    let (status, again) = post_json(&admin, url.clone(), event).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, json!({ "outcome": "duplicate" }));
    assert_eq!(s.f.service.pending_forms(&s.f.admin, &s.f.acme, &InboxQuery::default()).await.unwrap().rows.len(), 2);

    let (status, error) =
        post_json(&admin, url.clone(), json!({ "type": "deal_won", "id": "1", "sub_account_id": s.f.acme })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["message"].as_str().unwrap().contains("“deal_won” is not an event type"), "{error}");
    let (status, error) = post_json(
        &admin,
        url.clone(),
        json!({ "type": "stage_changed", "id": "crm-43", "sub_account_id": s.f.acme,
        "opportunity_id": ids.opportunity, "stage_id": "no-such-stage" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let (status, _) = post_json(
        &admin,
        url,
        json!({ "type": "call_completed", "id": "", "sub_account_id": s.f.acme,
        "contact_id": ids.contact, "summary": "x" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// Another CRM reports each of seed 001's 27 events: each is checked against its module, stored
/// once in the stream (a repeat is a duplicate), and shows in the Activity as the API's.
async fn the_events_api_takes_every_module_event(db: Db) {
    use app::api::ports::RecordsPort;
    let s = start(db).await;
    let admin = s.client(server::demo::ADMIN_EMAIL, server::demo::ADMIN_PASSWORD).await;
    let url = format!("{}/api/v1/events", s.base);
    // Each change event with the field it changes: before → after.
    let changes: [(&str, &str, Value, Value); 19] = [
        ("lead_updated", "phone", json!(""), json!("555-0100")),
        ("lead_stage_changed", "stage", json!("new"), json!("qualified")),
        ("lead_score_changed", "score", json!(10), json!(60)),
        ("lead_converted", "converted", json!(false), json!(true)),
        ("lead_assigned", "ownerId", Value::Null, json!("their-user-1")),
        ("contact_updated", "phone", json!(""), json!("555-0101")),
        ("contact_assigned", "ownerId", json!("their-user-1"), json!("their-user-2")),
        ("account_updated", "industry", json!(""), json!("Retail")),
        ("account_assigned", "ownerId", Value::Null, json!("their-user-1")),
        ("opportunity_updated", "name", json!("Roof"), json!("New roof")),
        ("opportunity_stage_changed", "stageId", json!("their-stage-1"), json!("their-stage-2")),
        ("opportunity_won", "status", json!("open"), json!("won")),
        ("opportunity_lost", "status", json!("open"), json!("lost")),
        ("opportunity_assigned", "ownerId", Value::Null, json!("their-user-1")),
        ("task_updated", "title", json!("Call"), json!("Call back")),
        ("task_completed", "completed", json!(false), json!(true)),
        ("project_updated", "name", json!("Build"), json!("Build out")),
        ("project_status_changed", "status", json!("planned"), json!("active")),
        ("project_completed", "status", json!("active"), json!("completed")),
    ];
    let happenings = [
        "lead_created",
        "contact_created",
        "account_created",
        "opportunity_created",
        "task_created",
        "task_overdue",
        "project_created",
        "project_task_overdue",
    ];
    let mut bodies = Vec::new();
    for (n, (event_type, field, before, after)) in changes.iter().enumerate() {
        bodies.push(json!({ "type": event_type, "id": format!("ext-{n}"), "sub_account_id": s.f.acme,
            "record_id": format!("their-{event_type}"), "record": { *field: after },
            "previous": { *field: before }, "occurred_at": "2026-12-01T09:00:00Z" }));
    }
    for event_type in happenings {
        bodies.push(json!({ "type": event_type, "id": format!("ext-{event_type}"), "sub_account_id": s.f.acme,
            "record_id": format!("their-{event_type}"), "record": {} }));
    }
    assert_eq!(bodies.len(), 27);
    for body in &bodies {
        let (status, answer) = post_json(&admin, url.clone(), body.clone()).await;
        assert_eq!((status, answer["outcome"].as_str()), (StatusCode::CREATED, Some("accepted")), "{body}: {answer}");
        assert_eq!(answer["forms"], json!([]));
        let (status, again) = post_json(&admin, url.clone(), body.clone()).await;
        assert_eq!((status, again), (StatusCode::OK, json!({ "outcome": "duplicate" })), "{body}");
    }
    let activity = s.f.service.activity(&s.f.admin, &s.f.acme, None, None).await.unwrap();
    // Sent by a signed-in admin: the events name them.
    let reported: Vec<&str> = activity
        .items
        .iter()
        .filter(|item| item.cause == s.f.admin.name)
        .flat_map(|item| item.event_types.iter().map(|t| t.as_str()))
        .collect();
    assert_eq!(reported.len(), 27, "{reported:?}");
    assert!(activity.items.iter().all(|item| item.event_types.len() == 1), "each about its own record");
    let won = activity.items.iter().find(|item| item.event_types == [app::model::EventType::OpportunityWon]).unwrap();
    assert_eq!(won.changes, [("Status".to_owned(), "Open".to_owned(), "Won".to_owned())]);
    assert_eq!(won.occurred_at, "2026-12-01 04:00 EST", "the time the other CRM gave, in Acme's zone");

    // Checked per module: every problem, with where it is.
    let (status, error) = post_json(
        &admin,
        url.clone(),
        json!({ "type": "opportunity_won", "id": "bad-1",
        "sub_account_id": s.f.acme, "record_id": "o9", "record": { "status": "lost", "monetaryValue": "lots" },
        "previous": { "status": "open" } }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["error"], "invalid_record");
    assert_eq!(error["details"], json!(["record.monetaryValue: “Value” takes an amount with at most two decimals"]));
    let (status, error) = post_json(&admin, url.clone(), json!({ "type": "opportunity_won", "id": "bad-2",
        "sub_account_id": s.f.acme, "record_id": "o9", "record": { "status": "lost" }, "previous": { "status": "open" } }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error["details"],
        json!(["previous: the record and its previous values do not show a `opportunity_won`"])
    );
    let (status, error) = post_json(
        &admin,
        url.clone(),
        json!({ "type": "lead_created", "id": "bad-3",
        "sub_account_id": s.f.acme, "record_id": "l9", "record": {}, "colour": "red" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["message"].as_str().unwrap().contains("unknown field `colour`"), "{error}");
    let (status, error) = post_json(
        &admin,
        url.clone(),
        json!({ "type": "lead_created", "id": "bad-4",
        "sub_account_id": s.f.acme, "record_id": "l9", "record": {}, "occurred_at": "yesterday" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["message"].as_str().unwrap().contains("not “yesterday”"), "{error}");
    // Another tenant's sub-account is not found.
    let riley = s.client(server::demo::OTHER_STAFF_EMAIL, server::demo::STAFF_PASSWORD).await;
    let (status, _) = post_json(
        &riley,
        url,
        json!({ "type": "lead_created", "id": "r-1",
        "sub_account_id": s.f.acme, "record_id": "l9", "record": {} }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn health_checks_and_server_rendering(db: Db) {
    let s = start(db).await;
    let ids = acme_with_a_form(&s).await;
    let anonymous = s.anonymous();
    let (status, health) = body(anonymous.get(format!("{}/healthz", s.base)).send().await.unwrap()).await;
    assert_eq!((status, health), (StatusCode::OK, json!({ "status": "ok" })));
    let (status, ready) = body(anonymous.get(format!("{}/readyz", s.base)).send().await.unwrap()).await;
    assert_eq!((status, ready), (StatusCode::OK, json!({ "status": "ready" })));
    // The form page renders on the server, fields and all, for a browser without JavaScript.
    let sam = s.client(server::demo::STAFF_EMAIL, server::demo::STAFF_PASSWORD).await;
    let html =
        sam.get(format!("{}/s/{}/forms/{}", s.base, s.f.acme, ids.form)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(r#"data-field="completed""#), "{html}");
    assert!(html.contains(r#"<label for="f-hours">Hours on site"#));
    // Conditional fields are in the page, hidden, with their rule in words (shown without JavaScript).
    let satisfaction = html.find(r#"data-field="satisfaction""#).expect("conditional field rendered");
    let wrapper = html[..satisfaction].rfind(r#"<div class="conditional""#).unwrap();
    assert!(html[wrapper..satisfaction].contains("hidden"), "{}", &html[wrapper..satisfaction]);
    assert!(html.contains("Answer only if “Was the job completed?” equals “Yes”."), "{html}");
    // The form is an island: its data travels in the page for the browser to hydrate from.
    assert!(html.contains("<leptos-island"), "{html}");

    // A browser that is not signed in gets a real redirect to the sign-in page, every time (the
    // page data is loaded before the response starts), and comes back afterwards.
    let pages = [("/".to_owned(), "/"), (format!("/s/{}/inbox?tab=completed", s.f.acme), "/s/")];
    for (page, next) in pages {
        for _ in 0..5 {
            let response =
                anonymous.get(format!("{}{page}", s.base)).header("Accept", "text/html").send().await.unwrap();
            assert_eq!(response.status(), StatusCode::FOUND, "{page}");
            let location = response.headers()["location"].to_str().unwrap().to_owned();
            assert!(location.starts_with(&format!("/login?next={next}")), "{page}: {location}");
        }
    }

    // A database that stops answering: anyone is told it is down, and nothing of why.
    s.f.store().pool().close().await;
    let (status, ready) = body(anonymous.get(format!("{}/readyz", s.base)).send().await.unwrap()).await;
    assert_eq!((status, ready), (StatusCode::SERVICE_UNAVAILABLE, json!({ "status": "unavailable" })));
}

/// A page on another site makes the signed-in admin's browser send requests here (the cookie
/// goes along): every one is refused before it does anything.
async fn cross_site_requests_are_refused(db: Db) {
    let s = start(db).await;
    let ids = acme_with_a_form(&s).await;
    let admin = s.client(server::demo::ADMIN_EMAIL, server::demo::ADMIN_PASSWORD).await;
    let acme = s.f.acme.clone();
    let url = |path: &str| format!("{}/api/{path}", s.base);
    let from_evil = |request: reqwest::RequestBuilder| request.header("origin", "https://evil.example");
    let form_calls: [(&str, FormFields); 11] = [
        ("workflows/toggle", vec![("sub_account", &acme), ("workflow", "w1"), ("active", "false")]),
        ("workflows/delete", vec![("sub_account", &acme), ("workflow", "w1")]),
        ("workflows/save", vec![("sub_account", &acme), ("body", "{}")]),
        ("workflows/retry", vec![("sub_account", &acme), ("run", "r1")]),
        ("notifications/read", vec![("sub_account", &acme)]),
        ("triggers/remove", vec![("sub_account", &acme), ("trigger_id", &ids.trigger)]),
        ("settings/number-format", vec![("sub_account", &acme), ("locale", "de-DE"), ("currency", "EUR")]),
        ("templates/delete", vec![("sub_account", &acme), ("template_id", &ids.template)]),
        (
            "crm/move_opportunity",
            vec![("sub_account", &acme), ("opportunity_id", &ids.opportunity), ("stage_id", &ids.stage)],
        ),
        ("records/convert-lead", vec![("sub_account", &acme), ("lead_id", &ids.form)]),
        ("auth/sign_out", vec![]),
    ];
    for (endpoint, fields) in &form_calls {
        let (status, error) = body(from_evil(admin.post(url(endpoint))).form(fields).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{endpoint}: {error}");
        assert_eq!(error["error"], "forbidden");
        assert!(error["message"].as_str().unwrap().contains("https://evil.example"), "{error}");
    }
    let record = json!({ "sub_account": acme, "module": "leads", "id": null, "values": { "firstName": "Eve" } });
    let (status, _) = body(from_evil(admin.post(url("records/save"))).json(&record).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a record is saved only from OpsFlow's own pages");
    // A cross-site form posting `text/plain` that reads as JSON.
    let submit = json!({ "sub_account": acme, "form_id": ids.form, "answers": { "completed": "Yes" } }).to_string();
    let plain = |request: reqwest::RequestBuilder| request.header("content-type", "text/plain").body(submit.clone());
    let (status, _) = body(plain(from_evil(admin.post(url("forms/submit")))).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The same body from OpsFlow's own page is still not JSON to a JSON server function.
    let (status, error) = body(plain(admin.post(url("forms/submit"))).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{error}");
    assert_eq!(error["error"], "bad_request");
    let multipart = format!("--x\r\nContent-Disposition: form-data; name=\"sub_account\"\r\n\r\n{acme}\r\n--x--\r\n");
    let response = admin
        .post(url("settings/load"))
        .header("content-type", "multipart/form-data; boundary=x")
        .body(multipart)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // The browser's other signs: a cross-site fetch mode, or a Referer elsewhere.
    let bare = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let cookie = admin_session_cookie(&s).await;
    let signs: [&[(&str, &str)]; 4] = [
        &[("sec-fetch-site", "cross-site")],
        &[("sec-fetch-site", "same-site")],
        &[("referer", "https://evil.example/page")],
        &[],
    ];
    for headers in signs {
        let mut request = bare.post(url("triggers/remove")).header("cookie", &cookie);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let fields = [("sub_account", acme.as_str()), ("trigger_id", ids.trigger.as_str())];
        let (status, error) = body(request.form(&fields).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{headers:?}: {error}");
    }
    let same_origin = bare.post(url("settings/load")).header("cookie", &cookie).header("sec-fetch-site", "same-origin");
    assert!(same_origin.form(&[("sub_account", &acme)]).send().await.unwrap().status().is_success());
    // The events API with the cookie, from another site.
    let event = json!({ "type": "stage_changed", "id": "csrf-1", "sub_account_id": acme,
                        "opportunity_id": ids.opportunity, "stage_id": ids.stage });
    let response = from_evil(admin.post(format!("{}/api/v1/events", s.base))).json(&event).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // Login CSRF: signing the victim in to the attacker's account is refused; no cookie is set.
    let login = from_evil(s.anonymous().post(url("auth/sign_in")))
        .form(&[("email", server::demo::STAFF_EMAIL), ("password", server::demo::STAFF_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::FORBIDDEN);
    assert!(login.headers().get("set-cookie").is_none());
    // Nothing happened: the trigger, the template, the form and the admin's session are all there.
    let settings = s.f.service.settings(&s.f.admin, &acme).await.unwrap();
    assert_eq!(settings.triggers.len(), 1);
    assert!(s.f.service.templates(&s.f.admin, &acme).await.unwrap().iter().any(|t| t.id == ids.template));
    assert_eq!(s.f.service.pending_forms(&s.f.admin, &acme, &InboxQuery::default()).await.unwrap().rows.len(), 1);
    let (_, me) = post_form(&admin, url("auth/me"), &[]).await;
    assert_eq!(me["email"], server::demo::ADMIN_EMAIL);
    // Reads by GET are not refused: links from other sites still open pages.
    let page = admin.get(format!("{}/s/{acme}/inbox", s.base)).header("origin", "https://evil.example").send();
    assert_eq!(page.await.unwrap().status(), StatusCode::OK);
}

/// `opsflow_session=…` of a new admin session, for requests sent without a cookie jar.
async fn admin_session_cookie(s: &Server) -> String {
    let response = s
        .anonymous()
        .post(format!("{}/api/auth/sign_in", s.base))
        .form(&[("email", server::demo::ADMIN_EMAIL), ("password", server::demo::ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

async fn sign_in(s: &Server, email: &str, password: &str, from: &str) -> reqwest::Response {
    s.anonymous()
        .post(format!("{}/api/auth/sign_in", s.base))
        .header("x-forwarded-for", format!("203.0.113.9, {from}"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
}

/// Guessing passwords: past five failures an account waits, twice as long each time, and so
/// does an address past twenty, whether the email exists, has a password, or neither.
async fn password_guessing_is_throttled(db: Db) {
    let mut f = fixture(db).await;
    f.service = std::sync::Arc::new(server::service::Service::new(
        f.store().clone(),
        server::service::ServiceOptions { trust_proxy: true, ..Default::default() },
    ));
    // A HighLevel user: no password at all.
    let agency: String = sqlx::query_scalar("SELECT id FROM agencies").fetch_one(f.store().pool()).await.unwrap();
    let mut tx = f.store().begin().await.unwrap();
    f.store().upsert_sso_user(&mut tx, &"hl-x".into(), &agency, "hl@acme.example", "HL", "staff").await.unwrap();
    tx.commit().await.unwrap();
    let s = serve(f).await;
    for email in [server::demo::ADMIN_EMAIL, "nobody@acme.example", "hl@acme.example"] {
        for attempt in 1..=5 {
            let response = sign_in(&s, email, "wrong", "198.51.100.1").await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{email}, attempt {attempt}");
        }
        // Blocked now, even with the right password, and from another address.
        let response = sign_in(&s, email, server::demo::ADMIN_PASSWORD, "198.51.100.2").await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "{email}");
        assert_eq!(response.headers()["retry-after"], "1");
        let (_, error) = body(response).await;
        assert_eq!(error["error"], "too_many_attempts", "{error}");
    }
    // After the wait the right password works, and clears the account's failures.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let response = sign_in(&s, server::demo::ADMIN_EMAIL, server::demo::ADMIN_PASSWORD, "198.51.100.3").await;
    assert!(response.status().is_redirection() || response.status().is_success(), "{}", response.status());
    assert_eq!(
        sign_in(&s, server::demo::ADMIN_EMAIL, "wrong", "198.51.100.3").await.status(),
        StatusCode::UNAUTHORIZED
    );
    // One address trying many accounts: blocked after twenty failures, for every account.
    for n in 0..20 {
        let response = sign_in(&s, &format!("guess{n}@acme.example"), "wrong", "198.51.100.4").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "guess {n}");
    }
    let response = sign_in(&s, server::demo::STAFF_EMAIL, server::demo::STAFF_PASSWORD, "198.51.100.4").await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let response = sign_in(&s, server::demo::STAFF_EMAIL, server::demo::STAFF_PASSWORD, "198.51.100.5").await;
    assert!(response.status().is_redirection() || response.status().is_success(), "{}", response.status());
    // Thirty guesses sent at once for one account: five are checked, the rest wait.
    let s = std::sync::Arc::new(s);
    let burst: Vec<_> = (0..30)
        .map(|n| {
            let s = s.clone();
            tokio::spawn(
                async move { sign_in(&s, "burst@acme.example", "wrong", &format!("192.0.2.{n}")).await.status() },
            )
        })
        .collect();
    let mut checked = 0;
    for attempt in burst {
        match attempt.await.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            status => assert_eq!(status, StatusCode::TOO_MANY_REQUESTS),
        }
    }
    assert_eq!(checked, 5, "only the attempts allowed at once were checked");
}

/// A sign-in from `from` carrying `cookie` (`name=value`), if any.
async fn sign_in_from(s: &Server, email: &str, password: &str, from: &str, cookie: Option<&str>) -> reqwest::Response {
    let mut request = s
        .anonymous()
        .post(format!("{}/api/auth/sign_in", s.base))
        .header("x-forwarded-for", format!("203.0.113.9, {from}"))
        .form(&[("email", email), ("password", password)]);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.send().await.unwrap()
}

/// The cookie `name` a response sets, as `name=value`.
fn cookie_set(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|cookie| cookie.split(';').next())
        .find(|pair| pair.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

fn got_in(response: &reqwest::Response) -> bool {
    response.status().is_redirection() || response.status().is_success()
}

/// Someone guessing at an account from address after address keeps its owner out no more: the
/// browser that signed in to it before (its device cookie) still gets in with the right
/// password, while every other browser waits. An address that guesses is refused before the
/// account counts its attempt, and throttles keep hashes, not emails or addresses.
async fn guessing_at_an_account_does_not_lock_its_owner_out(db: Db) {
    let mut f = fixture(db).await;
    f.service = std::sync::Arc::new(server::service::Service::new(
        f.store().clone(),
        server::service::ServiceOptions { trust_proxy: true, ..Default::default() },
    ));
    let store = f.store().clone();
    let s = serve(f).await;
    let (email, password) = (server::demo::ADMIN_EMAIL, server::demo::ADMIN_PASSWORD);
    let first = sign_in_from(&s, email, password, "198.51.100.10", None).await;
    assert!(got_in(&first), "{}", first.status());
    let device = cookie_set(&first, "opsflow_device").expect("a device cookie");
    // One wrong guess a second would do; these come faster, each from another address.
    for n in 0..8 {
        let guess = sign_in_from(&s, email, "guess", &format!("192.0.2.{n}"), None).await.status();
        assert!([StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS].contains(&guess), "{guess}");
    }
    let stranger = sign_in_from(&s, email, password, "198.51.100.11", None).await;
    assert_eq!(stranger.status(), StatusCode::TOO_MANY_REQUESTS, "an unknown browser waits");
    let owner = sign_in_from(&s, email, password, "198.51.100.10", Some(&device)).await;
    assert!(got_in(&owner), "the owner's browser gets in: {}", owner.status());
    assert_eq!(cookie_set(&owner, "opsflow_device"), None, "it is known already");
    // Another account's browser is not known to this one.
    let sam = sign_in_from(&s, server::demo::STAFF_EMAIL, server::demo::STAFF_PASSWORD, "198.51.100.12", None).await;
    let sams_device = cookie_set(&sam, "opsflow_device").unwrap();
    let borrowed = sign_in_from(&s, email, password, "198.51.100.12", Some(&sams_device)).await;
    assert_eq!(borrowed.status(), StatusCode::TOO_MANY_REQUESTS);

    // An address past its twenty guesses is refused before the account hears of it.
    let failures = |key: String| {
        let store = store.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT failures FROM sign_in_failures WHERE key = $1")
                .bind(key)
                .fetch_optional(store.pool())
                .await
                .unwrap()
        }
    };
    let victim = "victim@acme.example";
    let victim_key = server::auth::token_hash(&format!("account:{victim}"));
    for n in 0..20 {
        sign_in_from(&s, &format!("guess{n}@acme.example"), "x", "198.51.100.20", None).await;
    }
    for _ in 0..5 {
        let refused = sign_in_from(&s, victim, "x", "198.51.100.20", None).await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    assert_eq!(failures(victim_key).await, None, "the account was never touched");
    let keys: Vec<String> =
        sqlx::query_scalar("SELECT key FROM sign_in_failures").fetch_all(store.pool()).await.unwrap();
    assert!(keys.len() > 20, "{keys:?}");
    for key in &keys {
        assert!(key.len() == 43 && !key.contains('@') && !key.contains("198.51"), "{key}");
    }
}

/// 400 sign-ins with a 250 KB "email", and some with no email shape at all, are refused before
/// anything is written: the throttle's table stays as it was.
async fn emails_too_long_or_misshapen_are_refused_before_any_write(db: Db) {
    let mut f = fixture(db).await;
    f.service = std::sync::Arc::new(server::service::Service::new(
        f.store().clone(),
        server::service::ServiceOptions { trust_proxy: true, ..Default::default() },
    ));
    let store = f.store().clone();
    let rows = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sign_in_failures").fetch_one(store.pool()).await.unwrap()
    };
    let before = rows().await;
    let s = std::sync::Arc::new(serve(f).await);
    let huge = std::sync::Arc::new(format!("{}@acme.example", "a".repeat(250_000)));
    // 64 at a time: what is tested is that each is refused before any write, not how many
    // 250 KB uploads the box takes at once (400 at once had one connection reset in a CI run on
    // a loaded 2-core box; `a_crowd_of_sign_ins_does_not_starve_the_server` tests the crowd).
    let at_once = std::sync::Arc::new(tokio::sync::Semaphore::new(64));
    let sent: Vec<_> = (0..400)
        .map(|n| {
            let (s, huge, at_once) = (s.clone(), huge.clone(), at_once.clone());
            tokio::spawn(async move {
                let _turn = at_once.acquire_owned().await.unwrap();
                let from = format!("10.9.{}.{}", n / 200, n % 200);
                sign_in_from(&s, &huge, "x", &from, None).await.status()
            })
        })
        .collect();
    for status in sent {
        assert_eq!(status.await.unwrap(), StatusCode::BAD_REQUEST);
    }
    for misshapen in ["admin", "admin@localhost", "a b@acme.example", "@acme.example"] {
        let refused = sign_in_from(&s, misshapen, "x", "10.9.9.9", None).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{misshapen}");
        let (_, error) = body(refused).await;
        assert!(error.to_string().contains("like name@example.com"), "{error}");
    }
    assert_eq!(rows().await, before, "nothing was written");
}

/// 600 bogus sign-ins at once, each from its own address: each is answered (refused, or told to
/// come back), and the server keeps serving everyone else meanwhile.
async fn a_crowd_of_sign_ins_does_not_starve_the_server(db: Db) {
    let mut f = fixture(db).await;
    f.service = std::sync::Arc::new(server::service::Service::new(
        f.store().clone(),
        server::service::ServiceOptions { trust_proxy: true, ..Default::default() },
    ));
    let s = std::sync::Arc::new(serve(f).await);
    let crowd: Vec<_> = (0..600)
        .map(|n| {
            let s = s.clone();
            tokio::spawn(async move {
                sign_in(&s, &format!("bot{n}@evil.example"), "guess", &format!("10.9.{}.{}", n / 250, n % 250))
                    .await
                    .status()
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let health = s.anonymous().get(format!("{}/healthz", s.base)).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK, "the server answers during the crowd");
    let mut statuses = std::collections::BTreeMap::new();
    for attempt in crowd {
        *statuses.entry(attempt.await.unwrap().as_u16()).or_insert(0) += 1;
    }
    assert!(statuses.keys().all(|status| [401, 429].contains(status)), "{statuses:?}");
    assert!(statuses.contains_key(&429), "beyond the queue, callers are told to come back: {statuses:?}");
}

/// `opsflow serve` on SIGTERM: the open inbox stream ends, events in flight are answered, the
/// process exits 0 within its drain timeout, and every event it acknowledged is in the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_and_exits_losing_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    // The server refuses to start without a built client; an empty one does for this test.
    std::fs::create_dir_all(dir.path().join("site/pkg")).unwrap();
    std::fs::write(dir.path().join("site/pkg/opsflow.wasm"), b"").unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_opsflow"))
        .args(["serve", "--demo", "--addr", &format!("127.0.0.1:{port}"), "--drain-timeout-secs", "5"])
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("--site-root")
        .arg(dir.path().join("site"))
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    let mut ready = false;
    for _ in 0..100 {
        if reqwest::get(format!("{base}/readyz")).await.is_ok_and(|r| r.status().is_success()) {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "the server started");
    let admin = signed_in(&base, server::demo::ADMIN_EMAIL, server::demo::ADMIN_PASSWORD).await;
    let (_, accounts) = post_form(&admin, format!("{base}/api/sub_accounts/list"), &[]).await;
    let acme = accounts.as_array().unwrap().iter().find(|a| a["name"] == server::demo::ACME).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, board) = post_form(&admin, format!("{base}/api/crm/board"), &[("sub_account", &acme)]).await;
    let contact = board["pipelines"][0]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["opportunities"].as_array().unwrap().clone())
        .next()
        .unwrap()["contact_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut stream = admin.get(format!("{base}/s/{acme}/inbox/stream")).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);

    let events: Vec<_> = (0..200)
        .map(|n| {
            let (admin, base, acme, contact) = (admin.clone(), base.clone(), acme.clone(), contact.clone());
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(n)).await;
                let event = json!({ "type": "call_completed", "id": format!("drain-{n}"), "sub_account_id": acme,
                                    "contact_id": contact, "summary": "Called back" });
                let sent = admin.post(format!("{base}/api/v1/events")).json(&event).send().await;
                (n, sent.map(|response| response.status()).ok())
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(60)).await;
    let killed = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    // The stream ends (it would otherwise hold the shutdown forever).
    let ended = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    });
    assert!(ended.await.is_ok(), "the inbox stream ended");
    let mut status = None;
    for _ in 0..150 {
        if let Some(exit) = child.try_wait().unwrap() {
            status = Some(exit);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let Some(status) = status else {
        child.kill().unwrap();
        panic!("the server did not exit within 15 s");
    };
    assert!(status.success(), "{status}");
    let mut acknowledged = Vec::new();
    for event in events {
        if let (n, Some(status)) = event.await.unwrap()
            && status.is_success()
        {
            acknowledged.push(format!("drain-{n}"));
        }
    }
    assert!(!acknowledged.is_empty(), "some events were answered before the stop");
    let store = server::db::Store::connect(&format!("sqlite://{}", dir.path().join("data/opsflow.db").display()))
        .await
        .unwrap();
    for id in &acknowledged {
        let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE external_id = $1")
            .bind(id)
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(kept, 1, "{id} was acknowledged, so it is stored");
    }
}

/// A user's open inboxes: a few at once, and each ends when its session is signed out.
async fn inbox_streams_are_bounded_and_end_at_sign_out(db: Db) {
    let s = start(db).await;
    let sam = s.client(server::demo::STAFF_EMAIL, server::demo::STAFF_PASSWORD).await;
    let url = format!("{}/s/{}/inbox/stream", s.base, s.f.acme);
    let mut streams = Vec::new();
    for _ in 0..server::notify::STREAMS_PER_USER {
        let stream = sam.get(&url).send().await.unwrap();
        assert_eq!(stream.status(), StatusCode::OK);
        streams.push(stream);
    }
    let refused = sam.get(&url).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    // Another user is not held back by Sam's tabs.
    let admin = s.client(server::demo::ADMIN_EMAIL, server::demo::ADMIN_PASSWORD).await;
    let mut admins = admin.get(&url).send().await.unwrap();
    assert_eq!(admins.status(), StatusCode::OK);
    // The admin loses the sub-account (as a HighLevel sign-in can take it away): the stream ends.
    sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND sub_account_id = $2")
        .bind(&s.f.admin.id)
        .bind(&s.f.acme)
        .execute(s.f.store().pool())
        .await
        .unwrap();
    let ended = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while let Ok(Some(_)) = admins.chunk().await {}
    });
    assert!(ended.await.is_ok(), "the stream ended with the membership");
    // Closing one gives its place back.
    drop(streams.pop());
    let mut reopened = None;
    for _ in 0..50 {
        let stream = sam.get(&url).send().await.unwrap();
        if stream.status() == StatusCode::OK {
            reopened = Some(stream);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    streams.push(reopened.expect("a closed stream's place is given back"));
    // Signing out ends every stream of the session.
    post_form(&sam, format!("{}/api/auth/sign_out", s.base), &[]).await;
    for mut stream in streams {
        let ended = tokio::time::timeout(std::time::Duration::from_secs(5), async {
            while let Ok(Some(_)) = stream.chunk().await {}
        });
        assert!(ended.await.is_ok(), "the stream ended at sign-out");
    }
}

/// The number format is set by a plain form on the settings page: admins only, a region or
/// currency OpsFlow does not know is a typed 400, and the browser is sent back to the page.
async fn the_number_format_is_set_by_a_plain_form(db: Db) {
    let s = start(db).await;
    let acme = s.f.acme.clone();
    let url = format!("{}/api/settings/number-format", s.base);
    let settings_page = format!("{}/s/{acme}/settings", s.base);
    let sam = s.client(server::demo::STAFF_EMAIL, server::demo::STAFF_PASSWORD).await;
    let (status, error) =
        post_form(&sam, url.clone(), &[("sub_account", &acme), ("locale", "de-DE"), ("currency", "EUR")]).await;
    assert_eq!((status, error["error"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{error}");

    let admin = s.client(server::demo::ADMIN_EMAIL, server::demo::ADMIN_PASSWORD).await;
    let (status, error) =
        post_form(&admin, url.clone(), &[("sub_account", &acme), ("locale", "xx-XX"), ("currency", "EUR")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert_eq!(error["details"], "“xx-XX” is not a region OpsFlow knows.", "{error}");
    let sent = admin
        .post(&url)
        .header("referer", &settings_page)
        .header("accept", "text/html")
        .form(&[("sub_account", acme.as_str()), ("locale", "de-DE"), ("currency", "EUR")])
        .send()
        .await
        .unwrap();
    assert!(sent.status().is_redirection(), "{}", sent.status());
    // Leptos sends the browser back to the page it came from (with an emptied query).
    assert_eq!(sent.headers()["location"].to_str().unwrap().trim_end_matches('?'), settings_page);
    let html = admin.get(&settings_page).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("amounts like 1.250,50\u{a0}€"), "{html}");
    assert!(html.contains(r#"<option value="de-DE" selected"#), "{html}");
    let row = s.f.store().sub_account(&acme).await.unwrap().unwrap();
    assert_eq!((row.locale.as_deref(), row.currency.as_deref()), (Some("de-DE"), Some("EUR")));
    let untouched = s.f.store().sub_account(&s.f.brightside).await.unwrap().unwrap();
    assert_eq!((untouched.locale, untouched.currency), (None, None), "only Acme changed");
}

/// Every response says what the browser may do with it; HSTS only when served over HTTPS.
/// Without JavaScript the form posts to its own page: the same model validates it; refused, the
/// page comes back with the answers as typed and what is wrong; accepted, the completed page.
async fn a_form_posted_without_javascript_is_validated_and_completed(db: Db) {
    let s = start(db).await;
    let ids = acme_with_a_form(&s).await;
    let sam = s.client(server::demo::STAFF_EMAIL, server::demo::STAFF_PASSWORD).await;
    let page = format!("{}/s/{}/forms/{}", s.base, s.f.acme, ids.form);
    let refused = sam
        .post(&page)
        .form(&[("completed", "Partially"), ("hours", "1,5"), ("incomplete_reason", "Pipes </textarea><b>& fittings")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("Enter a number, like 42 or 3.5"), "the model's message: {html}");
    assert!(html.contains(r#"value="1,5""#), "what was typed stays: {html}");
    assert!(html.contains("Pipes &lt;/textarea&gt;&lt;b&gt;&amp; fittings</textarea>"), "escaped, kept: {html}");
    assert!(html.contains(r#"value="Partially" checked"#), "{html}");
    let pending = s.f.service.pending_forms(&s.f.sam, &s.f.acme, &InboxQuery::default()).await.unwrap().rows;
    assert_eq!(pending.len(), 1, "nothing was submitted");

    let accepted = sam
        .post(&page)
        .form(&[
            ("completed", "Yes"),
            ("work_done", "Repair"),
            ("work_done", "Cleaning"),
            ("hours", "1.5"),
            ("incomplete_reason", "ignored: not shown for Yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    assert_eq!(accepted.headers()["location"], format!("/s/{}/forms/{}", s.f.acme, ids.form));
    let view = s.f.service.form(&s.f.sam, &s.f.acme, &ids.form).await.unwrap();
    let answers: Vec<(String, String)> =
        view.submission.unwrap().answers.into_iter().map(|a| (a.key, a.value.show(&view.number_format))).collect();
    let expected =
        [("completed", "Yes"), ("work_done", "Repair, Cleaning"), ("hours", "1.5"), ("follow_up_needed", "No")];
    assert_eq!(answers, expected.map(|(k, v)| (k.to_owned(), v.to_owned())));
    let html = sam.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Submitted by Sam"), "{html}");
    // A second post (Back, then Submit again) changes nothing and lands on the completed page.
    let again = sam.post(&page).form(&[("completed", "No")]).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
}

/// A page someone may not see is still a page: the top bar, a title that says why, a way back,
/// and the HTTP status to match.
async fn pages_that_cannot_be_shown_say_why(db: Db) {
    let s = start(db).await;
    let ids = acme_with_a_form(&s).await;
    let base = s.base.clone();
    let page = |client: reqwest::Client, path: String| {
        let url = format!("{base}{path}");
        async move {
            let response = client.get(url).send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    let sam = s.client(server::demo::STAFF_EMAIL, server::demo::STAFF_PASSWORD).await;
    let (status, html) = page(sam, format!("/s/{}/templates/{}", s.f.acme, ids.template)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for part in [r#"<header class="topbar""#, "<h1>Only admins can open this page", "← Templates"] {
        assert!(html.contains(part), "{part}: {html}");
    }
    let riley = s.client(server::demo::OTHER_STAFF_EMAIL, server::demo::STAFF_PASSWORD).await;
    let (status, html) = page(riley, format!("/s/{}/inbox", s.f.acme)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for part in [r#"<header class="topbar""#, "<h1>Not found", "← Your sub-accounts"] {
        assert!(html.contains(part), "{part}: {html}");
    }
    assert!(!html.contains("Acme"), "nothing of the other sub-account: {html}");
}

/// The sign-in form posts to its own page: refused, the page again with the email kept and the
/// reason, nothing internal in the address; accepted, on to where the person was going.
async fn the_sign_in_page_keeps_the_email_and_the_address_clean(db: Db) {
    let s = start(db).await;
    let client = browser(&s.base).cookie_store(true).build().unwrap();
    let login = format!("{}/login?next=%2Fs%2Fsomewhere", s.base);
    let form = |password: &'static str| {
        [("email", server::demo::ADMIN_EMAIL), ("password", password), ("next", "/s/somewhere")]
    };
    // A password no page could hold by chance (the page's script says "went wrong").
    let refused = client.post(&login).form(&form("w7-not-the-password")).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(refused.headers().get("location").is_none());
    let html = refused.text().await.unwrap();
    assert!(html.contains(r#"value="admin@opsflow.test""#), "{html}");
    assert!(html.contains("That email and password do not match an account."), "{html}");
    assert!(!html.contains("w7-not-the-password"), "the password is never sent back");
    let accepted = client.post(&login).form(&form(server::demo::ADMIN_PASSWORD)).send().await.unwrap();
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    assert_eq!(accepted.headers()["location"], "/s/somewhere");
    assert!(accepted.headers()["set-cookie"].to_str().unwrap().starts_with("opsflow_session="));
    let empty: [(&str, &str); 0] = [];
    let me = client.post(format!("{}/api/auth/me", s.base)).form(&empty).send().await.unwrap().text().await.unwrap();
    assert!(me.contains("admin@opsflow.test"), "{me}");
}

async fn responses_carry_the_security_headers(db: Db) {
    let s = start(db).await;
    for path in ["/login", "/healthz", "/pkg/missing.js"] {
        let response = s.anonymous().get(format!("{}{path}", s.base)).send().await.unwrap();
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "strict-origin-when-cross-origin", "{path}");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .starts_with("default-src 'self'; script-src 'self' 'nonce-")
        );
        assert!(headers.get("strict-transport-security").is_none(), "plain HTTP: {path}");
    }
    // Pages and API answers hold per-user data: never stored, so Back asks the server again.
    let sam = s.client(server::demo::STAFF_EMAIL, server::demo::STAFF_PASSWORD).await;
    for path in ["/login".to_owned(), format!("/s/{}/inbox", s.f.acme), "/healthz".to_owned()] {
        let response = sam.get(format!("{}{path}", s.base)).send().await.unwrap();
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    }
    let (status, _) = post_form(&sam, format!("{}/api/forms/pending", s.base), &[("sub_account", &s.f.acme)]).await;
    assert_eq!(status, StatusCode::OK);
    let response =
        sam.post(format!("{}/api/forms/pending", s.base)).form(&[("sub_account", &s.f.acme)]).send().await.unwrap();
    assert_eq!(response.headers()["cache-control"], "no-store");
    // Two responses never share a nonce.
    let nonce =
        |response: reqwest::Response| response.headers()["content-security-policy"].to_str().unwrap().to_owned();
    let first = nonce(s.anonymous().get(format!("{}/login", s.base)).send().await.unwrap());
    assert_ne!(first, nonce(s.anonymous().get(format!("{}/login", s.base)).send().await.unwrap()));

    let mut f = fixture(Db::Sqlite).await;
    let options = server::service::ServiceOptions { secure_cookies: true, ..Default::default() };
    f.service = std::sync::Arc::new(server::service::Service::new(f.store().clone(), options));
    let https = serve(f).await;
    let response = https.anonymous().get(format!("{}/login", https.base)).send().await.unwrap();
    assert_eq!(response.headers()["strict-transport-security"], "max-age=31536000");
}

on_both_backends!(
    the_number_format_is_set_by_a_plain_form,
    responses_carry_the_security_headers,
    a_form_posted_without_javascript_is_validated_and_completed,
    pages_that_cannot_be_shown_say_why,
    the_sign_in_page_keeps_the_email_and_the_address_clean,
    inbox_streams_are_bounded_and_end_at_sign_out,
    password_guessing_is_throttled,
    guessing_at_an_account_does_not_lock_its_owner_out,
    emails_too_long_or_misshapen_are_refused_before_any_write,
    a_crowd_of_sign_ins_does_not_starve_the_server,
    cross_site_requests_are_refused,
    every_endpoint_refuses_another_tenant,
    signed_out_requests_are_refused,
    bad_input_gets_a_typed_error,
    the_events_api_stores_each_event_once,
    the_events_api_takes_every_module_event,
    health_checks_and_server_rendering,
);
