//! Events from outside a write of the built-in CRM — the board's moves, a webhook, the events
//! API — enter here. A form-trigger event ([`CrmEvent`]) is stored once (a redelivery with the
//! same id changes nothing), matched against the sub-account's triggers, and each matching
//! trigger creates one pending form from the current version of its template — all in one
//! transaction, so an acknowledged event is never half processed. A module event another CRM
//! reports ([`ReportedEvent`]) is stored once in the event stream, after its record's earlier
//! events.

mod batch;

pub use batch::{IngestError, Ingestor};

use app::model::{ContactId, EventId, EventType, FormId, OpportunityId, RecordEvent, TriggerEvent};
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use crate::db::forms::NewForm;
use crate::db::tenancy::Tenant;
use crate::db::{Store, StoreResult, to_json};

/// A CRM event, with the names a form shows already resolved by the source that received it.
/// Its sub-account is a [`Tenant`], so an event (and the forms it creates) exists only for a
/// sub-account a membership check or the server's own work established: see [`CrmEvent::new`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CrmEvent {
    #[serde(rename = "sub_account_id")]
    tenant: Tenant,
    /// Where it came from (`builtin`, `highlevel`); ids are unique per source.
    pub source: String,
    /// The source's id for this delivery: the dedupe key.
    pub external_id: String,
    pub contact_id: ContactId,
    pub contact_name: String,
    pub detail: EventDetail,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventDetail {
    StageChanged {
        opportunity_id: OpportunityId,
        pipeline_id: String,
        pipeline_name: String,
        stage_id: String,
        stage_name: String,
    },
    CallCompleted {
        call_id: String,
        summary: String,
        transcript: String,
    },
}

impl CrmEvent {
    pub fn new(
        tenant: &Tenant,
        source: &str,
        external_id: String,
        contact_id: ContactId,
        contact_name: String,
        detail: EventDetail,
    ) -> Self {
        Self { tenant: tenant.clone(), source: source.to_owned(), external_id, contact_id, contact_name, detail }
    }

    pub fn tenant(&self) -> &Tenant {
        &self.tenant
    }

    /// The event as triggers match it.
    pub fn kind(&self) -> TriggerEvent {
        match &self.detail {
            EventDetail::StageChanged { pipeline_id, stage_id, .. } => {
                TriggerEvent::StageChanged { pipeline_id: pipeline_id.clone(), stage_id: stage_id.clone() }
            }
            EventDetail::CallCompleted { .. } => TriggerEvent::CallCompleted,
        }
    }

    pub fn event_type(&self) -> EventType {
        match &self.detail {
            EventDetail::StageChanged { .. } => EventType::StageChanged,
            EventDetail::CallCompleted { .. } => EventType::CallCompleted,
        }
    }

    /// The trigger context an inbox row shows: `Pipeline › Stage` or `Call Completed`.
    pub fn context(&self) -> String {
        match &self.detail {
            EventDetail::StageChanged { pipeline_name, stage_name, .. } => format!("{pipeline_name} › {stage_name}"),
            EventDetail::CallCompleted { .. } => "Call Completed".to_owned(),
        }
    }
}

/// A module event another CRM reported (the events API; HighLevel's webhooks), for a
/// sub-account it was checked for; see [`ReportedEvent::new`].
#[derive(Clone, Debug, PartialEq)]
pub struct ReportedEvent {
    tenant: Tenant,
    /// Where it came from (`api`, `highlevel`) and the source's id for it: the dedupe key.
    source: String,
    external_id: String,
    event: RecordEvent,
}

impl ReportedEvent {
    /// The event, for the tenant's sub-account whatever `event.sub_account_id` said.
    pub fn new(tenant: &Tenant, source: &str, external_id: String, mut event: RecordEvent) -> Self {
        event.sub_account_id = tenant.id().clone();
        Self { tenant: tenant.clone(), source: source.to_owned(), external_id, event }
    }
}

/// What enters the ingestion path.
#[derive(Clone, Debug, PartialEq)]
pub enum Incoming {
    Form(CrmEvent),
    Record(ReportedEvent),
}

impl Incoming {
    pub fn tenant(&self) -> &Tenant {
        match self {
            Incoming::Form(event) => event.tenant(),
            Incoming::Record(reported) => &reported.tenant,
        }
    }
}

impl From<CrmEvent> for Incoming {
    fn from(event: CrmEvent) -> Self {
        Incoming::Form(event)
    }
}

impl From<ReportedEvent> for Incoming {
    fn from(reported: ReportedEvent) -> Self {
        Incoming::Record(reported)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum IngestOutcome {
    /// Stored; `forms` are the pending forms it created (possibly none).
    Accepted { event_id: EventId, forms: Vec<FormId> },
    /// Already stored earlier: nothing was created.
    Duplicate,
}

/// Stores one incoming event (and creates a form-trigger event's forms) on `conn`, which must be
/// inside a transaction.
pub async fn ingest_on(store: &Store, conn: &mut AnyConnection, incoming: &Incoming) -> StoreResult<IngestOutcome> {
    match incoming {
        Incoming::Form(event) => ingest_form_event(store, conn, event).await,
        Incoming::Record(reported) => ingest_record_event(store, conn, reported).await,
    }
}

async fn ingest_record_event(
    store: &Store,
    conn: &mut AnyConnection,
    reported: &ReportedEvent,
) -> StoreResult<IngestOutcome> {
    let ReportedEvent { tenant, source, external_id, event } = reported;
    Ok(if store.insert_record_event(conn, tenant, event, source, external_id).await?.is_some() {
        IngestOutcome::Accepted { event_id: event.id.clone(), forms: Vec::new() }
    } else {
        IngestOutcome::Duplicate
    })
}

async fn ingest_form_event(store: &Store, conn: &mut AnyConnection, event: &CrmEvent) -> StoreResult<IngestOutcome> {
    let tenant = event.tenant();
    let payload = to_json(event)?;
    let Some(event_id) =
        store.insert_event(conn, tenant, &event.source, &event.external_id, event.event_type(), &payload).await?
    else {
        return Ok(IngestOutcome::Duplicate);
    };
    let kind = event.kind();
    let context = event.context();
    let (opportunity_id, pipeline_id, stage_id) = match &event.detail {
        EventDetail::StageChanged { opportunity_id, pipeline_id, stage_id, .. } => {
            (Some(opportunity_id), Some(pipeline_id.as_str()), Some(stage_id.as_str()))
        }
        EventDetail::CallCompleted { .. } => (None, None, None),
    };
    let mut forms = Vec::new();
    for trigger in store.triggers_for_event(conn, tenant, event.event_type()).await? {
        if !trigger.config.event.matches(&kind) {
            continue;
        }
        let Some(template) = store.current_template(conn, tenant, &trigger.template_id).await? else {
            continue;
        };
        let form = NewForm {
            tenant,
            template_id: &trigger.template_id,
            template_version: template.version,
            trigger_id: Some(&trigger.id),
            event_id: &event_id,
            contact_id: &event.contact_id,
            contact_name: &event.contact_name,
            opportunity_id,
            pipeline_id,
            stage_id,
            context: &context,
            writebacks: &trigger.config.writebacks,
            caused_by: None,
        };
        forms.push(store.insert_form(conn, &form).await?);
    }
    Ok(IngestOutcome::Accepted { event_id, forms })
}
