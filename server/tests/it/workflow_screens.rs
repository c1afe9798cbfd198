//! The Workflows screens' server functions and pages over HTTP, as a browser signed in calls
//! them: an admin saves, lists, switches off, reads runs and deletes; the model's problems come
//! back with their paths; staff are refused; another sub-account's ids answer 404; the bell
//! counts a step's notification and marking read is the reader's own.
#![expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]

use app::model::{Cause, Module};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::demo::{ADMIN_EMAIL, ADMIN_PASSWORD, STAFF_EMAIL, STAFF_PASSWORD};

use crate::common::Db;
use crate::http_api::{Server, body, start};

async fn call(client: &reqwest::Client, s: &Server, endpoint: &str, fields: &[(&str, &str)]) -> (StatusCode, Value) {
    body(client.post(format!("{}/api/{endpoint}", s.base)).form(fields).send().await.unwrap()).await
}

async fn page(client: &reqwest::Client, s: &Server, path: &str) -> (StatusCode, String) {
    let response = client.get(format!("{}{path}", s.base)).header("accept", "text/html").send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

fn welcome(admin: &str) -> Value {
    json!({
        "name": "Welcome leads", "triggerModule": "leads", "triggerType": "lead_created", "isActive": true,
        "actions": [{"actionType": "send_notification", "sortOrder": 1,
                     "config": {"recipients": [admin], "title": "New lead {{trigger.firstName}}"}}]
    })
}

async fn admins_work_with_workflows_on_their_screens(db: Db) {
    let s = start(db).await;
    let (acme, brightside) = (s.f.acme.to_string(), s.f.brightside.to_string());
    let admin = s.client(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let sam = s.client(STAFF_EMAIL, STAFF_PASSWORD).await;

    // The editor's data: the sub-account's users by name, to choose among.
    let (status, editor) = call(&admin, &s, "workflows/editor", &[("sub_account", &acme)]).await;
    assert_eq!(status, StatusCode::OK, "{editor}");
    assert_eq!(editor["workflow"], Value::Null);
    let names = editor["catalog"]["user_names"].as_array().unwrap();
    assert!(names.iter().any(|n| n == "Avery Admin"), "{names:?}");

    // Saving checks with the model: every problem at its path; nothing saved.
    let body_text = json!({"name": "", "triggerModule": "leads", "triggerType": "lead_created",
                           "actions": [{"actionType": "create_task", "config": {}, "sortOrder": 0}]})
    .to_string();
    let (status, error) = call(&admin, &s, "workflows/save", &[("sub_account", &acme), ("body", &body_text)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let paths: Vec<&str> = error["details"].as_array().unwrap().iter().map(|p| p["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["name", "actions[0].config.title"], "{error}");
    let (_, rows) = call(&admin, &s, "workflows/list", &[("sub_account", &acme)]).await;
    assert_eq!(rows, json!([]));

    // Saved, listed with no run yet; a lead runs it and the bell counts the notification.
    let text = welcome(s.f.admin.id.as_str()).to_string();
    let (status, saved) = call(&admin, &s, "workflows/save", &[("sub_account", &acme), ("body", &text)]).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let id = saved["id"].as_str().unwrap().to_owned();
    let (_, rows) = call(&admin, &s, "workflows/list", &[("sub_account", &acme)]).await;
    assert_eq!(
        (rows[0]["name"].as_str(), rows[0]["runs"].as_i64(), &rows[0]["last_run"]),
        (Some("Welcome leads"), Some(0), &Value::Null)
    );
    let tenant = s.f.tenant(&s.f.acme);
    let cause = Cause::Person { user_id: s.f.admin.id.clone() };
    let lead = json!({"firstName": "Wren", "lastName": "Park"}).as_object().unwrap().clone();
    s.f.service.builtin().create_record(&tenant, &cause, Module::Leads, &lead).await.unwrap();
    crate::messaging::engine(&s.f, "http://127.0.0.1:9").run_until_idle().await.unwrap();
    let (_, rows) = call(&admin, &s, "workflows/list", &[("sub_account", &acme)]).await;
    assert_eq!(rows[0]["last_run"]["status"], "completed", "{rows}");
    let run = rows[0]["last_run"]["id"].as_str().unwrap().to_owned();
    let (_, unread) = call(&admin, &s, "notifications/unread", &[("sub_account", &acme)]).await;
    assert_eq!(unread, json!(1));
    let (_, html) = page(&admin, &s, &format!("/s/{acme}/workflows")).await;
    assert!(html.contains("Notifications, 1 unread"), "the bell counts it");
    assert!(html.contains("Welcome leads") && html.contains("A lead is created"), "{html}");

    // The run and its history, rendered on the server.
    let (status, html) = page(&admin, &s, &format!("/s/{acme}/runs/{run}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("New lead Wren") && html.contains("In-app notification"), "{html}");
    // Times as Acme (New York) reads them, on the run and its steps.
    let local = |text: &str| (text.contains(" EST") || text.contains(" EDT")) && !text.contains(" UTC");
    assert!(local(&html), "{html}");
    assert!(local(rows[0]["last_run"]["started_at"].as_str().unwrap()), "{rows}");
    let (status, html) = page(&admin, &s, &format!("/s/{acme}/workflows/{id}/runs")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("/s/{acme}/runs/{run}")), "{html}");
    // Only a failed run is retried.
    let (status, error) = call(&admin, &s, "workflows/retry", &[("sub_account", &acme), ("run", &run)]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    // A failed run's page says a retry runs the version the run started with, when the
    // workflow has changed since too.
    sqlx::query("UPDATE workflow_runs SET status = 'failed' WHERE id = $1")
        .bind(&run)
        .execute(s.f.store().pool())
        .await
        .unwrap();
    let (_, html) = page(&admin, &s, &format!("/s/{acme}/runs/{run}")).await;
    assert!(
        html.contains("A retry runs v1, the version this run started with, with the values the event carried:"),
        "{html}"
    );
    let mut edited = welcome(s.f.admin.id.as_str());
    edited["description"] = json!("Now with a description");
    let edited = edited.to_string();
    let (status, saved) =
        call(&admin, &s, "workflows/save", &[("sub_account", &acme), ("workflow", &id), ("body", &edited)]).await;
    assert_eq!((status, saved["version"].as_i64()), (StatusCode::OK, Some(2)), "{saved}");
    let (_, html) = page(&admin, &s, &format!("/s/{acme}/runs/{run}")).await;
    assert!(
        html.contains(
            "A retry runs v1, the version this run started with (not v2, the workflow’s latest), with the values"
        ),
        "{html}"
    );

    // Marking read is the reader's own: staff marking everything read leaves the admin's.
    let (status, _) = call(&sam, &s, "notifications/read", &[("sub_account", &acme)]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, list) = call(&admin, &s, "notifications/list", &[("sub_account", &acme)]).await;
    assert_eq!((list["unread"].as_i64(), list["items"][0]["title"].as_str()), (Some(1), Some("New lead Wren")));
    let notification = list["items"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) =
        call(&sam, &s, "notifications/read", &[("sub_account", &acme), ("notification", &notification)]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, unread) = call(&admin, &s, "notifications/unread", &[("sub_account", &acme)]).await;
    assert_eq!(unread, json!(1), "another member cannot mark it read");
    call(&admin, &s, "notifications/read", &[("sub_account", &acme), ("notification", &notification)]).await;
    let (_, unread) = call(&admin, &s, "notifications/unread", &[("sub_account", &acme)]).await;
    assert_eq!(unread, json!(0));

    // Staff: refused on every workflow screen, and the page says so with its status.
    for endpoint in ["workflows/list", "workflows/editor"] {
        let (status, error) = call(&sam, &s, endpoint, &[("sub_account", &acme)]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{endpoint}: {error}");
    }
    let (status, _) =
        call(&sam, &s, "workflows/toggle", &[("sub_account", &acme), ("workflow", &id), ("active", "false")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, html) = page(&sam, &s, &format!("/s/{acme}/workflows")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("Only admins can see and change workflows."));
    assert!(!html.contains(r#"/workflows">Workflows</a>"#), "no Workflows tab for staff");

    // Another sub-account's ids (the admin is an admin there too) answer 404.
    let other = [("sub_account", brightside.as_str()), ("workflow", id.as_str())];
    for endpoint in ["workflows/editor", "workflows/delete"] {
        let (status, error) = call(&admin, &s, endpoint, &other).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{endpoint}: {error}");
    }
    let (status, _) = call(&admin, &s, "workflows/run", &[("sub_account", &brightside), ("run", &run)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = page(&admin, &s, &format!("/s/{brightside}/runs/{run}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Switched off with a plain form post (back to the page), then deleted; its runs stay.
    let response = admin
        .post(format!("{}/api/workflows/toggle", s.base))
        .header("referer", format!("{}/s/{acme}/workflows", s.base))
        .header("accept", "text/html")
        .form(&[("sub_account", acme.as_str()), ("workflow", id.as_str()), ("active", "false")])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    let (_, rows) = call(&admin, &s, "workflows/list", &[("sub_account", &acme)]).await;
    assert_eq!(rows[0]["is_active"], false);
    // The failed run's page offers no retry the server would refuse, and says why.
    let (_, html) = page(&admin, &s, &format!("/s/{acme}/runs/{run}")).await;
    assert!(html.contains("Its workflow is switched off: switch it on to retry this run."), "{html}");
    assert!(!html.contains("Retry from the failed step"));
    let (status, _) = call(&admin, &s, "workflows/delete", &[("sub_account", &acme), ("workflow", &id)]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, detail) = call(&admin, &s, "workflows/run", &[("sub_account", &acme), ("run", &run)]).await;
    assert_eq!((status, &detail["workflow_name"]), (StatusCode::OK, &Value::Null), "{detail}");
    let (_, html) = page(&admin, &s, &format!("/s/{acme}/runs/{run}")).await;
    assert!(html.contains("Its workflow was deleted: this run cannot be retried."), "{html}");
}

on_both_backends!(admins_work_with_workflows_on_their_screens);
