//! `form_submitted` on real databases: staff submit forms in the inbox, and each submission starts
//! — in its own transaction, once — the workflows whose filters its answers pass; the answers
//! the rule engine hid are not among them, and the steps act on the form's contact.
#![expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]

use app::api::AppError;
use app::api::ports::{CrmViewPort, InboxPort, RecordsPort, SubAccountsPort, TriggersPort};
use app::api::types::InboxQuery;
use app::model::workflow::Workflow;
use app::model::workflow::history::{Run, RunStatus};
use app::model::{
    Answer, Answers, Cause, ContactId, EventType, FormId, Module, TriggerConfig, TriggerEvent, TriggerModule,
    Writebacks,
};
use serde_json::json;

use crate::common::{Db, Fixture, fixture};
use crate::workflow_runs::{editor, engine};

fn answers(pairs: &[(&str, &str)]) -> Answers {
    pairs.iter().map(|(key, value)| ((*key).to_owned(), Answer::One((*value).to_owned()))).collect()
}

/// A Job Complete form for the contact, as a finished call makes one (the trigger below).
async fn new_form(f: &Fixture, contact: &ContactId) -> FormId {
    let before = f.service.pending_forms(&f.sam, &f.acme, &InboxQuery::default()).await.unwrap().rows;
    f.service.log_call(&f.sam, &f.acme, contact, "Job visit", "").await.unwrap();
    let after = f.service.pending_forms(&f.sam, &f.acme, &InboxQuery::default()).await.unwrap().rows;
    let new: Vec<FormId> =
        after.into_iter().map(|row| row.id).filter(|id| !before.iter().any(|row| row.id == *id)).collect();
    assert_eq!(new.len(), 1, "one form per call");
    new[0].clone()
}

async fn runs_of(f: &Fixture, workflow: &Workflow) -> Vec<Run> {
    f.service.workflow_runs(&f.tenant(&f.acme), &workflow.id, 1, 100).await.unwrap().data
}

async fn a_submitted_form_starts_the_workflows_its_answers_pass_once(db: Db) {
    let f = fixture(db).await;
    f.service.open_sub_account(&f.admin, &f.acme).await.unwrap();
    let template = f.template_id(&f.acme, "Job Complete").await;
    let call = TriggerConfig {
        event: TriggerEvent::CallCompleted,
        template_id: template.clone(),
        writebacks: Writebacks::default(),
    };
    f.service.add_trigger(&f.admin, &f.acme, call).await.unwrap();
    let sam = f.sam.id.to_string();
    let editor = editor(&f, &f.acme).await;
    // A finished job with a real invoice: a task to send it, and Sam told.
    let invoice = f
        .service
        .create_workflow(&editor, &json!({
            "name": "Invoice the job", "triggerModule": "forms", "triggerType": "form_submitted", "isActive": true,
            "triggerFilters": {"logic": "AND", "conditions": [
                {"field": "templateId", "operator": "equals", "value": template},
                {"field": "answers.completed", "operator": "equals", "value": "Yes"},
                {"field": "answers.invoice_amount", "operator": "greater_than", "value": 400}
            ]},
            "actions": [
                {"actionType": "create_task", "sortOrder": 1,
                 "config": {"title": "Invoice {{trigger.contactName}}: {{trigger.answers.invoice_amount}}"}},
                {"actionType": "add_tag", "sortOrder": 2, "config": {"tags": ["job {{trigger.answers.completed}}"]}},
                {"actionType": "send_notification", "sortOrder": 3,
                 "config": {"recipients": [sam], "title": "{{trigger.templateName}}: {{trigger.answers.hours}} h"}}
            ]
        }))
        .await
        .unwrap();
    // A job left undone: Sam is told what is left (the invoice is hidden then, so it is empty).
    let undone = f
        .service
        .create_workflow(&editor, &json!({
            "name": "Job left undone", "triggerModule": "forms", "triggerType": "form_submitted", "isActive": true,
            "triggerFilters": {"logic": "AND", "conditions": [
                {"field": "answers.completed", "operator": "equals", "value": "No"}
            ]},
            "actions": [{"actionType": "send_notification", "sortOrder": 1,
                "config": {"recipients": [sam],
                           "title": "Left: {{trigger.answers.incomplete_reason}}{{trigger.answers.invoice_amount}}"}}]
        }))
        .await
        .unwrap();
    let tenant = f.tenant(&f.acme);
    let listed = f.service.workflows(&tenant, Some(TriggerModule::Forms)).await.unwrap();
    assert_eq!(listed.iter().map(|w| w.name.as_str()).collect::<Vec<_>>(), ["Invoice the job", "Job left undone"]);
    assert!(f.service.workflows(&tenant, Some(Module::Contacts.into())).await.unwrap().is_empty());

    let person = Cause::Person { user_id: f.admin.id.clone() };
    let values = json!({"firstName": "Ana", "lastName": "Lima"}).as_object().unwrap().clone();
    let ana = ContactId::from(
        f.service.builtin().create_record(&tenant, &person, Module::Contacts, &values).await.unwrap().id,
    );

    // Done and invoiced, submitted by four people at once: one submission counts, and it starts
    // the invoicing workflow once, in its own transaction (before any step has run).
    let done = new_form(&f, &ana).await;
    let given = answers(&[("completed", "Yes"), ("hours", "2.5"), ("invoice_amount", "450"), ("satisfaction", "9")]);
    let mut submits = Vec::new();
    for _ in 0..4 {
        let (service, user, acme, form, given) =
            (f.service.clone(), f.sam.clone(), f.acme.clone(), done.clone(), given.clone());
        submits.push(tokio::spawn(async move { service.submit_form(&user, &acme, &form, given, None).await }));
    }
    let mut accepted = 0;
    for submit in submits {
        match submit.await.unwrap() {
            Ok(_) => accepted += 1,
            Err(AppError::Conflict(_)) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(accepted, 1);
    let started = runs_of(&f, &invoice).await;
    assert_eq!(
        started.iter().map(|r| (r.trigger_type, r.record_id.as_str())).collect::<Vec<_>>(),
        [(EventType::FormSubmitted, done.as_str())]
    );
    assert!(runs_of(&f, &undone).await.is_empty());

    // Done, but a small job; and partly done: no filter passes, nothing starts.
    let small = new_form(&f, &ana).await;
    let given = answers(&[("completed", "Yes"), ("hours", "1"), ("invoice_amount", "120")]);
    f.service.submit_form(&f.sam, &f.acme, &small, given, None).await.unwrap();
    let partly = new_form(&f, &ana).await;
    let given = answers(&[("completed", "Partially"), ("incomplete_reason", "Second coat"), ("hours", "3")]);
    f.service.submit_form(&f.sam, &f.acme, &partly, given, None).await.unwrap();

    // Not done, with an invoice typed in anyway: the invoice was hidden, so it is not an answer.
    let left = new_form(&f, &ana).await;
    let given = answers(&[("completed", "No"), ("incomplete_reason", "Parts on order"), ("invoice_amount", "900")]);
    f.service.submit_form(&f.sam, &f.acme, &left, given, None).await.unwrap();
    assert_eq!(runs_of(&f, &invoice).await.len(), 1, "the small and the partial job start nothing");
    let left_runs = runs_of(&f, &undone).await;
    assert_eq!(left_runs.iter().map(|r| r.record_id.as_str()).collect::<Vec<_>>(), [left.as_str()]);
    let submitted: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE sub_account_id = $1 AND event_type = 'form_submitted'")
            .bind(f.acme.as_str())
            .fetch_one(f.store().pool())
            .await
            .unwrap();
    assert_eq!(submitted, 4, "one event per submitted form");

    assert_eq!(engine(f.store(), false).run_until_idle().await.unwrap(), 4);
    let run = f.service.workflow_run(&tenant, &started[0].id).await.unwrap();
    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    let answered = &run.trigger.as_ref().unwrap()["record"];
    assert_eq!((&answered["contactId"], &answered["submittedBy"]), (&json!(ana), &json!(sam)));
    let kept = json!({"completed": "Yes", "hours": 2.5, "invoice_amount": 450.0, "satisfaction": 9.0,
                      "follow_up_needed": false});
    assert_eq!(answered["answers"], kept, "an unticked box is a “no”");
    // The task and the tag are the form's contact's.
    let steps = run.steps.unwrap();
    let task_id = steps[0].output.as_ref().unwrap()["taskId"].as_str().unwrap().to_owned();
    let task = f.service.builtin().record(&tenant, Module::Tasks, &task_id).await.unwrap().unwrap();
    assert_eq!((&task["title"], &task["contactId"]), (&json!("Invoice Ana Lima: 450"), &json!(ana)));
    let contact = f.service.builtin().record(&tenant, Module::Contacts, &ana).await.unwrap().unwrap();
    assert_eq!(contact["tags"], json!(["job Yes"]));

    let run = f.service.workflow_run(&tenant, &left_runs[0].id).await.unwrap();
    assert_eq!(run.status, RunStatus::Completed, "{run:?}");
    let record = &run.trigger.as_ref().unwrap()["record"];
    assert_eq!(
        record["answers"],
        json!({"completed": "No", "incomplete_reason": "Parts on order", "follow_up_needed": false})
    );
    assert!(record["answers"].get("invoice_amount").is_none(), "a hidden field's answer is not there");

    let sam_at_acme = f.store().member(&f.sam.id, &f.acme).await.unwrap().unwrap();
    let (notes, _) = f.store().notifications(&sam_at_acme, 10).await.unwrap();
    let mut told: Vec<(String, Option<String>)> = notes.into_iter().map(|n| (n.title, n.link)).collect();
    told.sort();
    let link = |form: &FormId| Some(format!("/s/{}/forms/{form}", f.acme));
    assert_eq!(
        told,
        [("Job Complete: 2.5 h".to_owned(), link(&done)), ("Left: Parts on order".to_owned(), link(&left))]
    );

    // The submissions are not CRM records: the Activity does not list them.
    let activity = f.service.activity(&f.admin, &f.acme, None, None).await.unwrap();
    assert!(!activity.items.is_empty());
    assert!(activity.items.iter().all(|item| !item.event_types.contains(&EventType::FormSubmitted)));
}

on_both_backends!(a_submitted_form_starts_the_workflows_its_answers_pass_once);
