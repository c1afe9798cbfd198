//! The template builder's server side against real SQLite and PostgreSQL: versions, concurrent
//! saves, checks on save (including trigger mappings the edit would break), create, duplicate,
//! import and export, and who may do what.
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first surprise")]

use crate::common::{Db, Fixture, fixture};
use app::api::AppError;
use app::api::ports::{CrmViewPort, InboxPort, SettingsPort, SubAccountsPort, TemplatesPort, TriggersPort};
use app::api::types::{InboxQuery, PendingVersion};
use app::model::transfer::export_template;
use app::model::trigger::FieldMapping;
use app::model::{FieldKind, Template, TemplateId, TemplateProblem, TriggerConfig, TriggerEvent, Writebacks};

async fn template_id(f: &Fixture, name: &str) -> TemplateId {
    f.service.open_sub_account(&f.admin, &f.acme).await.unwrap();
    let templates = f.service.templates(&f.admin, &f.acme).await.unwrap();
    templates.into_iter().find(|t| t.name == name).expect("starter template").id
}

async fn version_of(f: &Fixture, id: &TemplateId) -> i64 {
    let templates = f.service.templates(&f.admin, &f.acme).await.unwrap();
    templates.into_iter().find(|t| t.id == *id).expect("template").version
}

async fn each_save_is_a_new_version_and_forms_keep_theirs(db: Db) {
    let f = fixture(db).await;
    let id = template_id(&f, "Call Disposition").await;
    let config = TriggerConfig {
        event: TriggerEvent::CallCompleted,
        template_id: id.clone(),
        writebacks: Writebacks::default(),
    };
    f.service.add_trigger(&f.admin, &f.acme, config).await.unwrap();
    let board = f.service.crm_board(&f.sam, &f.acme).await.unwrap();
    f.service.log_call(&f.sam, &f.acme, &board.contacts[0].id, "Wants a quote.", "").await.unwrap();

    let draft = f.service.template(&f.sam, &f.acme, &id).await.unwrap();
    assert_eq!(draft.version, 1);
    let mut edited = draft.template.clone();
    let original_label = edited.fields[0].label.clone();
    edited.fields[0].label = "How did the call end?".into();
    let saved = f.service.save_template(&f.admin, &f.acme, &id, 1, edited.clone()).await.unwrap();
    assert_eq!(saved.version, 2);
    assert_eq!(version_of(&f, &id).await, 2);
    assert_eq!(f.service.template(&f.admin, &f.acme, &id).await.unwrap().template, edited);

    // The form made before the save keeps version 1, label and all.
    let pending = f.service.pending_forms(&f.sam, &f.acme, &InboxQuery::default()).await.unwrap().rows;
    assert_eq!(pending[0].template_version, 1);
    let form = f.service.form(&f.sam, &f.acme, &pending[0].id).await.unwrap();
    assert_eq!((form.template_version, form.template.fields[0].label.clone()), (1, original_label));

    // The list says which version the pending form uses.
    let summary = f.service.templates(&f.admin, &f.acme).await.unwrap().into_iter().find(|t| t.id == id).unwrap();
    assert_eq!(summary.pending_versions, vec![PendingVersion { version: 1, forms: 1 }]);

    // A second editor who also started from version 1 does not overwrite version 2.
    let mut other = draft.template.clone();
    other.name = "Someone else's edit".into();
    let stale = f.service.save_template(&f.admin, &f.acme, &id, 1, other).await.unwrap_err();
    assert!(
        matches!(&stale, AppError::Conflict(m)
            if m.starts_with("This template changed while you were editing: You saved it in another tab or window as version 2 at ")),
        "the same admin, in another tab: {stale:?}"
    );

    // A template with problems is refused with the same list the builder shows; nothing is stored.
    let mut broken = edited.clone();
    broken.fields[0].label = " ".into();
    let refused = f.service.save_template(&f.admin, &f.acme, &id, 2, broken).await.unwrap_err();
    let field = edited.fields[0].key.clone();
    assert_eq!(refused, AppError::InvalidTemplate(vec![TemplateProblem::EmptyLabel { field }]));
    assert_eq!(version_of(&f, &id).await, 2);
}

async fn a_save_that_breaks_a_trigger_mapping_is_refused(db: Db) {
    let f = fixture(db).await;
    let id = template_id(&f, "Job Complete").await;
    let crm_fields = f.service.settings(&f.admin, &f.acme).await.unwrap().crm_fields;
    let invoice = crm_fields.iter().find(|c| c.name == "Invoice Amount").expect("demo custom field");
    let writebacks = Writebacks {
        custom_fields: vec![FieldMapping { form_field: "invoice_amount".into(), crm_field_id: invoice.id.clone() }],
        ..Writebacks::default()
    };
    let config = TriggerConfig { event: TriggerEvent::CallCompleted, template_id: id.clone(), writebacks };
    f.service.add_trigger(&f.admin, &f.acme, config).await.unwrap();
    let template = f.service.template(&f.admin, &f.acme, &id).await.unwrap().template;

    // The builder gets the mappings and their CRM fields, to show the same problems while editing.
    let context = f.service.template_mappings(&f.admin, &f.acme, &id).await.unwrap();
    assert_eq!(
        context.mappings,
        vec![FieldMapping { form_field: "invoice_amount".into(), crm_field_id: invoice.id.clone() }]
    );
    assert!(context.crm_fields.iter().any(|c| c.id == invoice.id));
    let refused = f.service.template_mappings(&f.sam, &f.acme, &id).await.unwrap_err();
    assert!(matches!(refused, AppError::Forbidden(_)), "{refused:?}");

    let mut retyped = template.clone();
    let field = retyped.fields.iter_mut().find(|f| f.key == "invoice_amount").unwrap();
    field.kind = FieldKind::Date;
    let refused = f.service.save_template(&f.admin, &f.acme, &id, 1, retyped).await.unwrap_err();
    let AppError::InvalidTemplate(problems) = &refused else { panic!("{refused:?}") };
    assert!(
        matches!(&problems[..], [TemplateProblem::TriggerMapping { field, reason }]
            if field == "invoice_amount" && reason.contains("Invoice Amount")),
        "{problems:?}"
    );
    assert!(refused.to_string().contains("change its mapping in Settings"), "{refused}");

    let mut without = template.clone();
    without.fields.retain(|f| f.key != "invoice_amount");
    let refused = f.service.save_template(&f.admin, &f.acme, &id, 1, without).await.unwrap_err();
    assert!(
        matches!(&refused, AppError::InvalidTemplate(p) if matches!(&p[..], [TemplateProblem::TriggerMapping { .. }])),
        "{refused:?}"
    );
    assert_eq!(version_of(&f, &id).await, 1, "nothing was saved");

    // Edits that keep the mapping working are fine.
    let mut relabelled = template;
    relabelled.fields.iter_mut().find(|f| f.key == "invoice_amount").unwrap().label = "Invoice total".into();
    assert_eq!(f.service.save_template(&f.admin, &f.acme, &id, 1, relabelled).await.unwrap().version, 2);
}

async fn create_duplicate_import_and_export(db: Db) {
    let f = fixture(db).await;
    let id = template_id(&f, "Appointment Follow-Up").await;
    let before = f.service.templates(&f.admin, &f.acme).await.unwrap().len();

    let file = f.service.export_template(&f.sam, &f.acme, &id).await.unwrap();
    let original = f.service.template(&f.admin, &f.acme, &id).await.unwrap().template;
    assert_eq!(file, export_template(&original));
    let imported = f.service.import_template(&f.admin, &f.acme, &file).await.unwrap();
    assert_ne!(imported.id, id);
    // The sub-account has a template of that name: the import is told apart by a number.
    let numbered = Template { name: "Appointment Follow-Up (2)".into(), ..original.clone() };
    assert_eq!((imported.version, &imported.template), (1, &numbered));

    let copy = f.service.duplicate_template(&f.admin, &f.acme, &id).await.unwrap();
    assert_eq!(copy.template.name, "Appointment Follow-Up (copy)");
    assert_eq!(copy.template.fields, original.fields);

    let mut fresh = original.clone();
    fresh.name = "Site survey".into();
    let created = f.service.create_template(&f.admin, &f.acme, fresh).await.unwrap();
    assert_eq!(created.version, 1);
    assert_eq!(f.service.templates(&f.admin, &f.acme).await.unwrap().len(), before + 3);
    let again = f.service.import_template(&f.admin, &f.acme, &file).await.unwrap();
    assert_eq!(again.template.name, "Appointment Follow-Up (3)");
    f.service.delete_template(&f.admin, &f.acme, &again.id).await.unwrap();

    // A broken file or template saves nothing and says why.
    let refused = f.service.import_template(&f.admin, &f.acme, "{\"format\": ").await.unwrap_err();
    assert!(
        matches!(&refused, AppError::InvalidImport(p) if p.len() == 1 && p[0].starts_with("The file cannot be read at line 1")),
        "{refused:?}"
    );
    let broken = file.replace("\"Appointment Follow-Up\"", "\"\"");
    let refused = f.service.import_template(&f.admin, &f.acme, &broken).await.unwrap_err();
    assert_eq!(refused, AppError::InvalidImport(vec!["The template needs a name.".into()]));
    let mut nameless = original;
    nameless.name = " ".into();
    let refused = f.service.create_template(&f.admin, &f.acme, nameless).await.unwrap_err();
    assert_eq!(refused, AppError::InvalidTemplate(vec![TemplateProblem::EmptyName]));
    assert_eq!(f.service.templates(&f.admin, &f.acme).await.unwrap().len(), before + 3);
}

async fn only_admins_change_templates_and_only_their_own(db: Db) {
    let f = fixture(db).await;
    let id = template_id(&f, "Job Complete").await;
    let draft = f.service.template(&f.sam, &f.acme, &id).await.unwrap();
    let file = f.service.export_template(&f.sam, &f.acme, &id).await.unwrap();
    let forbidden = AppError::admins_only();
    let s = &f.service;
    assert_eq!(s.save_template(&f.sam, &f.acme, &id, 1, draft.template.clone()).await, Err(forbidden.clone()));
    assert_eq!(s.create_template(&f.sam, &f.acme, draft.template.clone()).await, Err(forbidden.clone()));
    assert_eq!(s.duplicate_template(&f.sam, &f.acme, &id).await, Err(forbidden.clone()));
    assert_eq!(s.import_template(&f.sam, &f.acme, &file).await, Err(forbidden));

    // Riley works for Brightside: Acme's template is not there for her, under any id.
    let missing = AppError::not_found("That sub-account");
    assert_eq!(s.template(&f.riley, &f.acme, &id).await, Err(missing.clone()));
    assert_eq!(s.export_template(&f.riley, &f.acme, &id).await, Err(missing));
    let not_here = AppError::not_found("That template");
    assert_eq!(s.template(&f.admin, &f.brightside, &id).await, Err(not_here.clone()));
    assert_eq!(s.save_template(&f.admin, &f.brightside, &id, 1, draft.template).await, Err(not_here.clone()));
    assert_eq!(s.duplicate_template(&f.admin, &f.brightside, &id).await, Err(not_here));
    assert_eq!(version_of(&f, &id).await, 1);
}

on_both_backends!(
    each_save_is_a_new_version_and_forms_keep_theirs,
    a_save_that_breaks_a_trigger_mapping_is_refused,
    create_duplicate_import_and_export,
    only_admins_change_templates_and_only_their_own,
);
