//! The form loop against real SQLite and PostgreSQL: starter templates, triggers, ingestion
//! and dedupe, submit with writebacks, double submit, template deletion, tenancy.
#![expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]

use crate::common::{Db, Fixture, fixture};
use app::api::AppError;
use app::api::ports::{CrmViewPort, InboxPort, SettingsPort, SubAccountsPort, TemplatesPort, TriggersPort};
use app::api::types::{FormStatus, FormatOrigin, InboxQuery, WritebackKind, WritebackState, WritebacksOverview};
use app::model::trigger::{FieldMapping, TaskWriteback};
use app::model::{
    Answer, Answers, ContactId, Currency, FieldError, FormId, Locale, NumberFormat, OpportunityId, TriggerConfig,
    TriggerEvent, TriggerProblem, Value, Writebacks,
};
use server::crm::Crm;
use server::events::{CrmEvent, EventDetail, IngestOutcome};

fn answers(pairs: &[(&str, &str)]) -> Answers {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), Answer::One((*v).to_owned()))).collect()
}

async fn move_first_job(f: &Fixture, stage: &str) -> (OpportunityId, ContactId) {
    let board = f.service.crm_board(&f.sam, &f.acme).await.unwrap();
    let jobs = board.pipelines.iter().find(|p| p.name == "Service Jobs").unwrap();
    let card = jobs.columns.iter().flat_map(|c| &c.opportunities).next().unwrap().clone();
    let stage_id = f.stage_id(&f.acme, "Service Jobs", stage).await;
    f.service.move_opportunity(&f.sam, &f.acme, &card.id, &stage_id).await.unwrap();
    (card.id, card.contact_id)
}

async fn only_pending_form(f: &Fixture) -> FormId {
    let pending = f.service.pending_forms(&f.sam, &f.acme, &InboxQuery::default()).await.unwrap().rows;
    assert_eq!(pending.len(), 1, "{pending:?}");
    pending[0].id.clone()
}

fn job_complete_answers() -> Answers {
    let mut given =
        answers(&[("completed", "Yes"), ("hours", "2.5"), ("invoice_amount", "450"), ("satisfaction", "9")]);
    given.insert("work_done".into(), Answer::Many(vec!["Repair".into(), "Inspection".into()]));
    given
}

async fn starters_are_created_once_even_when_opened_concurrently(db: Db) {
    let f = fixture(db).await;
    let mut openings = Vec::new();
    for i in 0..8 {
        let service = f.service.clone();
        let user = if i % 2 == 0 { f.admin.clone() } else { f.sam.clone() };
        let acme = f.acme.clone();
        openings.push(tokio::spawn(async move { service.open_sub_account(&user, &acme).await }));
    }
    for opening in openings {
        assert!(opening.await.unwrap().unwrap().builtin_crm, "a standalone sub-account uses the built-in CRM");
    }
    let names: Vec<String> = f.service.templates(&f.sam, &f.acme).await.unwrap().into_iter().map(|t| t.name).collect();
    assert_eq!(names, ["Appointment Follow-Up", "Call Disposition", "Job Complete"]);
    assert!(f.service.templates(&f.admin, &f.brightside).await.unwrap().is_empty(), "not opened yet");
}

async fn events_create_forms_per_matching_trigger_exactly_once(db: Db) {
    let f = fixture(db).await;
    f.service.open_sub_account(&f.admin, &f.acme).await.unwrap();
    f.stage_trigger("Job Complete", "Service Jobs", "Job Complete", Writebacks::default()).await;
    f.stage_trigger("Call Disposition", "Sales Pipeline", "Qualified", Writebacks::default()).await;
    let call = TriggerConfig {
        event: TriggerEvent::CallCompleted,
        template_id: f.template_id(&f.acme, "Call Disposition").await,
        writebacks: Writebacks { note: true, ..Writebacks::default() },
    };
    f.service.add_trigger(&f.admin, &f.acme, call).await.unwrap();

    // A board move into the trigger's stage creates one form with the pipeline context.
    let demo_events = f.store().event_count(&f.tenant(&f.acme)).await.unwrap();
    let (opportunity, contact) = move_first_job(&f, "Job Complete").await;
    let pending = f.service.pending_forms(&f.sam, &f.acme, &InboxQuery::default()).await.unwrap().rows;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].context, "Service Jobs › Job Complete");
    assert_eq!(pending[0].template_name, "Job Complete");
    assert_eq!(pending[0].template_version, 1);

    // The same event id twice: stored once, no second form.
    let jobs = f.pipeline(&f.acme, "Service Jobs").await;
    let detail = EventDetail::StageChanged {
        opportunity_id: opportunity.clone(),
        pipeline_id: jobs.id.clone(),
        pipeline_name: jobs.name.clone(),
        stage_id: f.stage_id(&f.acme, "Service Jobs", "Job Complete").await,
        stage_name: "Job Complete".into(),
    };
    let event = CrmEvent::new(&f.tenant(&f.acme), "test", "evt-1".into(), contact.clone(), "Devon Lane".into(), detail);
    let first = f.service.ingestor().ingest(event.clone()).await.unwrap();
    assert!(matches!(&first, IngestOutcome::Accepted { forms, .. } if forms.len() == 1), "{first:?}");
    assert_eq!(f.service.ingestor().ingest(event.clone()).await.unwrap(), IngestOutcome::Duplicate);
    assert_eq!(f.service.pending_forms(&f.sam, &f.acme, &InboxQuery::default()).await.unwrap().rows.len(), 2);
    // The agency page counts them; opening the sub-account (every page) does not.
    let listed = f.service.sub_accounts(&f.sam).await.unwrap();
    assert_eq!(listed.iter().find(|s| s.id == f.acme).and_then(|s| s.pending_forms), Some(2));
    assert_eq!(f.service.open_sub_account(&f.sam, &f.acme).await.unwrap().pending_forms, None);

    // A stage no trigger listens to: stored, no form.
    let mut other = event.clone();
    other.external_id = "evt-2".into();
    if let EventDetail::StageChanged { stage_id, .. } = &mut other.detail {
        *stage_id = f.stage_id(&f.acme, "Service Jobs", "In Progress").await;
    }
    let outcome = f.service.ingestor().ingest(other).await.unwrap();
    assert!(matches!(&outcome, IngestOutcome::Accepted { forms, .. } if forms.is_empty()), "{outcome:?}");

    // A finished call creates a Call Completed form for the contact.
    f.service.log_call(&f.sam, &f.acme, &contact, "Asked for a quote", "bot: Hello\nhuman: Hi").await.unwrap();
    let pending = f.service.pending_forms(&f.sam, &f.acme, &InboxQuery::default()).await.unwrap().rows;
    assert_eq!(pending.len(), 3);
    assert_eq!(pending.iter().filter(|p| p.context == "Call Completed").count(), 1);

    // Two triggers on the same stage: one form each.
    f.stage_trigger("Appointment Follow-Up", "Service Jobs", "Job Complete", Writebacks::default()).await;
    let mut again = event;
    again.external_id = "evt-3".into();
    let outcome = f.service.ingestor().ingest(again).await.unwrap();
    assert!(matches!(&outcome, IngestOutcome::Accepted { forms, .. } if forms.len() == 2), "{outcome:?}");
    // Five form-trigger events, and the board's move in the CRM's own stream: opportunity_updated
    // and opportunity_stage_changed.
    assert_eq!(f.store().event_count(&f.tenant(&f.acme)).await.unwrap() - demo_events, 7);
}

async fn submit_writes_back_everything_and_one_failure_does_not_stop_the_others(db: Db) {
    let f = fixture(db).await;
    f.service.open_sub_account(&f.admin, &f.acme).await.unwrap();
    let fields = f.service.builtin().custom_fields(&f.acme).await.unwrap();
    let field_id = |name: &str| fields.iter().find(|c| c.name == name).unwrap().id.clone();
    let writebacks = Writebacks {
        note: true,
        custom_fields: vec![
            FieldMapping { form_field: "invoice_amount".into(), crm_field_id: field_id("Invoice Amount") },
            FieldMapping { form_field: "satisfaction".into(), crm_field_id: field_id("Job Satisfaction") },
        ],
        task: Some(TaskWriteback::default()),
        move_to_stage: Some(f.stage_id(&f.acme, "Service Jobs", "Invoiced").await),
    };
    f.stage_trigger("Job Complete", "Service Jobs", "Job Complete", writebacks).await;
    let (_, contact) = move_first_job(&f, "Job Complete").await;
    let form = only_pending_form(&f).await;

    // The CRM loses a mapped field after the trigger was saved: that writeback fails alone.
    sqlx::query("DELETE FROM crm_custom_fields WHERE id = $1")
        .bind(field_id("Job Satisfaction"))
        .execute(f.store().pool())
        .await
        .unwrap();
    let results = f.service.submit_form(&f.sam, &f.acme, &form, job_complete_answers(), None).await.unwrap();
    let states: Vec<(WritebackKind, WritebackState)> = results.iter().map(|r| (r.kind, r.state)).collect();
    assert_eq!(
        states,
        [
            (WritebackKind::Note, WritebackState::Succeeded),
            (WritebackKind::CustomFields, WritebackState::Failed),
            (WritebackKind::Task, WritebackState::Succeeded),
            (WritebackKind::PipelineMove, WritebackState::Succeeded),
        ]
    );
    assert!(results[1].message.contains("no longer exists"), "{}", results[1].message);

    let detail = f.service.contact(&f.sam, &f.acme, &contact).await.unwrap();
    let today = server::time::today("America/New_York");
    assert_eq!(
        detail.notes[0].body,
        format!(
            "--- OpsFlow: Job Complete ---\nContact: {}\nDate: {today}\nWas the job completed?: Yes\n\
             Work performed: Inspection, Repair\nHours on site: 2.5\nInvoice amount: $450.00\n\
             Customer satisfaction (1–10): 9\nFollow-up visit needed: No",
            detail.name
        )
    );
    assert_eq!(detail.tasks[0].title, "Follow up: Job Complete");
    assert_eq!(detail.tasks[0].due_date, today.next_day().to_string());
    assert!(detail.opportunities.iter().any(|o| o.stage_name == "Invoiced"));
    assert!(detail.custom_fields.is_empty(), "a failed custom field update writes nothing");

    // The form is completed and shows what happened.
    assert!(f.service.pending_forms(&f.sam, &f.acme, &InboxQuery::default()).await.unwrap().rows.is_empty());
    let completed = f.service.completed_forms(&f.sam, &f.acme, &InboxQuery::default()).await.unwrap().rows;
    assert_eq!(completed[0].submitted_by, "Sam Staff");
    let view = f.service.form(&f.sam, &f.acme, &form).await.unwrap();
    assert_eq!(view.status, FormStatus::Completed);
    let submission = view.submission.unwrap();
    assert_eq!(submission.writebacks, results);
    assert_eq!(submission.answers.len(), 6);
    // The pipeline move did not echo back into a new form.
    assert!(f.service.pending_forms(&f.sam, &f.acme, &InboxQuery::default()).await.unwrap().rows.is_empty());
}

async fn mapped_custom_fields_are_written_with_their_types(db: Db) {
    let f = fixture(db).await;
    f.service.open_sub_account(&f.admin, &f.acme).await.unwrap();
    let fields = f.service.builtin().custom_fields(&f.acme).await.unwrap();
    let field_id = |name: &str| fields.iter().find(|c| c.name == name).unwrap().id.clone();
    let writebacks = Writebacks {
        custom_fields: vec![
            FieldMapping { form_field: "invoice_amount".into(), crm_field_id: field_id("Invoice Amount") },
            FieldMapping { form_field: "work_done".into(), crm_field_id: field_id("Services") },
            FieldMapping { form_field: "incomplete_reason".into(), crm_field_id: field_id("Last Form Notes") },
        ],
        ..Writebacks::default()
    };
    f.stage_trigger("Job Complete", "Service Jobs", "Job Complete", writebacks).await;
    let (_, contact) = move_first_job(&f, "Job Complete").await;
    let form = only_pending_form(&f).await;
    let results = f.service.submit_form(&f.sam, &f.acme, &form, job_complete_answers(), None).await.unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].state, WritebackState::Succeeded, "{}", results[0].message);
    let detail = f.service.contact(&f.sam, &f.acme, &contact).await.unwrap();
    assert_eq!(
        detail.custom_fields,
        [("Invoice Amount".to_owned(), "$450.00".to_owned()), ("Services".to_owned(), "Inspection, Repair".to_owned())],
        "only mapped, visible, answered fields are written"
    );
}

async fn invalid_answers_are_refused_and_nothing_is_written(db: Db) {
    let f = fixture(db).await;
    f.service.open_sub_account(&f.admin, &f.acme).await.unwrap();
    f.stage_trigger("Job Complete", "Service Jobs", "Job Complete", Writebacks { note: true, ..Writebacks::default() })
        .await;
    let (_, contact) = move_first_job(&f, "Job Complete").await;
    let form = only_pending_form(&f).await;
    let error =
        f.service.submit_form(&f.sam, &f.acme, &form, answers(&[("completed", "No"), ("hours", "30")]), None).await;
    let Err(AppError::InvalidAnswers(errors)) = error else { panic!("expected invalid answers, got {error:?}") };
    let keys: Vec<&str> = errors.keys().map(String::as_str).collect();
    assert_eq!(keys, ["hours", "incomplete_reason"]);
    assert_eq!(errors["incomplete_reason"].describe(&app::model::NumberFormat::default()), "This field is required.");
    assert_eq!(only_pending_form(&f).await, form, "the form stays pending");
    assert!(f.service.contact(&f.sam, &f.acme, &contact).await.unwrap().notes.is_empty());
}

async fn a_double_submit_runs_writebacks_once(db: Db) {
    let f = fixture(db).await;
    f.service.open_sub_account(&f.admin, &f.acme).await.unwrap();
    let writebacks = Writebacks { note: true, task: Some(TaskWriteback::default()), ..Writebacks::default() };
    f.stage_trigger("Job Complete", "Service Jobs", "Job Complete", writebacks).await;
    let (_, contact) = move_first_job(&f, "Job Complete").await;
    let form = only_pending_form(&f).await;
    let submits: Vec<_> = (0..4)
        .map(|_| {
            let (service, user, acme, form) = (f.service.clone(), f.sam.clone(), f.acme.clone(), form.clone());
            tokio::spawn(async move { service.submit_form(&user, &acme, &form, job_complete_answers(), None).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for submit in submits {
        outcomes.push(submit.await.unwrap());
    }
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1, "{outcomes:?}");
    assert!(outcomes.iter().filter(|o| o.is_err()).all(|o| matches!(o, Err(AppError::Conflict(_)))));
    let detail = f.service.contact(&f.sam, &f.acme, &contact).await.unwrap();
    assert_eq!((detail.notes.len(), detail.tasks.len()), (1, 1));
    let again = f.service.submit_form(&f.sam, &f.acme, &form, job_complete_answers(), None).await;
    assert!(matches!(again, Err(AppError::Conflict(ref m)) if m.contains("already submitted")), "{again:?}");
}

async fn a_template_in_use_cannot_be_deleted(db: Db) {
    let f = fixture(db).await;
    f.service.open_sub_account(&f.admin, &f.acme).await.unwrap();
    let trigger = f.stage_trigger("Job Complete", "Service Jobs", "Job Complete", Writebacks::default()).await;
    let template = f.template_id(&f.acme, "Job Complete").await;
    let refused = f.service.delete_template(&f.admin, &f.acme, &template).await;
    assert!(matches!(refused, Err(AppError::Conflict(ref m)) if m.contains("used by 1 trigger")), "{refused:?}");

    move_first_job(&f, "Job Complete").await;
    f.service.remove_trigger(&f.admin, &f.acme, &trigger).await.unwrap();
    let refused = f.service.delete_template(&f.admin, &f.acme, &template).await;
    assert!(matches!(refused, Err(AppError::Conflict(ref m)) if m.contains("1 pending form")), "{refused:?}");
    let summary = f.service.templates(&f.admin, &f.acme).await.unwrap().into_iter().find(|t| t.id == template).unwrap();
    assert_eq!(summary.pending_forms, 1);

    // The removed trigger's pending form still works, then the template can go.
    let form = only_pending_form(&f).await;
    f.service.submit_form(&f.sam, &f.acme, &form, job_complete_answers(), None).await.unwrap();
    let staff = f.service.delete_template(&f.sam, &f.acme, &template).await;
    assert!(matches!(staff, Err(AppError::Forbidden(_))), "{staff:?}");
    f.service.delete_template(&f.admin, &f.acme, &template).await.unwrap();
    assert_eq!(f.service.templates(&f.admin, &f.acme).await.unwrap().len(), 2);
    let view = f.service.form(&f.sam, &f.acme, &form).await.unwrap();
    assert_eq!(view.template.name, "Job Complete", "completed forms keep rendering");
}

async fn triggers_are_checked_before_they_are_saved(db: Db) {
    let f = fixture(db).await;
    f.service.open_sub_account(&f.admin, &f.acme).await.unwrap();
    let call_with_move = TriggerConfig {
        event: TriggerEvent::CallCompleted,
        template_id: f.template_id(&f.acme, "Call Disposition").await,
        writebacks: Writebacks {
            move_to_stage: Some(f.stage_id(&f.acme, "Service Jobs", "Invoiced").await),
            ..Writebacks::default()
        },
    };
    let refused = f.service.add_trigger(&f.admin, &f.acme, call_with_move.clone()).await;
    assert!(matches!(refused, Err(AppError::InvalidTrigger(ref p)) if p.len() == 1), "{refused:?}");
    let jobs = f.pipeline(&f.acme, "Service Jobs").await;
    let across = TriggerConfig {
        event: TriggerEvent::StageChanged {
            pipeline_id: jobs.id.clone(),
            stage_id: f.stage_id(&f.acme, "Service Jobs", "Job Complete").await,
        },
        writebacks: Writebacks {
            move_to_stage: Some(f.stage_id(&f.acme, "Sales Pipeline", "Won").await),
            ..Writebacks::default()
        },
        ..call_with_move
    };
    let refused = f.service.add_trigger(&f.admin, &f.acme, across.clone()).await;
    assert!(
        matches!(refused, Err(AppError::InvalidTrigger(ref p)) if p[0].to_string().contains("same pipeline")),
        "{refused:?}"
    );
    let staff = f.service.add_trigger(&f.sam, &f.acme, across).await;
    assert!(matches!(staff, Err(AppError::Forbidden(_))), "{staff:?}");
    assert!(f.service.settings(&f.sam, &f.acme).await.unwrap().triggers.is_empty());
}

/// One event must not put two identical forms in the inbox: a second trigger for the same event
/// and template is refused, however its writebacks differ, even when both are added at once.
async fn an_identical_trigger_is_refused(db: Db) {
    let f = fixture(db).await;
    f.service.open_sub_account(&f.admin, &f.acme).await.unwrap();
    let jobs = f.pipeline(&f.acme, "Service Jobs").await;
    let config = TriggerConfig {
        event: TriggerEvent::StageChanged {
            pipeline_id: jobs.id.clone(),
            stage_id: f.stage_id(&f.acme, "Service Jobs", "Job Complete").await,
        },
        template_id: f.template_id(&f.acme, "Job Complete").await,
        writebacks: Writebacks { note: true, ..Writebacks::default() },
    };
    let twice = futures::future::join(
        f.service.add_trigger(&f.admin, &f.acme, config.clone()),
        f.service.add_trigger(&f.admin, &f.acme, config.clone()),
    )
    .await;
    let refused = match twice {
        (Ok(_), Err(refused)) | (Err(refused), Ok(_)) => refused,
        other => panic!("one of two identical triggers added at once must be refused: {other:?}"),
    };
    assert_eq!(refused, AppError::InvalidTrigger(vec![TriggerProblem::AlreadyExists]));
    let other_writebacks = TriggerConfig { writebacks: Writebacks::default(), ..config.clone() };
    let again = f.service.add_trigger(&f.admin, &f.acme, other_writebacks).await;
    assert_eq!(again.unwrap_err(), AppError::InvalidTrigger(vec![TriggerProblem::AlreadyExists]));
    // Another template on the same event is another form: allowed.
    let other_template = TriggerConfig { template_id: f.template_id(&f.acme, "Call Disposition").await, ..config };
    f.service.add_trigger(&f.admin, &f.acme, other_template).await.unwrap();
    assert_eq!(f.service.settings(&f.admin, &f.acme).await.unwrap().triggers.len(), 2);

    move_first_job(&f, "Job Complete").await;
    let names: Vec<String> = f
        .service
        .pending_forms(&f.sam, &f.acme, &InboxQuery::default())
        .await
        .unwrap()
        .rows
        .into_iter()
        .map(|p| p.template_name)
        .collect();
    assert_eq!(names.len(), 2, "one form per template: {names:?}");
}

/// The inbox pages 25 forms at a time, newest first, and narrows by search and template; the
/// Completed tab says how each form's writebacks went.
async fn the_inbox_is_paged_searched_and_filtered(db: Db) {
    let f = fixture(db).await;
    f.service.open_sub_account(&f.admin, &f.acme).await.unwrap();
    let call_disposition = f.template_id(&f.acme, "Call Disposition").await;
    let call = TriggerConfig {
        event: TriggerEvent::CallCompleted,
        template_id: call_disposition.clone(),
        writebacks: Writebacks { note: true, ..Writebacks::default() },
    };
    f.service.add_trigger(&f.admin, &f.acme, call).await.unwrap();
    let contacts = f.service.crm_board(&f.sam, &f.acme).await.unwrap().contacts;
    for n in 0..27 {
        let contact = &contacts[n % contacts.len()];
        f.service.log_call(&f.sam, &f.acme, &contact.id, &format!("Call {n}"), "").await.unwrap();
    }
    let query = |search: &str, template_id: &str, page: u32| InboxQuery {
        search: search.to_owned(),
        template_id: template_id.into(),
        page,
    };
    let first = f.service.pending_forms(&f.sam, &f.acme, &query("", "", 1)).await.unwrap();
    assert_eq!((first.rows.len(), first.total, first.page, first.pages), (25, 27, 1, 2));
    let names: Vec<&str> = first.templates.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["Appointment Follow-Up", "Call Disposition", "Job Complete"]);
    let second = f.service.pending_forms(&f.sam, &f.acme, &query("", "", 2)).await.unwrap();
    assert_eq!((second.rows.len(), second.page), (2, 2));
    let mut seen: Vec<FormId> = first.rows.iter().chain(&second.rows).map(|r| r.id.clone()).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 27, "every form on exactly one page");

    // A search matches contact names whatever their case; LIKE's wildcards are only characters.
    let someone = &contacts[0].name;
    let last_name = someone.split(' ').next_back().unwrap().to_uppercase();
    let found = f.service.pending_forms(&f.sam, &f.acme, &query(&last_name, "", 1)).await.unwrap();
    assert_eq!(found.total, 5, "{someone}: calls 0, 6, 12, 18 and 24");
    assert!(found.rows.iter().all(|r| r.contact_name == *someone));
    for wildcard in ["%", "_", "!", "\\"] {
        let none = f.service.pending_forms(&f.sam, &f.acme, &query(wildcard, "", 1)).await.unwrap();
        assert_eq!((none.total, none.pages), (0, 1), "{wildcard}");
    }
    let job_complete = f.template_id(&f.acme, "Job Complete").await;
    assert_eq!(f.service.pending_forms(&f.sam, &f.acme, &query("", &job_complete, 1)).await.unwrap().total, 0);
    let by_template = f.service.pending_forms(&f.sam, &f.acme, &query("disposition", &call_disposition, 1)).await;
    assert_eq!(by_template.unwrap().total, 27, "the search reads template names too");

    // Completed: who submitted, and the writebacks at a glance.
    let answers = answers(&[("outcome", "Interested"), ("interest_level", "Hot")]);
    for row in &second.rows {
        f.service.submit_form(&f.sam, &f.acme, &row.id, answers.clone(), None).await.unwrap();
    }
    let completed = f.service.completed_forms(&f.sam, &f.acme, &query("sam staff", "", 1)).await.unwrap();
    assert_eq!(completed.total, 2);
    assert!(completed.rows.iter().all(|r| r.writebacks == WritebacksOverview::AllDone), "{:?}", completed.rows);
    assert_eq!(f.service.pending_forms(&f.sam, &f.acme, &query("", "", 1)).await.unwrap().pages, 1);
}

async fn nothing_of_another_sub_account_is_reachable(db: Db) {
    let f = fixture(db).await;
    f.service.open_sub_account(&f.admin, &f.acme).await.unwrap();
    f.service.open_sub_account(&f.admin, &f.brightside).await.unwrap();
    f.stage_trigger("Job Complete", "Service Jobs", "Job Complete", Writebacks::default()).await;
    let (opportunity, contact) = move_first_job(&f, "Job Complete").await;
    let form = only_pending_form(&f).await;
    let template = f.template_id(&f.acme, "Job Complete").await;
    let trigger = f.service.settings(&f.admin, &f.acme).await.unwrap().triggers[0].id.clone();
    let stage = f.stage_id(&f.acme, "Service Jobs", "Invoiced").await;

    let riley = &f.riley;
    let not_found = |result: Result<(), AppError>, what: &str| {
        assert!(matches!(result, Err(AppError::NotFound(_))), "{what}: {result:?}");
    };
    // Riley (Brightside) asking for Acme directly.
    not_found(f.service.open_sub_account(riley, &f.acme).await.map(drop), "open");
    not_found(f.service.templates(riley, &f.acme).await.map(drop), "templates");
    not_found(f.service.delete_template(riley, &f.acme, &template).await, "delete template");
    not_found(f.service.settings(riley, &f.acme).await.map(drop), "settings");
    not_found(f.service.remove_trigger(riley, &f.acme, &trigger).await, "remove trigger");
    not_found(f.service.pending_forms(riley, &f.acme, &InboxQuery::default()).await.map(drop), "pending");
    not_found(f.service.completed_forms(riley, &f.acme, &InboxQuery::default()).await.map(drop), "completed");
    not_found(f.service.form(riley, &f.acme, &form).await.map(drop), "form");
    not_found(f.service.submit_form(riley, &f.acme, &form, job_complete_answers(), None).await.map(drop), "submit");
    not_found(f.service.crm_board(riley, &f.acme).await.map(drop), "board");
    not_found(f.service.contact(riley, &f.acme, &contact).await.map(drop), "contact");
    not_found(f.service.move_opportunity(riley, &f.acme, &opportunity, &stage).await, "move");
    not_found(f.service.log_call(riley, &f.acme, &contact, "x", "").await, "log call");
    not_found(f.service.set_number_format(riley, &f.acme, NumberFormat::default()).await, "number format");
    // Acme's ids under Brightside's sub-account, by someone who belongs to Brightside.
    not_found(f.service.form(riley, &f.brightside, &form).await.map(drop), "form via own sub-account");
    not_found(
        f.service.submit_form(riley, &f.brightside, &form, job_complete_answers(), None).await.map(drop),
        "submit via own",
    );
    not_found(f.service.delete_template(&f.admin, &f.brightside, &template).await, "template via other");
    not_found(f.service.remove_trigger(&f.admin, &f.brightside, &trigger).await, "trigger via other");
    not_found(f.service.contact(riley, &f.brightside, &contact).await.map(drop), "contact via own");
    not_found(f.service.move_opportunity(riley, &f.brightside, &opportunity, &stage).await, "move via own");
    not_found(f.service.log_call(riley, &f.brightside, &contact, "x", "").await, "call via own");
    let sub_accounts: Vec<String> = {
        use app::api::ports::SubAccountsPort;
        f.service.sub_accounts(riley).await.unwrap().into_iter().map(|s| s.name).collect()
    };
    assert_eq!(sub_accounts, ["Brightside Dental"]);
    // Nothing changed in Acme.
    assert_eq!(only_pending_form(&f).await, form);
}

/// A German sub-account: staff type `2,5` hours and `1.450,5` euros, which are read as the
/// numbers they mean; `2.5` is refused rather than read as 25; the note, the custom field and
/// the Completed view write them the German way. Only an admin changes the format.
async fn a_sub_account_reads_and_writes_numbers_its_own_way(db: Db) {
    let f = fixture(db).await;
    f.service.open_sub_account(&f.admin, &f.acme).await.unwrap();
    let german = NumberFormat { locale: Locale::DeDe, currency: Currency::Eur };
    let refused = f.service.set_number_format(&f.sam, &f.acme, german).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "{refused:?}");
    assert_eq!(f.service.settings(&f.admin, &f.acme).await.unwrap().number_format, NumberFormat::default());
    f.service.set_number_format(&f.admin, &f.acme, german).await.unwrap();
    let settings = f.service.settings(&f.admin, &f.acme).await.unwrap();
    assert_eq!((settings.number_format, settings.number_format_origin), (german, FormatOrigin::Chosen));
    assert_eq!(f.service.open_sub_account(&f.sam, &f.acme).await.unwrap().number_format, german);

    let fields = f.service.builtin().custom_fields(&f.acme).await.unwrap();
    let invoice = fields.iter().find(|c| c.name == "Invoice Amount").unwrap().id.clone();
    let writebacks = Writebacks {
        note: true,
        custom_fields: vec![FieldMapping { form_field: "invoice_amount".into(), crm_field_id: invoice }],
        ..Writebacks::default()
    };
    f.stage_trigger("Job Complete", "Service Jobs", "Job Complete", writebacks).await;
    let (_, contact) = move_first_job(&f, "Job Complete").await;
    let form = only_pending_form(&f).await;
    assert_eq!(f.service.form(&f.sam, &f.acme, &form).await.unwrap().number_format, german);

    let mut given = job_complete_answers();
    let refused = f.service.submit_form(&f.sam, &f.acme, &form, given.clone(), None).await;
    let Err(AppError::InvalidAnswers(errors)) = refused else { panic!("2.5 is refused in Germany: {refused:?}") };
    assert_eq!(errors.get("hours"), Some(&FieldError::NotANumber));
    assert_eq!(
        errors["hours"].describe(&german),
        "Enter a number, like 42 or 3,5 (decimals after a comma; a point only groups thousands; at most 15 digits)."
    );
    given.insert("hours".into(), Answer::One("2,5".into()));
    given.insert("invoice_amount".into(), Answer::One("1,450".into()));
    // Typed on a page that still showed US numbers: read the German way, `1,450` would be 1,45 €.
    let stale = f.service.submit_form(&f.sam, &f.acme, &form, given.clone(), Some(NumberFormat::default())).await;
    let Err(AppError::BadRequest(why)) = stale else { panic!("a changed format is not applied silently: {stale:?}") };
    assert!(why.contains("an admin changed how numbers are written here (now like 1234,5 and 1.250,50"), "{why}");
    assert_eq!(only_pending_form(&f).await, form, "nothing was saved");
    given.insert("invoice_amount".into(), Answer::One("1.450,5 €".into()));
    f.service.submit_form(&f.sam, &f.acme, &form, given, Some(german)).await.unwrap();

    let submission = f.service.form(&f.sam, &f.acme, &form).await.unwrap().submission.unwrap();
    let value = |key: &str| submission.answers.iter().find(|a| a.key == key).unwrap().value.clone();
    assert_eq!((value("hours"), value("invoice_amount")), (Value::Number(2.5), Value::Money(145_050)));
    let detail = f.service.contact(&f.sam, &f.acme, &contact).await.unwrap();
    let note = &detail.notes[0].body;
    assert!(note.contains("\nHours on site: 2,5\nInvoice amount: 1.450,50\u{a0}€\n"), "{note}");
    assert_eq!(detail.custom_fields, [("Invoice Amount".to_owned(), "1.450,50\u{a0}€".to_owned())]);
}

on_both_backends!(
    a_sub_account_reads_and_writes_numbers_its_own_way,
    starters_are_created_once_even_when_opened_concurrently,
    events_create_forms_per_matching_trigger_exactly_once,
    submit_writes_back_everything_and_one_failure_does_not_stop_the_others,
    mapped_custom_fields_are_written_with_their_types,
    invalid_answers_are_refused_and_nothing_is_written,
    a_double_submit_runs_writebacks_once,
    a_template_in_use_cannot_be_deleted,
    triggers_are_checked_before_they_are_saved,
    an_identical_trigger_is_refused,
    the_inbox_is_paged_searched_and_filtered,
    nothing_of_another_sub_account_is_reachable,
);
