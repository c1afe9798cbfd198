//! Webhooks from receipt to forms: signed deliveries over HTTP are stored, then processed from
//! the store against the stand-in HighLevel — stage changes (with repeats and the echo of
//! OpsFlow's own moves ignored), Voice AI call ends, INSTALL and UNINSTALL, retries when
//! HighLevel is unavailable, and the catch-up job for a webhook that never came.
#![expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]

use crate::common::Db;
use crate::connected::{self, location, opportunity, stage_update, start};
use crate::standin::{self, COMPANY, CONTACT, LOCATION, OPPORTUNITY, PIPELINE, STAGE_INSPECTION, STAGE_QUOTED};
use app::model::{Cause, Currency, Locale, NumberFormat};
use serde_json::{Value, json};
use server::crm::Crm;
use server::highlevel::catch_up::CatchUp;

async fn a_stage_change_webhook_becomes_a_pending_form_once(db: Db) {
    let f = start(db).await;
    f.install().await;
    f.triggers().await;
    f.deliver(stage_update(STAGE_INSPECTION), "wh-1").await;
    assert_eq!(f.processor.round().await.unwrap(), 1);
    assert_eq!(
        f.outcome("wh-1").await,
        ("processed".to_owned(), "moved to Site inspection: 1 form(s) created".to_owned())
    );
    let forms = f.pending().await;
    assert_eq!(forms.len(), 1);
    assert_eq!(
        (forms[0].contact_name.as_str(), forms[0].context.as_str()),
        ("Olivia Hart", "Renovations › Site inspection")
    );
    assert_eq!(forms[0].opportunity_id.as_deref(), Some(OPPORTUNITY));

    // A redelivery is stored once; a second webhook for the same stage (another id) is a repeat.
    assert_eq!(f.deliver(stage_update(STAGE_INSPECTION), "wh-1").await, json!({"status": "duplicate"}));
    f.deliver(stage_update(STAGE_INSPECTION), "wh-2").await;
    f.processor.round().await.unwrap();
    assert_eq!(f.outcome("wh-2").await, ("ignored".to_owned(), "already known to be at Site inspection".to_owned()));

    // OpsFlow moves the opportunity itself; HighLevel's webhook about it is an echo.
    f.highlevel
        .crm
        .move_opportunity(&location(), &opportunity(), PIPELINE, STAGE_QUOTED, &Cause::Api { key_id: None })
        .await
        .unwrap();
    f.deliver(stage_update(STAGE_QUOTED), "wh-3").await;
    // Moved back by a person in HighLevel: a real change, and a form again.
    f.deliver(stage_update(STAGE_INSPECTION), "wh-4").await;
    f.processor.round().await.unwrap();
    // No form for the echo; the record's history has the move all the same.
    assert_eq!(
        f.outcome("wh-3").await.1,
        "the echo of OpsFlow's own pipeline move; opportunity_updated, opportunity_stage_changed"
    );
    assert_eq!(f.outcome("wh-4").await.0, "processed");
    assert_eq!(f.pending().await.len(), 2);
    assert_eq!(f.db.store.pending_webhook_count().await.unwrap(), 0);
    f.standin.assert_spec_clean();
}

async fn a_voice_ai_call_end_becomes_a_form_and_trial_calls_do_not(db: Db) {
    let f = start(db).await;
    f.install().await;
    f.triggers().await;
    // As documented: no `type`.
    let call = json!({"id": "CALL_1", "locationId": LOCATION, "agentId": "agent-1", "contactId": CONTACT,
                      "summary": "Asked for a quote for a new boiler.", "transcript": "bot: Hello\nhuman: Hi",
                      "duration": 187, "trialCall": false});
    f.deliver(call.clone(), "call-1").await;
    let mut trial = call;
    trial["id"] = json!("CALL_2");
    trial["trialCall"] = json!(true);
    f.deliver(trial, "call-2").await;
    f.processor.round().await.unwrap();
    assert_eq!(f.outcome("call-1").await.0, "processed");
    assert_eq!(f.outcome("call-2").await, ("ignored".to_owned(), "a trial call from the agent builder".to_owned()));
    let forms = f.pending().await;
    assert_eq!((forms.len(), forms[0].context.as_str()), (1, "Call Completed"));
    f.standin.assert_spec_clean();
}

async fn install_and_uninstall_webhooks_manage_the_sub_account(db: Db) {
    let f = start(db).await;
    // The agency's token arrives first (the OAuth callback), then INSTALL for one location.
    let tokens = f.highlevel.crm.tokens();
    let grant = tokens.oauth().exchange_code(standin::AUTH_CODE).await.unwrap();
    f.db.store.install_company(COMPANY, Some("Northwind Agency")).await.unwrap();
    tokens.save_company_grant(COMPANY, &grant).await.unwrap();
    let install = json!({"type": "INSTALL", "appId": "app", "companyId": COMPANY, "locationId": LOCATION,
                         "companyName": "Northwind Renovations"});
    f.deliver(install, "i-1").await;
    f.processor.round().await.unwrap();
    assert_eq!(f.outcome("i-1").await.1, format!("sub-account {LOCATION} installed"));
    let sub_account = f.db.store.sub_account(&location()).await.unwrap().unwrap();
    assert_eq!((sub_account.name.as_str(), sub_account.time_zone.as_str()), ("Acme Plumbing", "America/Chicago"));
    // Numbers and money follow the location's country (Canada) until an admin chooses.
    let canadian = NumberFormat { locale: Locale::EnCa, currency: Currency::Cad };
    assert_eq!((sub_account.country.as_deref(), sub_account.number_format()), (Some("CA"), canadian));
    assert_eq!(sub_account.number_format_origin(), app::api::types::FormatOrigin::Country("CA".to_owned()));
    let agency: String = sqlx::query_scalar("SELECT name FROM agencies WHERE id = $1")
        .bind(COMPANY)
        .fetch_one(f.db.store.pool())
        .await
        .unwrap();
    assert_eq!(agency, "Northwind Renovations", "HighLevel's name for the agency, from INSTALL");

    f.triggers().await;
    let admin = f.member(app::model::Role::Admin).await;
    let key = {
        use app::api::ports::ApiKeysPort;
        f.service.create_api_key(&admin, &location(), "Zapier").await.unwrap().key
    };
    assert!(f.service.key_holder(&key).await.is_ok());
    f.deliver(json!({"type": "UNINSTALL", "appId": "app", "locationId": LOCATION}), "u-1").await;
    f.processor.round().await.unwrap();
    assert_eq!(f.outcome("u-1").await.0, "processed");
    // Its triggers stop; its data stays.
    f.deliver(stage_update(STAGE_INSPECTION), "after-uninstall").await;
    f.processor.round().await.unwrap();
    assert_eq!(
        f.outcome("after-uninstall").await,
        ("ignored".to_owned(), format!("sub-account {LOCATION} is not installed"))
    );
    assert!(f.db.store.sub_account(&location()).await.unwrap().is_some());
    assert_eq!(f.db.store.triggers(&connected::tenant()).await.unwrap().len(), 2);
    // Its API keys end with it.
    assert_eq!(f.service.key_holder(&key).await.unwrap_err(), app::api::AppError::ApiKeyRequired);
    let error = f.highlevel.crm.tokens().location(&location()).await.unwrap_err();
    assert!(error.to_string().contains("not installed"), "{error}");
    // Reinstalling brings it back as it was.
    f.deliver(json!({"type": "INSTALL", "appId": "app", "companyId": COMPANY, "locationId": LOCATION}), "i-2").await;
    f.deliver(stage_update(STAGE_INSPECTION), "after-reinstall").await;
    f.processor.round().await.unwrap();
    assert_eq!(f.outcome("after-reinstall").await.0, "processed");
    assert_eq!(f.pending().await.len(), 1);
    f.standin.assert_spec_clean();
}

async fn a_webhook_that_fails_while_highlevel_is_down_is_retried(db: Db) {
    use axum::http::Method;
    let f = start(db).await;
    f.install().await;
    f.triggers().await;
    f.standin.fail_next(Method::GET, "/contacts/", 503, None);
    f.deliver(stage_update(STAGE_INSPECTION), "wh-retry").await;
    f.processor.round().await.unwrap();
    let (state, outcome) = f.outcome("wh-retry").await;
    assert_eq!(state, "pending");
    assert!(outcome.starts_with("attempt 1 failed: HighLevel is unavailable") || outcome.contains("503"), "{outcome}");
    assert!(f.pending().await.is_empty(), "nothing half-done");
    // Not before its backoff ends...
    assert_eq!(f.processor.round().await.unwrap(), 0);
    sqlx::query("UPDATE hl_webhooks SET lease_until = 0").execute(f.db.store.pool()).await.unwrap();
    f.processor.round().await.unwrap();
    assert_eq!(f.outcome("wh-retry").await.0, "processed");
    assert_eq!(f.pending().await.len(), 1);
    // A contact HighLevel does not have is final.
    let mut missing = stage_update(STAGE_QUOTED);
    missing["contactId"] = json!("no-such-contact");
    f.deliver(missing, "wh-missing").await;
    f.processor.round().await.unwrap();
    let (state, outcome) = f.outcome("wh-missing").await;
    assert_eq!((state.as_str(), outcome.as_str()), ("failed", "Contact no-such-contact was not found in the CRM"));
    f.standin.assert_spec_clean();
}

async fn the_catch_up_job_finds_a_change_whose_webhook_was_lost(db: Db) {
    let f = start(db).await;
    f.install().await;
    f.triggers().await;
    let catch_up = CatchUp::new(f.db.store.clone(), f.highlevel.crm.clone(), f.highlevel.intake.clone());
    // Moved in HighLevel; the webhook never arrives.
    f.standin.move_in_highlevel(OPPORTUNITY, STAGE_INSPECTION);
    assert_eq!(catch_up.location(&location()).await.unwrap(), 1);
    assert_eq!(catch_up.location(&location()).await.unwrap(), 0, "the same change is fed once");
    f.processor.round().await.unwrap();
    assert_eq!(f.pending().await.len(), 1);
    // Moved again, and this time the webhook does arrive first: the catch-up adds nothing.
    f.standin.move_in_highlevel(OPPORTUNITY, STAGE_QUOTED);
    let webhook = f.standin.move_in_highlevel(OPPORTUNITY, STAGE_INSPECTION);
    f.deliver(webhook, "late-but-there").await;
    f.processor.round().await.unwrap();
    assert_eq!(f.pending().await.len(), 1, "Site inspection again, but it never left it as far as OpsFlow saw");
    catch_up.location(&location()).await.unwrap();
    f.processor.round().await.unwrap();
    assert_eq!(f.pending().await.len(), 1);
    f.standin.assert_spec_clean();
}

/// A stage change and its catch-up copy, processed at the same moment by two instances: the
/// second waits for the first and finds the stage already recorded, so one form is made.
async fn one_stage_change_recorded_twice_at_once_moves_once(db: Db) {
    let flow = start(db).await;
    let store = flow.db.store.clone();
    let mut first = store.begin().await.unwrap();
    assert!(store.track_stage(&mut first, &location(), &opportunity(), PIPELINE, STAGE_INSPECTION).await.unwrap());
    let second = tokio::spawn({
        let store = store.clone();
        async move {
            let mut tx = store.begin().await.unwrap();
            let moved =
                store.track_stage(&mut tx, &location(), &opportunity(), PIPELINE, STAGE_INSPECTION).await.unwrap();
            tx.commit().await.unwrap();
            moved
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    first.commit().await.unwrap();
    assert!(!second.await.unwrap(), "the second writer saw the first one's stage");
    let mut third = store.begin().await.unwrap();
    assert!(store.track_stage(&mut third, &location(), &opportunity(), PIPELINE, STAGE_QUOTED).await.unwrap());
    third.commit().await.unwrap();
}

/// HighLevel's record webhooks (the documented shapes, reference §5.2–5.3) become the modules'
/// events, each change computed against the record's last snapshot, since no webhook carries
/// previous values; a repeat of what is known fires nothing.
async fn record_webhooks_become_module_events(db: Db) {
    use app::model::{EventType, Module};
    use server::db::stream::StreamQuery;
    let f = start(db).await;
    f.install().await;
    let history = async |module: Module, id: &str| {
        let query = StreamQuery { module: Some(module), record_id: Some(id), limit: 100, ..StreamQuery::default() };
        let mut events = f.db.store.record_events(&connected::tenant(), &query).await.unwrap();
        events.reverse();
        events
    };
    let types = |events: &[app::model::RecordEvent]| events.iter().map(|e| e.event_type.as_str()).collect::<Vec<_>>();

    // A contact: created, then assigned and tagged; the same update again changes nothing.
    let contact = json!({"type": "ContactCreate", "locationId": LOCATION, "id": "c-new", "name": "Ana Ruiz",
        "email": "ana@example.com", "assignedTo": "u-1", "tags": [], "source": "form", "dateAdded": "2026-12-01T09:00:00Z"});
    f.deliver(contact.clone(), "c-1").await;
    let mut update = contact.clone();
    update["type"] = json!("ContactUpdate");
    update["assignedTo"] = json!("u-2");
    update["tags"] = json!(["vip"]);
    f.deliver(update.clone(), "c-2").await;
    f.deliver(update, "c-3").await;
    f.processor.round().await.unwrap();
    let events = history(Module::Contacts, "c-new").await;
    assert_eq!(types(&events), ["contact_created", "contact_updated", "contact_assigned"]);
    assert_eq!(Value::Object(events[2].previous.clone()), json!({"ownerId": "u-1", "tags": []}));
    assert_eq!((&events[2].record["firstName"], &events[2].record["ownerId"]), (&json!("Ana Ruiz"), &json!("u-2")));
    assert!(events.iter().all(|e| matches!(e.cause, Cause::HighLevel { .. })), "HighLevel caused them");
    assert_eq!(
        f.outcome("c-2").await,
        ("processed".to_owned(), "stored; contact_updated, contact_assigned".to_owned())
    );
    assert_eq!(f.outcome("c-3").await, ("processed".to_owned(), "stored".to_owned()), "nothing changed");

    // An opportunity won; its stage moved (the form path runs beside it).
    let deal = json!({"type": "OpportunityCreate", "locationId": LOCATION, "id": OPPORTUNITY, "contactId": CONTACT,
        "name": "Kitchen remodel", "pipelineId": PIPELINE, "pipelineStageId": STAGE_INSPECTION, "status": "open",
        "monetaryValue": 40, "assignedTo": "u-1"});
    f.deliver(deal.clone(), "o-1").await;
    f.processor.round().await.unwrap();
    f.deliver(stage_update(STAGE_QUOTED), "o-2").await;
    f.processor.round().await.unwrap();
    let mut won = deal;
    won["type"] = json!("OpportunityStatusUpdate");
    won["pipelineStageId"] = json!(STAGE_QUOTED);
    won["status"] = json!("won");
    f.deliver(won, "o-3").await;
    f.processor.round().await.unwrap();
    let events = history(Module::Opportunities, OPPORTUNITY).await;
    assert_eq!(
        types(&events),
        [
            "opportunity_created",
            "opportunity_updated",
            "opportunity_stage_changed",
            "opportunity_updated",
            "opportunity_won"
        ]
    );
    assert_eq!(Value::Object(events[2].previous.clone()), json!({"stageId": STAGE_INSPECTION}));
    assert_eq!(Value::Object(events[4].previous.clone()), json!({"status": "open"}));

    // Tasks: created then completed; a task first seen completing is known to have been open.
    let task = json!({"type": "TaskCreate", "locationId": LOCATION, "id": "t-1", "title": "Call back",
        "dueDate": "2026-12-03T09:00:00Z", "assignedTo": "u-1"});
    f.deliver(task.clone(), "t-1").await;
    let mut done = task;
    done["type"] = json!("TaskComplete");
    f.deliver(done.clone(), "t-2").await;
    done["id"] = json!("t-unseen");
    f.deliver(done, "t-3").await;
    f.processor.round().await.unwrap();
    assert_eq!(types(&history(Module::Tasks, "t-1").await), ["task_created", "task_updated", "task_completed"]);
    let unseen = history(Module::Tasks, "t-unseen").await;
    assert_eq!(types(&unseen), ["task_updated", "task_completed"]);
    assert_eq!(Value::Object(unseen[1].previous.clone()), json!({"completed": false}));

    // A lead: a contact HighLevel calls a lead (read from the contact) is the leads module's;
    // once it is a customer, the lead is converted and the contact is new to contacts.
    let lead = json!({"id": "c-lead", "locationId": LOCATION, "firstName": "Lee", "lastName": "Park", "type": "lead"});
    f.standin.put_contact(lead.clone());
    let created = json!({"type": "ContactCreate", "locationId": LOCATION, "id": "c-lead", "firstName": "Lee",
        "lastName": "Park", "source": "ads", "tags": ["hot"]});
    f.deliver(created.clone(), "l-1").await;
    let mut assigned = created.clone();
    assigned["type"] = json!("ContactUpdate");
    assigned["assignedTo"] = json!("u-1");
    f.deliver(assigned.clone(), "l-2").await;
    f.processor.round().await.unwrap();
    let mut customer = lead;
    customer["type"] = json!("customer");
    f.standin.put_contact(customer);
    f.deliver(assigned, "l-3").await;
    f.processor.round().await.unwrap();
    let lead_history = history(Module::Leads, "c-lead").await;
    assert_eq!(
        types(&lead_history),
        ["lead_created", "lead_updated", "lead_assigned", "lead_updated", "lead_converted"]
    );
    assert!(lead_history[0].record.get("tags").is_none(), "leads have no tags");
    assert_eq!(Value::Object(lead_history[4].previous.clone()), json!({"contactId": null, "converted": false}));
    assert_eq!(types(&history(Module::Contacts, "c-lead").await), ["contact_created"]);

    // A contact first seen in an update: its snapshot is kept; only later changes fire.
    let seen_late = json!({"type": "ContactUpdate", "locationId": LOCATION, "id": "c-old", "name": "Old Friend",
        "assignedTo": "u-1"});
    f.deliver(seen_late.clone(), "c-4").await;
    let mut reassigned = seen_late;
    reassigned["assignedTo"] = json!("u-2");
    f.deliver(reassigned, "c-5").await;
    f.processor.round().await.unwrap();
    assert_eq!(types(&history(Module::Contacts, "c-old").await), ["contact_updated", "contact_assigned"]);
    assert!(history(Module::Contacts, "c-old").await.iter().all(|e| e.event_type != EventType::ContactCreated));
}

on_both_backends!(
    record_webhooks_become_module_events,
    one_stage_change_recorded_twice_at_once_moves_once,
    a_stage_change_webhook_becomes_a_pending_form_once,
    a_voice_ai_call_end_becomes_a_form_and_trial_calls_do_not,
    install_and_uninstall_webhooks_manage_the_sub_account,
    a_webhook_that_fails_while_highlevel_is_down_is_retried,
    the_catch_up_job_finds_a_change_whose_webhook_was_lost,
);

async fn the_install_link_and_callback_connect_the_agency_and_its_sub_accounts(db: Db) {
    let f = start(db).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let started = http.get(format!("{}/oauth/highlevel/install", f.base)).send().await.unwrap();
    assert_eq!(started.status(), 303);
    let redirect = started.headers()["location"].to_str().unwrap().to_owned();
    assert!(redirect.starts_with(&format!("{}/v2/oauth/chooselocation?", f.standin.base)), "{redirect}");
    let cookie = started.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let state = cookie.split_once('=').unwrap().1.to_owned();
    assert!(redirect.contains(&format!("state={state}")), "{redirect}");

    let callback = |query: String, cookie: Option<String>| {
        let mut request = http.get(format!("{}/oauth/highlevel/callback?{query}", f.base));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let (status, text) = callback(format!("code={}&state=forged", standin::AUTH_CODE), Some(cookie.clone())).await;
    assert_eq!(status, 400);
    assert!(text.contains("was not started here"), "{text}");
    assert_eq!(callback("state=x".to_owned(), None).await.0, 400);
    assert!(f.db.store.sub_account(&location()).await.unwrap().is_none(), "nothing installed by a refused callback");

    let (status, text) = callback(format!("code={}&state={state}", standin::AUTH_CODE), Some(cookie)).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("OpsFlow is installed in 1 sub-account: Acme Plumbing."), "{text}");
    let sub_account = f.db.store.sub_account(&location()).await.unwrap().unwrap();
    assert_eq!((sub_account.agency_id.as_str(), sub_account.time_zone.as_str()), (COMPANY, "America/Chicago"));
    let agency: String = sqlx::query_scalar("SELECT name FROM agencies").fetch_one(f.db.store.pool()).await.unwrap();
    assert_eq!(agency, format!("HighLevel agency {COMPANY}"), "until HighLevel says its name");
    // Its token is minted on demand from the agency's.
    assert_eq!(f.highlevel.crm.get_contact(&location(), &connected::contact()).await.unwrap().name, "Olivia Hart");
    // A code used once does not install again.
    let (status, text) = callback(format!("code={}", "used-code"), None).await;
    assert_eq!(status, 502);
    assert!(text.contains("HighLevel did not accept the install"), "{text}");
    f.standin.assert_spec_clean();
}

on_both_backends!(the_install_link_and_callback_connect_the_agency_and_its_sub_accounts);
