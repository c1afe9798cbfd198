//! The demo agency: what a fresh `--demo` install shows. Seeded once, into an empty database.

use app::model::CrmFieldType as T;
use app::model::SubAccountId;
use sqlx::AnyConnection;

use crate::auth::hash_password;
use crate::crm::builtin::BuiltinCrm;
use crate::crm::builtin::records::{NewContact, NewCustomField, NewOpportunity};
use crate::db::{Store, StoreError, StoreResult};

pub const ADMIN_EMAIL: &str = "admin@opsflow.test";
pub const ADMIN_PASSWORD: &str = "opsflow-admin";
pub const STAFF_EMAIL: &str = "sam@opsflow.test";
pub const OTHER_STAFF_EMAIL: &str = "riley@opsflow.test";
pub const STAFF_PASSWORD: &str = "opsflow-staff";

pub const ACME: &str = "Acme Plumbing";
pub const BRIGHTSIDE: &str = "Brightside Dental";

/// Seeds the demo agency unless the database already has an agency. Returns whether it seeded.
pub async fn seed_if_empty(store: &Store) -> StoreResult<bool> {
    if store.agency_count().await? > 0 {
        return Ok(false);
    }
    let crm = BuiltinCrm::new(store.clone());
    let hash = |password: &str| hash_password(password).map_err(StoreError::Corrupt);
    let (admin_hash, staff_hash) = (hash(ADMIN_PASSWORD)?, hash(STAFF_PASSWORD)?);

    let mut tx = store.begin().await?;
    let agency = store.create_agency(&mut tx, "Northwind Agency").await?;
    let acme = store.create_sub_account(&mut tx, &agency, ACME, "America/New_York").await?;
    let brightside = store.create_sub_account(&mut tx, &agency, BRIGHTSIDE, "Europe/London").await?;
    let admin = store.create_user(&mut tx, &agency, ADMIN_EMAIL, "Avery Admin", "admin", &admin_hash).await?;
    let sam = store.create_user(&mut tx, &agency, STAFF_EMAIL, "Sam Staff", "staff", &staff_hash).await?;
    let riley = store.create_user(&mut tx, &agency, OTHER_STAFF_EMAIL, "Riley Reed", "staff", &staff_hash).await?;
    for (user, sub_account) in [(&admin, &acme), (&admin, &brightside), (&sam, &acme), (&riley, &brightside)] {
        store.add_membership(&mut tx, user, sub_account).await?;
    }
    seed_crm(&crm, &mut tx, &acme, &ACME_CONTACTS).await?;
    seed_crm(&crm, &mut tx, &brightside, &BRIGHTSIDE_CONTACTS).await?;
    tx.commit().await?;
    tracing::info!(admin = ADMIN_EMAIL, staff = STAFF_EMAIL, "seeded the demo agency");
    Ok(true)
}

const ACME_CONTACTS: [(&str, &str, &str, &str, f64); 6] = [
    ("Jane", "Cooper", "jane.cooper@example.com", "+1 555 010 0101", 1200.0),
    ("Devon", "Lane", "devon.lane@example.com", "+1 555 010 0102", 850.0),
    ("Priya", "Patel", "priya.patel@example.com", "+1 555 010 0103", 4300.0),
    ("Marcus", "Webb", "marcus.webb@example.com", "+1 555 010 0104", 620.0),
    ("Elena", "Garcia", "elena.garcia@example.com", "+1 555 010 0105", 2150.0),
    ("Tom", "Baker", "tom.baker@example.com", "+1 555 010 0106", 980.0),
];

const BRIGHTSIDE_CONTACTS: [(&str, &str, &str, &str, f64); 4] = [
    ("Olivia", "Hart", "olivia.hart@example.co.uk", "+44 20 7946 0011", 300.0),
    ("Noah", "Fisher", "noah.fisher@example.co.uk", "+44 20 7946 0012", 1450.0),
    ("Amara", "Okafor", "amara.okafor@example.co.uk", "+44 20 7946 0013", 90.0),
    ("Liam", "Shaw", "liam.shaw@example.co.uk", "+44 20 7946 0014", 2600.0),
];

async fn seed_crm(
    crm: &BuiltinCrm,
    conn: &mut AnyConnection,
    sub_account: &SubAccountId,
    contacts: &[(&str, &str, &str, &str, f64)],
) -> StoreResult<()> {
    let fields: [(&str, &str, T, &[&str]); 8] = [
        (
            "Call Outcome",
            "call_outcome",
            T::SingleOptions,
            &["Interested", "Not interested", "Callback requested", "No answer", "Wrong number"],
        ),
        ("Callback Date", "callback_date", T::Date, &[]),
        ("Interest Level", "interest_level", T::Radio, &["Hot", "Warm", "Cold"]),
        ("Budget", "budget", T::Monetory, &[]),
        ("Job Satisfaction", "job_satisfaction", T::Numerical, &[]),
        ("Invoice Amount", "invoice_amount", T::Monetory, &[]),
        (
            "Services",
            "services",
            T::MultipleOptions,
            &["Inspection", "Repair", "Replacement", "Installation", "Cleaning"],
        ),
        ("Last Form Notes", "last_form_notes", T::LargeText, &[]),
    ];
    for (position, (name, key, data_type, options)) in (0_i64..).zip(fields) {
        let field = NewCustomField { name, key, data_type, options, position };
        crm.insert_custom_field(conn, sub_account, &field).await?;
    }
    let sales = crm
        .insert_pipeline(
            conn,
            sub_account,
            "Sales Pipeline",
            &["New Lead", "Contacted", "Qualified", "Proposal Sent", "Won"],
            0,
        )
        .await?;
    let jobs = crm
        .insert_pipeline(
            conn,
            sub_account,
            "Service Jobs",
            &["Scheduled", "In Progress", "Job Complete", "Invoiced"],
            1,
        )
        .await?;
    for (i, (first, last, email, phone, value)) in contacts.iter().enumerate() {
        let contact = NewContact { first_name: first, last_name: last, email, phone };
        let contact_id = crm.insert_contact(conn, sub_account, &contact).await?;
        // Spread the deals over the first stages so the board has something to move.
        let (pipeline, stage) = if i % 2 == 0 { (&sales, &sales.stages[i % 3]) } else { (&jobs, &jobs.stages[i % 2]) };
        let name = if pipeline.id == sales.id {
            format!("{first} {last} — new system")
        } else {
            format!("{last} service call")
        };
        let opportunity = NewOpportunity {
            contact_id: &contact_id,
            pipeline_id: &pipeline.id,
            stage_id: &stage.id,
            name: &name,
            monetary_value: *value,
        };
        crm.insert_opportunity(conn, sub_account, &opportunity).await?;
    }
    Ok(())
}
