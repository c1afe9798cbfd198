//! The demo agency: what a fresh `--demo` install shows. Seeded once, into an empty database.

use app::model::CrmFieldType as T;
use app::model::{Cause, Module, SubAccountId, UserId};
use serde_json::{Value, json};
use sqlx::AnyConnection;

use crate::auth::hash_password;
use crate::crm::builtin::BuiltinCrm;
use crate::crm::builtin::modules::RecordError;
use crate::crm::builtin::records::NewCustomField;
use crate::db::tenancy::Tenant;
use crate::db::{Store, StoreError, StoreResult};
use crate::time;

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
    let acme_crm = DemoCrm {
        zone: "America/New_York",
        owners: &[&admin, &sam],
        contacts: &ACME_CONTACTS,
        accounts: ["Cooper Properties", "Lane Hospitality"],
        leads: &ACME_LEADS,
    };
    seed_crm(&crm, &mut tx, &acme, &acme_crm).await?;
    let brightside_crm = DemoCrm {
        zone: "Europe/London",
        owners: &[&admin, &riley],
        contacts: &BRIGHTSIDE_CONTACTS,
        accounts: ["Hart Dental Group", "Fisher Clinics"],
        leads: &BRIGHTSIDE_LEADS,
    };
    seed_crm(&crm, &mut tx, &brightside, &brightside_crm).await?;
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

/// First name, last name, company, stage, score.
const ACME_LEADS: [(&str, &str, &str, &str, i64); 4] = [
    ("Nina", "Brooks", "Brooks Bakery", "new", 10),
    ("Omar", "Haddad", "Haddad Motors", "contacted", 35),
    ("Grace", "Kim", "Kim Architects", "qualified", 70),
    ("Victor", "Stone", "", "unqualified", 5),
];

const BRIGHTSIDE_LEADS: [(&str, &str, &str, &str, i64); 2] =
    [("Ruby", "Clarke", "Clarke Pharmacy", "new", 20), ("Ethan", "Moss", "", "contacted", 45)];

const BRIGHTSIDE_CONTACTS: [(&str, &str, &str, &str, f64); 4] = [
    ("Olivia", "Hart", "olivia.hart@example.co.uk", "+44 20 7946 0011", 300.0),
    ("Noah", "Fisher", "noah.fisher@example.co.uk", "+44 20 7946 0012", 1450.0),
    ("Amara", "Okafor", "amara.okafor@example.co.uk", "+44 20 7946 0013", 90.0),
    ("Liam", "Shaw", "liam.shaw@example.co.uk", "+44 20 7946 0014", 2600.0),
];

/// A sub-account's demo CRM: what each of the six modules shows at first.
struct DemoCrm<'a> {
    zone: &'a str,
    owners: &'a [&'a UserId],
    contacts: &'a [(&'a str, &'a str, &'a str, &'a str, f64)],
    accounts: [&'a str; 2],
    leads: &'a [(&'a str, &'a str, &'a str, &'a str, i64)],
}

struct Demo<'a> {
    crm: &'a BuiltinCrm,
    tenant: Tenant,
}

impl Demo<'_> {
    /// Creates a record as the demo data, firing its `*_created` event like any other write.
    async fn create(&self, conn: &mut AnyConnection, module: Module, values: Value) -> StoreResult<String> {
        let Value::Object(values) = values else { return Err(StoreError::Corrupt("demo record".to_owned())) };
        let created = self.crm.create_on(conn, &self.tenant, &Cause::Demo, module, &values).await;
        Ok(created.map_err(RecordError::into_store)?.id)
    }
}

async fn seed_crm(
    crm: &BuiltinCrm,
    conn: &mut AnyConnection,
    sub_account: &SubAccountId,
    data: &DemoCrm<'_>,
) -> StoreResult<()> {
    let DemoCrm { zone, owners, contacts, accounts: accounts_named, leads } = *data;
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
    let demo = Demo { crm, tenant: Tenant::for_server_work(sub_account.clone()) };
    let (first_owner, second_owner) = (json!(owners[0]), json!(owners[owners.len() - 1]));
    let mut accounts = Vec::new();
    for (name, industry, owner) in
        [(accounts_named[0], "Real estate", &first_owner), (accounts_named[1], "Hospitality", &second_owner)]
    {
        accounts.push(
            demo.create(conn, Module::Accounts, json!({"name": name, "industry": industry, "ownerId": owner})).await?,
        );
    }
    let mut deals = Vec::new();
    for (i, (first, last, email, phone, value)) in contacts.iter().enumerate() {
        let owner = if i % 2 == 0 { &first_owner } else { &second_owner };
        let (source, tags) = (["website", "referral", "phone"][i % 3], if i < 2 { vec!["vip"] } else { Vec::new() });
        let contact = json!({
            "firstName": first, "lastName": last, "email": email, "phone": phone, "ownerId": owner,
            "source": source, "tags": tags,
            "accountId": accounts.get(i).map_or(Value::Null, |id| json!(id)),
        });
        let contact_id = demo.create(conn, Module::Contacts, contact).await?;
        // Spread the deals over the first stages so the board has something to move.
        let (pipeline, stage) = if i % 2 == 0 { (&sales, &sales.stages[i % 3]) } else { (&jobs, &jobs.stages[i % 2]) };
        let name = if pipeline.id == sales.id {
            format!("{first} {last} — new system")
        } else {
            format!("{last} service call")
        };
        let deal = json!({
            "name": name, "contactId": contact_id, "pipelineId": pipeline.id, "stageId": stage.id,
            "monetaryValue": value, "ownerId": owner,
        });
        deals.push((demo.create(conn, Module::Opportunities, deal).await?, contact_id));
    }
    for (i, (first, last, company, stage, score)) in leads.iter().enumerate() {
        let owner = if i % 2 == 0 { Value::Null } else { first_owner.clone() };
        let (email, source) = (format!("{}@example.com", first.to_lowercase()), ["website", "ads"][i % 2]);
        let lead = json!({
            "firstName": first, "lastName": last, "companyName": company, "stage": stage, "score": score,
            "email": email, "source": source, "ownerId": owner,
        });
        demo.create(conn, Module::Leads, lead).await?;
    }
    let (first_deal, first_contact) = &deals[0];
    let project = json!({
        "name": "New system install", "status": "active", "opportunityId": first_deal,
        "description": "Install and commission the system sold in the first deal.", "members": owners,
    });
    let project = demo.create(conn, Module::Projects, project).await?;
    let today = time::today(zone);
    let in_days = |days: usize| (0..days).fold(today, |day, _| day.next_day()).to_string();
    for (title, due, contact, project_id, assignee) in [
        ("Confirm install date", in_days(2), Some(first_contact), Some(&project), &first_owner),
        ("Order parts", in_days(5), None, Some(&project), &second_owner),
        ("Send quote follow-up", in_days(1), Some(&deals[1].1), None, &second_owner),
    ] {
        let task = json!({"title": title, "dueDate": due, "contactId": contact, "projectId": project_id, "assignedTo": assignee});
        demo.create(conn, Module::Tasks, task).await?;
    }
    Ok(())
}
