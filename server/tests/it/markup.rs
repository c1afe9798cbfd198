//! Names are text, never markup: every page that shows a stored name — the sub-accounts, the
//! records of the six modules and their lists, the Activity, the board, workflows and their runs,
//! templates, forms, triggers, API keys, notifications, a person's name — renders a name holding
//! `</title>`, quotes, `<script>` and `<meta …>` as text: in the title, the body and attributes,
//! with no element or attribute made of it.
#![expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]

use app::api::ports::{ApiKeysPort, InboxPort, SubAccountsPort, TemplatesPort, TriggersPort};
use app::api::types::InboxQuery;
use app::model::{Cause, Module, TriggerConfig, TriggerEvent, Writebacks};
use reqwest::StatusCode;
use scraper::{Html, Selector};
use serde_json::{Map, Value, json};
use server::demo::{ADMIN_EMAIL, ADMIN_PASSWORD};

use crate::common::Db;
use crate::http_api::{Server, body, start};

/// A name as an attacker would type it (119 characters: templates take 120).
const NAME: &str = r#"M</title><meta http-equiv="refresh" content="0;url=//x.test">"' data-x="1"<script>alert(1)</script><b data-x="1">b</b>"#;

fn values(given: Value) -> Map<String, Value> {
    given.as_object().unwrap().clone()
}

/// The page at `path`, checked: answered 200, one `<title>`, no element or attribute made of the
/// name, every script OpsFlow's own (a nonce or a file), and the name shown as text (in the title
/// too, when `titled`).
async fn check_page(client: &reqwest::Client, s: &Server, path: &str, titled: bool) {
    let response = client.get(format!("{}{path}", s.base)).header("accept", "text/html").send().await.unwrap();
    let status = response.status();
    let html = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{path}: {html}");
    let document = Html::parse_document(&html);
    let select = |css: &str| document.select(&Selector::parse(css).unwrap()).collect::<Vec<_>>();
    let titles = select("title");
    assert_eq!(titles.len(), 1, "{path}: one title, not {}: {html}", titles.len());
    let title: String = titles[0].text().collect();
    if titled {
        assert!(title.contains(NAME), "{path}: the title shows the name as typed: {title:?}");
    }
    assert!(select("meta[http-equiv]").is_empty(), "{path}: a meta element was made of the name");
    assert!(select("[data-x]").is_empty(), "{path}: an element or attribute was made of the name: {html}");
    for script in select("script") {
        let own = script.value().attr("nonce").is_some() || script.value().attr("src").is_some();
        let text: String = script.text().collect();
        assert!(own && !text.contains("alert(1)"), "{path}: a script made of the name: {}", script.html());
    }
    let body: String = select("body")[0].text().collect();
    assert!(body.contains(NAME), "{path}: the page shows the name as text");
}

async fn names_are_text_on_every_page_that_shows_them(db: Db) {
    let s = start(db).await;
    let f = &s.f;
    let acme = f.acme.to_string();
    let store = f.store();
    f.service.open_sub_account(&f.admin, &f.acme).await.unwrap();
    store.rename_sub_account(&f.acme, NAME, "America/New_York", None).await.unwrap();
    sqlx::query("UPDATE users SET name = $1 WHERE id = $2")
        .bind(NAME)
        .bind(f.sam.id.as_str())
        .execute(store.pool())
        .await
        .unwrap();

    // A record of each module, each named with it; the deal owned by the renamed person.
    let tenant = f.tenant(&f.acme);
    let cause = Cause::Person { user_id: f.admin.id.clone() };
    let crm = f.service.builtin();
    let create = |module: Module, given: Value| {
        let (tenant, cause) = (tenant.clone(), cause.clone());
        async move { crm.create_record(&tenant, &cause, module, &values(given)).await.unwrap().id }
    };
    let account = create(Module::Accounts, json!({"name": NAME})).await;
    let contact = create(Module::Contacts, json!({"firstName": NAME, "lastName": "Doe", "accountId": account})).await;
    let lead = create(Module::Leads, json!({"firstName": NAME, "lastName": "Lee"})).await;
    let jobs = f.pipeline(&f.acme, "Service Jobs").await;
    let (first, second) = (jobs.stages[0].id.clone(), jobs.stages[1].id.clone());

    // A template named with it, a field labelled with it, a trigger that makes its forms.
    let template = f.template_id(&f.acme, "Call Disposition").await;
    let mut draft = f.service.template(&f.admin, &f.acme, &template).await.unwrap();
    draft.template.name = NAME.to_owned();
    draft.template.fields[0].label = NAME.to_owned();
    f.service.save_template(&f.admin, &f.acme, &template, draft.version, draft.template).await.unwrap();
    let trigger = TriggerConfig {
        event: TriggerEvent::StageChanged { pipeline_id: jobs.id.clone(), stage_id: second.clone() },
        template_id: template.clone(),
        writebacks: Writebacks { note: true, ..Writebacks::default() },
    };
    f.service.add_trigger(&f.admin, &f.acme, trigger).await.unwrap();
    let deal = create(
        Module::Opportunities,
        json!({"name": NAME, "contactId": contact, "pipelineId": jobs.id, "stageId": first, "ownerId": f.sam.id}),
    )
    .await;
    let task = create(Module::Tasks, json!({"title": NAME, "dueDate": "2030-01-01", "contactId": contact})).await;
    let project = create(Module::Projects, json!({"name": NAME, "opportunityId": deal})).await;
    crm.update_record(&tenant, &cause, Module::Opportunities, &deal, &values(json!({"stageId": second})))
        .await
        .unwrap();
    // Keys take 100 characters.
    f.service.create_api_key(&f.admin, &f.acme, &NAME[..100]).await.unwrap();

    // A workflow named with it, whose run notifies the admin with it.
    let admin = s.client(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let workflow = json!({
        "name": NAME, "triggerModule": "leads", "triggerType": "lead_updated", "isActive": true,
        "actions": [{"actionType": "send_notification", "sortOrder": 1,
                     "config": {"recipients": [f.admin.id], "title": NAME}}]
    })
    .to_string();
    let call = |endpoint: &'static str, fields: Vec<(&'static str, String)>| {
        let request = admin.post(format!("{}/api/{endpoint}", s.base)).form(&fields);
        async move { body(request.send().await.unwrap()).await }
    };
    let (status, saved) = call("workflows/save", vec![("sub_account", acme.clone()), ("body", workflow)]).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let workflow = saved["id"].as_str().unwrap().to_owned();
    crm.update_record(&tenant, &cause, Module::Leads, &lead, &values(json!({"lastName": "Lea"}))).await.unwrap();
    crate::messaging::engine(f, "http://127.0.0.1:9").run_until_idle().await.unwrap();
    let (_, rows) = call("workflows/list", vec![("sub_account", acme.clone())]).await;
    assert_eq!(rows[0]["last_run"]["status"], "completed", "{rows}");
    let run = rows[0]["last_run"]["id"].as_str().unwrap().to_owned();
    let pending = f.service.pending_forms(&f.admin, &f.acme, &InboxQuery::default()).await.unwrap().rows;
    let form = pending.iter().find(|row| row.template_name == NAME).map(|row| row.id.clone()).unwrap();

    let pages = [
        ("/".to_owned(), false),
        (format!("/s/{acme}/inbox"), false),
        (format!("/s/{acme}/forms/{form}"), true),
        (format!("/s/{acme}/templates"), false),
        (format!("/s/{acme}/templates/{template}"), true),
        (format!("/s/{acme}/settings"), false),
        (format!("/s/{acme}/crm"), false),
        (format!("/s/{acme}/crm/contacts/{contact}"), true),
        (format!("/s/{acme}/activity"), false),
        (format!("/s/{acme}/workflows"), false),
        (format!("/s/{acme}/workflows/{workflow}"), true),
        (format!("/s/{acme}/workflows/{workflow}/runs"), true),
        (format!("/s/{acme}/runs/{run}"), true),
        (format!("/s/{acme}/notifications"), false),
    ];
    let records = [
        (Module::Leads, lead),
        (Module::Contacts, contact),
        (Module::Accounts, account),
        (Module::Opportunities, deal),
        (Module::Tasks, task),
        (Module::Projects, project),
    ];
    let record_pages = records.iter().flat_map(|(module, id)| {
        let module = module.as_str();
        [(format!("/s/{acme}/records/{module}"), false), (format!("/s/{acme}/records/{module}/{id}"), true)]
    });
    for (path, titled) in pages.into_iter().chain(record_pages) {
        check_page(&admin, &s, &path, titled).await;
    }
}

on_both_backends!(names_are_text_on_every_page_that_shows_them);
