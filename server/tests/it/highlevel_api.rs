//! OpsFlow's HighLevel client against the stand-in, which checks every request against the
//! official OpenAPI files: the install (code exchange, location tokens), refreshes (one at a
//! time, rotated refresh tokens saved), a refused token replaced, every `Crm` call, and errors
//! keeping their kind (final or worth retrying).
#![expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]

use crate::common::{Db, TestDb, database};
use crate::connected::{contact, location, opportunity};
use crate::standin::{self, COMPANY, CONTACT, LOCATION, PIPELINE, StandIn};
use app::model::{Cause, CrmFieldType, CrmFieldValue};
use server::crm::{Crm, CrmError, CustomFieldUpdate, NewNote, NewTask};
use server::highlevel::HighLevel;
use server::highlevel::signature::WebhookKeys;
use server::highlevel::webhooks::IntakeLimits;

struct Connected {
    db: TestDb,
    standin: StandIn,
    highlevel: HighLevel,
}

/// A database and the stand-in, with nothing installed yet.
async fn connect(db: Db) -> Connected {
    let db = database(db).await;
    let standin = StandIn::start().await;
    let config = standin::config(WebhookKeys::published().unwrap(), &standin.base);
    let highlevel = HighLevel::start(db.store.clone(), config, IntakeLimits::default()).await.unwrap();
    Connected { db, standin, highlevel }
}

impl Connected {
    /// What the OAuth callback does: exchange the code, create the agency and save its token.
    async fn install(&self) {
        let tokens = self.highlevel.crm.tokens();
        let grant = tokens.oauth().exchange_code(standin::AUTH_CODE).await.unwrap();
        assert_eq!(grant.fields.company_id.as_deref(), Some(COMPANY));
        assert_eq!(grant.fields.approved_locations, [LOCATION]);
        self.db.store.install_company(COMPANY, Some("Northwind Agency")).await.unwrap();
        tokens.save_company_grant(COMPANY, &grant).await.unwrap();
        self.db.store.install_location(&location(), COMPANY, "Acme Plumbing", "America/Chicago").await.unwrap();
    }
}

#[test]
fn the_install_link_goes_to_chooselocation_with_the_scopes() {
    let config = standin::config(WebhookKeys::published().unwrap(), "https://services.example");
    let api = server::highlevel::api::Api::new(&config.api_base).unwrap();
    let oauth = server::highlevel::oauth::OAuth::new(&config, api.http().clone()).unwrap();
    let url = oauth.install_url("state-1");
    assert!(url.starts_with("https://services.example/v2/oauth/chooselocation?"), "{url}");
    for part in [
        "response_type=code",
        "client_id=68a32958b5154ca8bbdc4d40-meh5chaj",
        "redirect_uri=http%3A%2F%2F127.0.0.1%2Foauth%2Fhighlevel%2Fcallback",
        "scope=contacts.readonly+contacts.write+opportunities.readonly",
        "oauth.write+voice-ai-dashboard.readonly",
        "state=state-1",
    ] {
        assert!(url.contains(part), "{part} in {url}");
    }
}

async fn an_install_mints_location_tokens_and_seals_them(db: Db) {
    let c = connect(db).await;
    c.install().await;
    let token = c.highlevel.crm.tokens().location(&location()).await.unwrap();
    assert!(token.expose().starts_with("location-access-"));
    assert_eq!(c.highlevel.crm.tokens().location(&location()).await.unwrap(), token, "reused while fresh");
    assert_eq!(c.standin.mints(), 1);
    // At rest, nothing is readable.
    let stored: Vec<(Option<String>,)> =
        sqlx::query_as("SELECT access_token FROM hl_locations UNION ALL SELECT refresh_token FROM hl_companies")
            .fetch_all(c.db.store.pool())
            .await
            .unwrap();
    for (sealed,) in stored {
        let sealed = sealed.unwrap();
        assert!(sealed.starts_with("v2:") && !sealed.contains("access") && !sealed.contains("refresh"), "{sealed}");
    }
    // An uninstalled location has no token to give.
    assert!(c.db.store.uninstall_location(&location()).await.unwrap());
    let error = c.highlevel.crm.tokens().location(&location()).await.unwrap_err();
    assert!(error.to_string().contains("is not installed"), "{error}");
    c.standin.assert_spec_clean();
}

async fn a_stale_agency_token_is_refreshed_once_and_the_new_refresh_token_kept(db: Db) {
    let c = connect(db).await;
    c.standin.set_company_expires_in(30); // under a minute: stale on arrival
    c.install().await;
    c.standin.set_company_expires_in(86_399);
    let tokens = c.highlevel.crm.tokens().clone();
    let calls = (0..8).map(|_| {
        let tokens = tokens.clone();
        tokio::spawn(async move { tokens.company(COMPANY).await.unwrap() })
    });
    let results = futures::future::join_all(calls).await;
    assert_eq!(c.standin.refreshes(), 1, "eight callers, one refresh");
    let first = results[0].as_ref().unwrap().clone();
    assert!(results.iter().all(|r| r.as_ref().unwrap() == &first));
    // The refresh token was single-use: a second refresh works only with the rotated one.
    c.standin.revoke_access_tokens();
    tokens.company_rejected(COMPANY).await.unwrap();
    assert_ne!(tokens.company(COMPANY).await.unwrap(), first);
    assert_eq!(c.standin.refreshes(), 2);
    c.standin.assert_spec_clean();
}

async fn a_refused_token_is_replaced_and_the_call_made_again(db: Db) {
    let c = connect(db).await;
    c.install().await;
    let crm = &c.highlevel.crm;
    assert_eq!(crm.get_contact(&location(), &contact()).await.unwrap().name, "Olivia Hart");
    // HighLevel stops accepting every access token: the location token is re-minted, which
    // needs the agency token refreshed first.
    c.standin.revoke_access_tokens();
    assert_eq!(crm.get_contact(&location(), &contact()).await.unwrap().name, "Olivia Hart");
    assert_eq!((c.standin.mints(), c.standin.refreshes()), (2, 1));
    c.standin.assert_spec_clean();
}

async fn every_crm_call_is_one_the_spec_accepts(db: Db) {
    let c = connect(db).await;
    c.install().await;
    let crm = &c.highlevel.crm;
    // A staff member who signed in from HighLevel is credited with their HighLevel id.
    let note = NewNote { body: "Inspection: pass".to_owned(), user_id: Some(format!("hl-{}", standin::USER)) };
    assert_eq!(crm.create_note(&location(), &contact(), &note).await.unwrap().contact_id, CONTACT);
    assert_eq!(c.standin.crm(|crm| crm.notes[0]["userId"].clone()), serde_json::json!(standin::USER));

    let fields = crm.custom_fields(&location()).await.unwrap();
    let keys: Vec<(&str, CrmFieldType)> = fields.iter().map(|f| (f.key.as_str(), f.data_type)).collect();
    assert_eq!(
        keys,
        [
            ("inspection_outcome", CrmFieldType::SingleOptions),
            ("budget", CrmFieldType::Monetory),
            ("services", CrmFieldType::Checkbox)
        ],
        "keys without `contact.`; a data type OpsFlow does not know is left out"
    );
    let updates: Vec<CustomFieldUpdate> = [
        (0, CrmFieldValue::Text("Pass".to_owned())),
        (1, CrmFieldValue::Number(1250.5)),
        (2, CrmFieldValue::List(vec!["Plumbing".to_owned(), "Tiling".to_owned()])),
    ]
    .into_iter()
    .map(|(at, field_value)| CustomFieldUpdate { id: fields[at].id.clone(), key: fields[at].key.clone(), field_value })
    .collect();
    crm.update_contact_custom_fields(&location(), &contact(), &updates, &Cause::Api { key_id: None }).await.unwrap();
    let sent = c.standin.crm(|crm| crm.field_updates[0].clone());
    assert_eq!(sent[1], serde_json::json!({"id": standin::FIELD_BUDGET, "key": "budget", "field_value": 1250.5}));
    assert_eq!(sent[2]["field_value"], serde_json::json!(["Plumbing", "Tiling"]));

    let task = NewTask {
        title: "Follow up".to_owned(),
        body: "Created by OpsFlow".to_owned(),
        due_date: "2026-11-22T15:00:00Z".to_owned(),
        completed: false,
        // An OpsFlow-only account (signed in with a password) has no HighLevel id to assign.
        assigned_to: Some("0f3c9a7e5b2d4c1a8e6f".to_owned()),
    };
    assert_eq!(
        crm.create_task(&location(), &contact(), &task, &Cause::Api { key_id: None }).await.unwrap().title,
        "Follow up"
    );
    assert_eq!(c.standin.crm(|crm| crm.tasks[0].get("assignedTo").cloned()), None);

    let pipelines = crm.pipelines(&location()).await.unwrap();
    let stages: Vec<&str> = pipelines[0].stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(stages, ["New lead", "Site inspection", "Quoted"], "in `position` order");
    let moved = crm
        .move_opportunity(&location(), &opportunity(), PIPELINE, standin::STAGE_QUOTED, &Cause::Api { key_id: None })
        .await
        .unwrap();
    assert_eq!(moved.pipeline_stage_id, standin::STAGE_QUOTED);
    assert_eq!(
        crm.get_opportunity(&location(), &opportunity()).await.unwrap().pipeline_stage_id,
        standin::STAGE_QUOTED
    );
    // The move is recorded, so its webhook echo is recognised.
    let mut conn = c.db.store.pool().acquire().await.unwrap();
    assert!(c.db.store.take_echo(&mut conn, &location(), &opportunity(), standin::STAGE_QUOTED).await.unwrap());
    assert!(!c.db.store.take_echo(&mut conn, &location(), &opportunity(), standin::STAGE_QUOTED).await.unwrap());

    let users = crm.users(&location()).await.unwrap();
    assert_eq!(users.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["Sam Rivera"], "deleted users left out");

    // Cached: a second read of the definitions does not call HighLevel.
    let before = c.standin.requests().len();
    crm.pipelines(&location()).await.unwrap();
    crm.custom_fields(&location()).await.unwrap();
    assert_eq!(c.standin.requests().len(), before);
    crm.forget_cache(&location());
    crm.pipelines(&location()).await.unwrap();
    assert_eq!(c.standin.requests().len(), before + 1);

    let api_calls: Vec<_> = c.standin.requests().into_iter().filter(|r| r.path != "/oauth/token").collect();
    assert!(api_calls.iter().all(|r| r.version.as_deref() == Some("2021-07-28")), "{api_calls:#?}");
    c.standin.assert_spec_clean();
}

async fn errors_say_whether_trying_again_can_help(db: Db) {
    use axum::http::Method;
    let c = connect(db).await;
    c.install().await;
    let crm = &c.highlevel.crm;
    let note = NewNote { body: "Hello".to_owned(), user_id: None };
    for (status, retry_after) in [(500, None), (502, None), (429, Some(1))] {
        c.standin.fail_next(Method::POST, "/notes", status, retry_after);
        let error = crm.create_note(&location(), &contact(), &note).await.unwrap_err();
        assert!(matches!(error, CrmError::Unavailable(_)), "{status}: {error:?}");
    }
    c.standin.fail_next(Method::POST, "/notes", 400, None);
    let error = crm.create_note(&location(), &contact(), &note).await.unwrap_err();
    assert_eq!(error, CrmError::Rejected("injected 400 Bad Request".to_owned()));
    let missing = crm.get_contact(&location(), &"no-such-contact".into()).await.unwrap_err();
    assert_eq!(missing, CrmError::NotFound("Contact no-such-contact".to_owned()));
    // After the 429 asked for a second's pause, the next call waited for it and went through.
    assert!(crm.create_note(&location(), &contact(), &note).await.is_ok());
    c.standin.assert_spec_clean();
}

on_both_backends!(
    an_install_mints_location_tokens_and_seals_them,
    a_stale_agency_token_is_refreshed_once_and_the_new_refresh_token_kept,
    a_refused_token_is_replaced_and_the_call_made_again,
    every_crm_call_is_one_the_spec_accepts,
    errors_say_whether_trying_again_can_help,
);

/// The stand-in's check is only worth something if it refuses what HighLevel would.
mod spec_check {
    use crate::standin::openapi::{Request, Spec};

    fn check(method: &str, path: &str, query: &[(&str, &str)], headers: &[(&str, &str)], body: &str) -> Vec<String> {
        let query: Vec<(String, String)> = query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let headers: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let request = Request { method, path, query: &query, headers: &headers, body: body.as_bytes() };
        Spec::load().check(&request).err().unwrap_or_default()
    }

    const GOOD: &[(&str, &str)] =
        &[("version", "2021-07-28"), ("authorization", "Bearer t"), ("content-type", "application/json")];

    #[test]
    fn a_well_formed_task_passes() {
        let body = r#"{"title":"Call back","dueDate":"2026-11-22T09:00:00Z","completed":false}"#;
        assert_eq!(check("POST", "/contacts/c1/tasks", &[], GOOD, body), Vec::<String>::new());
    }

    #[test]
    fn requests_the_spec_rejects_are_caught() {
        let no_due = check("POST", "/contacts/c1/tasks", &[], GOOD, r#"{"title":"x","completed":false}"#);
        assert_eq!(no_due, ["body.dueDate is required"]);
        let typo = check("POST", "/contacts/c1/notes", &[], GOOD, r#"{"body":"x","user_id":"u"}"#);
        assert_eq!(typo, ["body.user_id is not a property the spec declares"]);
        let wrong_type = check("PUT", "/opportunities/o1", &[], GOOD, r#"{"pipelineStageId":7}"#);
        assert_eq!(wrong_type, ["body.pipelineStageId should be string, is 7"]);
        let bad_status = check("PUT", "/opportunities/o1", &[], GOOD, r#"{"status":"closed"}"#);
        assert!(bad_status[0].contains("is not one of"), "{bad_status:?}");
        let old_version = [("version", "2023-02-21"), ("authorization", "Bearer t")];
        assert!(check("GET", "/contacts/c1", &[], &old_version, "")[0].contains("`Version` = `2023-02-21`"));
        let anonymous = check("GET", "/contacts/c1", &[], &[("version", "2021-07-28")], "");
        assert!(anonymous[0].contains("Authorization"), "{anonymous:?}");
        let no_location = check("GET", "/opportunities/pipelines", &[], GOOD, "");
        assert_eq!(no_location, ["missing required \"query\" parameter `locationId`"]);
        let snake = check("GET", "/opportunities/pipelines", &[("location_id", "l1")], GOOD, "");
        assert!(snake.iter().any(|p| p.contains("unknown query parameter `location_id`")), "{snake:?}");
        let unknown = check("POST", "/contacts/c1/appointments-typo", &[], GOOD, "{}");
        assert!(unknown[0].starts_with("no operation"), "{unknown:?}");
        let field = r#"{"customFields":[{"key":"budget","field_value":10}]}"#;
        assert!(check("PUT", "/contacts/c1", &[], GOOD, field)[0].contains("none of the anyOf"), "id is required");
        let json_token = check("POST", "/oauth/token", &[], &[("content-type", "application/json")], "{}");
        assert!(json_token[0].contains("application/x-www-form-urlencoded"), "{json_token:?}");
    }
}
