//! The whole loop against the stand-in HighLevel: a signed OpportunityStageUpdate becomes a
//! pending form, a HighLevel member submits it, and the note, custom field, task and stage move
//! arrive — then the same with HighLevel failing (500, 429, answers lost after the work was
//! done): the writebacks are retried from the store and each completes exactly once. Admins
//! retry a writeback HighLevel refused. Settings read HighLevel's fields, cached, with a refresh.
#![expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]

use crate::common::Db;
use crate::connected::{self, Flow, location, stage_update, start};
use crate::standin::{CONTACT, FIELD_BUDGET, OPPORTUNITY, STAGE_INSPECTION, STAGE_QUOTED, USER};
use app::api::AppError;
use app::api::ports::{CrmViewPort, InboxPort, SettingsPort, SubAccountsPort};
use app::api::types::{Role, WritebackKind, WritebackResult, WritebackState};
use app::model::trigger::{FieldMapping, TaskWriteback};
use app::model::{Answer, Answers, FormId, Writebacks};
use axum::http::Method;
use chrono::Timelike;
use serde_json::json;
use server::db::forms::FormCompletion;
use server::db::writebacks::Finish;
use server::jobs::JobTiming;
use server::service::ServiceOptions;
use std::time::Duration;

fn writebacks() -> Writebacks {
    Writebacks {
        note: true,
        custom_fields: vec![FieldMapping { form_field: "budget".into(), crm_field_id: FIELD_BUDGET.into() }],
        task: Some(TaskWriteback::default()),
        move_to_stage: Some(STAGE_QUOTED.to_owned()),
    }
}

fn answers() -> Answers {
    [("outcome", "Interested"), ("interest_level", "Hot"), ("budget", "5000")]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), Answer::One(value.to_owned())))
        .collect()
}

/// Installed, with the writing triggers, and a pending form from a signed stage change.
async fn pending_form(f: &Flow, webhook_id: &str) -> FormId {
    f.deliver(stage_update(STAGE_INSPECTION), webhook_id).await;
    f.processor.round().await.unwrap();
    let pending = f.pending().await;
    assert_eq!(pending.len(), 1, "one pending form");
    pending[0].id.clone()
}

async fn connected_with_a_form(db: Db) -> (Flow, FormId) {
    let f = start(db).await;
    f.install().await;
    f.triggers_writing(writebacks()).await;
    let form = pending_form(&f, "wh-loop").await;
    (f, form)
}

fn states(results: &[WritebackResult]) -> Vec<(WritebackKind, WritebackState)> {
    results.iter().map(|r| (r.kind, r.state)).collect()
}

/// Lets every waiting retry run now, as if its backoff had passed.
async fn backoff_passes(f: &Flow) {
    sqlx::query("UPDATE writeback_jobs SET due_at = 0 WHERE state = 'pending'")
        .execute(f.db.store.pool())
        .await
        .unwrap();
}

async fn created_id(f: &Flow, form: &FormId, kind: &str) -> Option<String> {
    sqlx::query_scalar("SELECT created_id FROM writeback_jobs WHERE form_id = $1 AND kind = $2")
        .bind(form)
        .bind(kind)
        .fetch_one(f.db.store.pool())
        .await
        .unwrap()
}

async fn a_signed_stage_change_ends_as_note_fields_task_and_move_in_highlevel(db: Db) {
    let (f, form) = connected_with_a_form(db).await;
    let sam = f.member(Role::Staff).await;
    let results = f.service.submit_form(&sam, &location(), &form, answers(), None).await.unwrap();
    assert!(results.iter().all(|r| r.state == WritebackState::Succeeded), "{results:?}");
    assert_eq!(results[1].message, "Updated Budget.");

    let crm = f.standin.crm(|c| (c.notes.clone(), c.tasks.clone(), c.field_updates.clone(), c.moves.clone()));
    let (notes, tasks, field_updates, moves) = crm;
    assert_eq!(notes.len(), 1);
    let body = notes[0]["body"].as_str().unwrap();
    assert!(body.starts_with("--- OpsFlow: Call Disposition ---\nContact: Olivia Hart\nDate: "), "{body}");
    assert!(body.contains("\nCall outcome: Interested\nInterest level: Hot\nStated budget: $5,000.00"), "{body}");
    assert_eq!(notes[0]["userId"], json!(USER), "credited to the HighLevel user who submitted");
    assert_eq!(field_updates, vec![json!([{"id": FIELD_BUDGET, "key": "budget", "field_value": 5000.0}])]);
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0]["title"], json!("Follow up: Call Disposition"));
    assert_eq!(tasks[0]["assignedTo"], json!(USER));
    let due = chrono::DateTime::parse_from_rfc3339(tasks[0]["dueDate"].as_str().unwrap()).unwrap();
    let due = due.with_timezone(&chrono_tz::America::Chicago);
    let today = server::time::today("America/Chicago");
    assert_eq!((due.date_naive().to_string(), due.hour()), (today.next_day().to_string(), 9), "9:00 tomorrow there");
    assert_eq!(moves, vec![(OPPORTUNITY.to_owned(), STAGE_QUOTED.to_owned())]);
    assert_eq!(created_id(&f, &form, "note").await.as_deref(), Some("note-1"));
    assert_eq!(created_id(&f, &form, "task").await.as_deref(), Some("task-1"));

    // HighLevel's webhook about OpsFlow's own move is an echo: no new form.
    f.deliver(stage_update(STAGE_QUOTED), "wh-echo").await;
    f.processor.round().await.unwrap();
    assert!(f.pending().await.is_empty());
    f.standin.assert_spec_clean();
}

async fn writebacks_retry_through_500_and_429_and_complete_exactly_once(db: Db) {
    let (f, form) = connected_with_a_form(db).await;
    let sam = f.member(Role::Staff).await;
    f.standin.fail_next(Method::POST, "/notes", 500, None);
    f.standin.fail_next(Method::POST, "/tasks", 429, Some(1));
    f.standin.fail_next(Method::PUT, "/opportunities/", 503, None);
    let results = f.service.submit_form(&sam, &location(), &form, answers(), None).await.unwrap();
    assert_eq!(
        states(&results),
        [
            (WritebackKind::Note, WritebackState::Pending),
            (WritebackKind::CustomFields, WritebackState::Succeeded),
            (WritebackKind::Task, WritebackState::Pending),
            (WritebackKind::PipelineMove, WritebackState::Pending),
        ]
    );
    assert!(results[0].message.starts_with("Attempt 1 of 10 failed ("), "{}", results[0].message);
    assert!(results[0].message.contains("; trying again at "), "{}", results[0].message);
    // The form view shows the same states.
    let view = f.service.form(&sam, &location(), &form).await.unwrap();
    assert_eq!(view.submission.unwrap().writebacks, results);

    // Nothing runs before its backoff is over...
    assert_eq!(f.service.writeback_round().await.unwrap(), 0);
    // ...then each runs once, and no retry runs again.
    backoff_passes(&f).await;
    assert_eq!(f.service.writeback_round().await.unwrap(), 3);
    let after = f.db.store.writeback_results(&form).await.unwrap();
    assert!(after.iter().all(|r| r.state == WritebackState::Succeeded), "{after:?}");
    backoff_passes(&f).await;
    assert_eq!(f.service.writeback_round().await.unwrap(), 0);
    let counts = f.standin.crm(|c| (c.notes.len(), c.tasks.len(), c.field_updates.len(), c.moves.len()));
    assert_eq!(counts, (1, 1, 1, 1));
    f.standin.assert_spec_clean();
}

async fn a_retry_after_a_lost_answer_finds_the_note_and_task_instead_of_making_seconds(db: Db) {
    let (f, form) = connected_with_a_form(db).await;
    let sam = f.member(Role::Staff).await;
    // HighLevel creates both, but the answers never arrive.
    f.standin.lose_next_answer(Method::POST, "/notes", 502);
    f.standin.lose_next_answer(Method::POST, "/tasks", 504);
    let results = f.service.submit_form(&sam, &location(), &form, answers(), None).await.unwrap();
    assert_eq!(results[0].state, WritebackState::Pending);
    assert_eq!(results[2].state, WritebackState::Pending);
    backoff_passes(&f).await;
    assert_eq!(f.service.writeback_round().await.unwrap(), 2);
    let after = f.db.store.writeback_results(&form).await.unwrap();
    assert!(after.iter().all(|r| r.state == WritebackState::Succeeded), "{after:?}");
    assert_eq!(f.standin.crm(|c| (c.notes.len(), c.tasks.len())), (1, 1), "no second note or task");
    assert_eq!(created_id(&f, &form, "note").await.as_deref(), Some("note-1"));
    assert_eq!(created_id(&f, &form, "task").await.as_deref(), Some("task-1"));

    // The opportunity comes back to the stage (after the echo of OpsFlow's move): a second
    // form, same answers, same day — so the same note text. Its lost note is its own, never the
    // first form's.
    f.deliver(stage_update(STAGE_QUOTED), "wh-echo").await;
    f.deliver(stage_update(STAGE_INSPECTION), "wh-again").await;
    f.processor.round().await.unwrap();
    f.processor.round().await.unwrap();
    let second = f.pending().await[0].id.clone();
    f.standin.lose_next_answer(Method::POST, "/notes", 502);
    f.service.submit_form(&sam, &location(), &second, answers(), None).await.unwrap();
    backoff_passes(&f).await;
    f.service.writeback_round().await.unwrap();
    assert_eq!(f.standin.crm(|c| c.notes.len()), 2);
    assert_eq!(created_id(&f, &second, "note").await.as_deref(), Some("note-2"));
    f.standin.assert_spec_clean();
}

async fn a_refused_writeback_fails_at_once_and_an_admin_can_retry_it(db: Db) {
    let (f, form) = connected_with_a_form(db).await;
    let sam = f.member(Role::Staff).await;
    f.standin.fail_next(Method::PUT, "/contacts/", 422, None);
    let results = f.service.submit_form(&sam, &location(), &form, answers(), None).await.unwrap();
    assert_eq!(results[1].state, WritebackState::Failed, "a 4xx is final");
    assert!(results[1].message.starts_with("The CRM refused the change: "), "{}", results[1].message);
    backoff_passes(&f).await;
    assert_eq!(f.service.writeback_round().await.unwrap(), 0, "a failed writeback is not retried by itself");

    // Staff cannot retry; an admin can, once.
    let refused = f.service.retry_writeback(&sam, &location(), &form, WritebackKind::CustomFields).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "{refused:?}");
    let admin = f.member(Role::Admin).await;
    let view = f.service.form(&admin, &location(), &form).await.unwrap();
    assert!(view.submission.unwrap().can_retry);
    let results = f.service.retry_writeback(&admin, &location(), &form, WritebackKind::CustomFields).await.unwrap();
    assert_eq!(results[1].state, WritebackState::Succeeded, "{}", results[1].message);
    assert_eq!(f.standin.crm(|c| c.field_updates.len()), 1);
    let again = f.service.retry_writeback(&admin, &location(), &form, WritebackKind::CustomFields).await;
    assert!(matches!(again, Err(AppError::Conflict(_))), "{again:?}");
    f.standin.assert_spec_clean();
}

async fn a_writeback_cut_off_mid_run_is_picked_up_when_its_lease_ends(db: Db) {
    let (f, form) = connected_with_a_form(db).await;
    let sam = f.member(Role::Staff).await;
    // A submit that died after completing the form: its writebacks are queued, leased to it.
    let kinds = [WritebackKind::Note];
    let completion = FormCompletion { user_id: &sam.id, user_name: &sam.name, answers: &[], writebacks: &kinds };
    let held = f.db.store.complete_form(&connected::tenant(), &form, &completion, 120_000).await.unwrap();
    assert!(held.is_some());
    assert_eq!(f.service.writeback_round().await.unwrap(), 0, "not while the lease holds");
    sqlx::query("UPDATE writeback_jobs SET due_at = due_at - 120000").execute(f.db.store.pool()).await.unwrap();
    assert_eq!(f.service.writeback_round().await.unwrap(), 1);
    assert_eq!(f.db.store.writeback_results(&form).await.unwrap()[0].state, WritebackState::Succeeded);
    assert_eq!(f.standin.crm(|c| c.notes.iter().filter(|n| n["contactId"] == json!(CONTACT)).count()), 1);
    f.standin.assert_spec_clean();
}

async fn a_connected_sub_account_reads_highlevel_settings_cached_and_an_admin_refreshes_them(db: Db) {
    let f = start(db).await;
    f.install().await;
    let reads = || f.standin.requests().iter().filter(|r| r.path.ends_with("/customFields")).count();
    let sam = f.member(Role::Staff).await;
    // Its CRM is HighLevel: no built-in CRM pages for it.
    assert!(!f.service.open_sub_account(&sam, &location()).await.unwrap().builtin_crm);
    let board = f.service.crm_board(&sam, &location()).await;
    assert!(matches!(&board, Err(AppError::BadRequest(m)) if m.contains("CRM is HighLevel")), "{board:?}");
    let settings = f.service.settings(&sam, &location()).await.unwrap();
    assert_eq!(settings.crm_source.as_deref(), Some("HighLevel"));
    assert!(settings.crm_fields.iter().any(|c| c.id == FIELD_BUDGET));
    f.service.settings(&sam, &location()).await.unwrap();
    assert_eq!(reads(), 1, "kept for a while");
    let refused = f.service.refresh_crm(&sam, &location()).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "{refused:?}");
    let admin = f.member(Role::Admin).await;
    f.service.refresh_crm(&admin, &location()).await.unwrap();
    f.service.settings(&admin, &location()).await.unwrap();
    assert_eq!(reads(), 2, "read again after the refresh");
    f.standin.assert_spec_clean();
}

/// HighLevel takes the note and answers only after five seconds — longer than the lease. The
/// attempt is cut off inside its lease (so nobody else starts the writeback meanwhile), the
/// retry finds the note, and there is exactly one.
async fn a_crm_call_stalled_past_the_lease_is_cut_off_and_writes_one_note(db: Db) {
    let jobs = JobTiming { lease_ms: 2_000, attempt_limit: Duration::from_millis(500), ..JobTiming::WRITEBACKS };
    let f = connected::start_with(db, ServiceOptions { jobs, ..ServiceOptions::default() }).await;
    f.install().await;
    f.triggers_writing(Writebacks { note: true, ..Writebacks::default() }).await;
    let form = pending_form(&f, "wh-stall").await;
    let sam = f.member(Role::Staff).await;
    f.standin.stall_next(Method::POST, "/notes", Duration::from_secs(5));
    let results = f.service.submit_form(&sam, &location(), &form, answers(), None).await.unwrap();
    assert_eq!(results[0].state, WritebackState::Pending, "{results:?}");
    assert!(results[0].message.contains("No answer within 500 ms"), "{}", results[0].message);
    backoff_passes(&f).await;
    assert_eq!(f.service.writeback_round().await.unwrap(), 1);
    let results = f.db.store.writeback_results(&form).await.unwrap();
    assert_eq!(results[0].state, WritebackState::Succeeded, "{results:?}");
    assert_eq!(f.standin.crm(|c| c.notes.iter().filter(|n| n["contactId"] == json!(CONTACT)).count()), 1);
    f.standin.assert_spec_clean();
}

/// An attempt whose lease ran out and was taken by another cannot record its result over the
/// other's.
async fn a_lost_lease_cannot_finish_the_writeback(db: Db) {
    let (f, form) = connected_with_a_form(db).await;
    let sam = f.member(Role::Staff).await;
    let store = &f.db.store;
    let kinds = [WritebackKind::Note];
    let completion = FormCompletion { user_id: &sam.id, user_name: &sam.name, answers: &[], writebacks: &kinds };
    store.complete_form(&connected::tenant(), &form, &completion, 50).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let first = store.claim_writeback(&form, WritebackKind::Note, None, 50).await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let second = store.claim_writeback(&form, WritebackKind::Note, None, 60_000).await.unwrap().unwrap();
    let late = Finish::Failed { message: "late".into() };
    assert!(!store.finish_writeback(&form, WritebackKind::Note, first.fence, &late).await.unwrap());
    let done = Finish::Succeeded { message: "Added a note.".into(), created_id: Some("note-9".into()) };
    assert!(store.finish_writeback(&form, WritebackKind::Note, second.fence, &done).await.unwrap());
    assert!(!store.finish_writeback(&form, WritebackKind::Note, first.fence, &late).await.unwrap());
    assert_eq!(store.writeback_results(&form).await.unwrap()[0].state, WritebackState::Succeeded);
}

on_both_backends!(
    a_crm_call_stalled_past_the_lease_is_cut_off_and_writes_one_note,
    a_lost_lease_cannot_finish_the_writeback,
    a_connected_sub_account_reads_highlevel_settings_cached_and_an_admin_refreshes_them,
    a_signed_stage_change_ends_as_note_fields_task_and_move_in_highlevel,
    writebacks_retry_through_500_and_429_and_complete_exactly_once,
    a_retry_after_a_lost_answer_finds_the_note_and_task_instead_of_making_seconds,
    a_refused_writeback_fails_at_once_and_an_admin_can_retry_it,
    a_writeback_cut_off_mid_run_is_picked_up_when_its_lease_ends,
);
