//! Processing stored webhooks. A worker leases the oldest pending webhooks and acts on each:
//!
//! - **OpportunityStageUpdate** → a stage-change event, unless it is the echo of a move OpsFlow
//!   made, or the opportunity was already known to be at that stage (a repeat, or a change the
//!   catch-up job fed in first). The names an inbox row shows are read from HighLevel first;
//!   then the stage record, the event and its forms are written in one transaction.
//! - **VoiceAiCallEnd** → a call-completed event (trial calls from the agent builder excepted).
//! - **INSTALL / UNINSTALL** → the agency or sub-account is created / its tokens dropped.
//! - **Contact, opportunity and task webhooks** (the stage update too) → the module events the
//!   change fires, computed against the record's last snapshot (`records.rs`), stored in the
//!   event stream with the new snapshot in one transaction.
//! - Everything else is kept as stored.
//!
//! A webhook for a sub-account that is not installed does nothing. A failure HighLevel may get
//! over (unavailable, rate-limited) is retried with exponential backoff and jitter; a final one
//! (refused, not found) or too many attempts marks the webhook failed with the reason.

use app::model::record_event::fired;
use app::model::{Cause, Module, Pipeline, RecordEvent, SubAccountId};
use serde_json::{Map, Value};
use sqlx::AnyConnection;
use std::convert::Infallible;
use std::time::Duration;

use super::Intake;
use super::payload::{CallEnded, Envelope, Install, OpportunityChange, Uninstall, Webhook};
use super::records::{RecordChange, record_change};
use crate::crm::{Crm, CrmError};
use crate::db::tenancy::Tenant;
use crate::db::webhooks::{StoredWebhook, WebhookState};
use crate::db::{Store, StoreError, new_id, now_ms};
use crate::events::{CrmEvent, EventDetail, Incoming, IngestOutcome, ingest_on};
use crate::highlevel::crm::HighLevelCrm;
use crate::jobs::{self, JobTiming, Next, Outcome};
use crate::notify::Notifier;
use crate::supervise::Stop;

/// Webhooks processed per round.
const BATCH: usize = 32;
/// How often the worker looks for webhooks without being woken (retries, other instances).
const POLL: Duration = Duration::from_secs(5);

pub const SOURCE: &str = "highlevel";

/// What processing one webhook came to: the state and outcome to record when it is done. The
/// job runner decides from it what comes next.
type Processed = Outcome<(WebhookState, String)>;

impl From<CrmError> for Processed {
    fn from(error: CrmError) -> Self {
        match error {
            CrmError::Unavailable(why) => Outcome::Retry(why),
            other => Outcome::Fail(other.to_string()),
        }
    }
}

impl From<StoreError> for Processed {
    fn from(error: StoreError) -> Self {
        Outcome::Retry(error.to_string())
    }
}

#[derive(Clone, Debug)]
pub struct Processor {
    store: Store,
    intake: Intake,
    crm: HighLevelCrm,
    notifier: Notifier,
}

impl Processor {
    pub fn new(store: Store, intake: Intake, crm: HighLevelCrm, notifier: Notifier) -> Self {
        Self { store, intake, crm, notifier }
    }

    /// Runs until the server stops: a round whenever a webhook is stored, and every few seconds.
    pub async fn run(self, stop: Stop) {
        jobs::run_worker("webhooks", &stop, POLL, Some(self.intake.stored()), || self.round_until(&stop)).await;
    }

    /// Processes what is due now; returns how many webhooks it leased.
    pub async fn round(&self) -> Result<usize, StoreError> {
        self.round_until(&Stop::never()).await
    }

    /// A round of up to [`BATCH`] webhooks, ending after the one in hand when the server stops.
    /// Each is leased just before it is processed, so every attempt starts with a whole lease
    /// (and its bound, shorter than the lease, keeps it inside).
    async fn round_until(&self, stop: &Stop) -> Result<usize, StoreError> {
        let mut processed = 0;
        while processed < BATCH && !stop.requested() {
            let timing = JobTiming::WEBHOOKS;
            let Some(webhook) = self.store.lease_webhooks(1, timing.lease_ms).await?.pop() else { break };
            processed += 1;
            let webhook = &webhook;
            let work = async { Ok::<_, Infallible>(self.process(webhook).await) };
            let Ok(next) = timing.attempt(webhook.attempts, work).await;
            let (state, message, retry_at) = match next {
                Next::Done((state, message)) => (state, message, None),
                Next::Failed(message) => (WebhookState::Failed, message, None),
                Next::GaveUp(why) => {
                    (WebhookState::Failed, format!("gave up after {} attempts: {why}", timing.max_attempts), None)
                }
                Next::RetryAt { why, at } => {
                    (WebhookState::Pending, format!("attempt {} failed: {why}", webhook.attempts), Some(at))
                }
            };
            if state == WebhookState::Failed {
                tracing::warn!(id = webhook.id, event = webhook.event_type, message, "webhook failed");
            }
            if !self.store.finish_webhook(&webhook.id, webhook.attempts, state, &message, retry_at).await? {
                tracing::error!(
                    id = webhook.id,
                    "webhook processing ended after losing its lease; its result is dropped"
                );
            }
        }
        Ok(processed)
    }

    async fn process(&self, stored: &StoredWebhook) -> Processed {
        let body: Value = match serde_json::from_str(&stored.body) {
            Ok(body) => body,
            Err(error) => return Outcome::Fail(format!("the stored body is not JSON: {error}")),
        };
        let read = Envelope::read(&body).and_then(|envelope| {
            let webhook = Webhook::parse(&envelope, &body)?;
            let change = record_change(&envelope.event_type, &body).transpose()?;
            Ok((envelope, webhook, change))
        });
        let (envelope, webhook, change) = match read {
            Ok(read) => read,
            Err(error) => return Outcome::Fail(error.to_string()),
        };
        let result = match webhook {
            Webhook::StageUpdate(change) => self.stage_update(stored, change).await,
            Webhook::CallEnded(call) => self.call_ended(stored, call).await,
            Webhook::Install(install) => self.install(install).await,
            Webhook::Uninstall(uninstall) => self.uninstall(uninstall).await,
            Webhook::Record => Ok(Outcome::Done((WebhookState::Processed, "stored".to_owned()))),
        };
        match (result, change, envelope.location_id) {
            (Ok(Outcome::Done((state, message))), Some(change), Some(location)) => {
                match self.stream(stored, &location.into(), &change).await {
                    Ok(fired) if fired.is_empty() => Outcome::Done((state, message)),
                    Ok(fired) => Outcome::Done((WebhookState::Processed, format!("{message}; {}", fired.join(", ")))),
                    Err(outcome) => outcome,
                }
            }
            (result, _, _) => result.unwrap_or_else(|outcome| outcome),
        }
    }

    /// Stores the module events a record webhook fires — against the record's last snapshot,
    /// which it then replaces — in one transaction, and names them (none when the sub-account
    /// is not installed). A contact is the leads module's while HighLevel calls it a lead (a
    /// read of the contact says so); once it is not, the lead is converted and the contact is
    /// new to the contacts module.
    async fn stream(
        &self,
        stored: &StoredWebhook,
        location: &SubAccountId,
        change: &RecordChange,
    ) -> Result<Vec<&'static str>, Processed> {
        if self.not_installed(location).await?.is_some() {
            return Ok(Vec::new());
        }
        let tenant = installed(location);
        let mut changes = vec![change.clone()];
        if change.module == Module::Contacts {
            // A contact HighLevel no longer has (deleted since) is taken as it was sent.
            let lead = match self.crm.is_lead(location, &change.record_id.as_str().into()).await {
                Err(CrmError::NotFound(_)) => false,
                read => read?,
            };
            if lead {
                changes[0].module = Module::Leads;
                changes[0].fields.retain(|name, _| Module::Leads.field(name).is_some() || name == "customFields");
                // A contact HighLevel calls a lead is not converted (yet).
                changes[0].fields.insert("converted".to_owned(), Value::Bool(false));
            } else if let Some(lead) = self.store.snapshot(&tenant, Module::Leads, &change.record_id).await?
                && lead.get("converted") != Some(&Value::Bool(true))
            {
                changes[0].creates = true;
                let converted = [
                    ("converted".to_owned(), Value::Bool(true)),
                    ("contactId".to_owned(), Value::String(change.record_id.clone())),
                ];
                changes.push(RecordChange {
                    module: Module::Leads,
                    record_id: change.record_id.clone(),
                    fields: converted.into_iter().collect(),
                    creates: false,
                    implied_previous: Map::new(),
                });
            }
        }
        let mut tx = self.store.begin().await?;
        let mut names = Vec::new();
        for change in &changes {
            names.extend(self.apply(&mut tx, &tenant, stored, change).await?);
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(names)
    }

    /// One record's change on `tx`: its events, and its new snapshot. A record seen for the
    /// first time fires its `*_created` if the webhook creates it, else only what the webhook's
    /// type implies (a completed task), since what it was before is unknown.
    async fn apply(
        &self,
        tx: &mut AnyConnection,
        tenant: &Tenant,
        stored: &StoredWebhook,
        change: &RecordChange,
    ) -> Result<Vec<&'static str>, StoreError> {
        let RecordChange { module, record_id, fields, creates, implied_previous } = change;
        let snapshot = self.store.lock_snapshot(tx, tenant, *module, record_id).await?;
        let mut after = snapshot.clone().unwrap_or_default();
        after.extend(fields.iter().map(|(name, value)| (name.clone(), value.clone())));
        after.insert("id".to_owned(), Value::String(record_id.clone()));
        let before = match (snapshot, creates) {
            (Some(before), _) => Some(before),
            (None, true) => None,
            (None, false) => {
                let mut before = after.clone();
                before.extend(implied_previous.iter().map(|(name, value)| (name.clone(), value.clone())));
                Some(before)
            }
        };
        let fired = fired(*module, before.as_ref(), &after);
        for fired in &fired {
            let event = RecordEvent {
                id: new_id().into(),
                sub_account_id: tenant.id().clone(),
                module: *module,
                event_type: fired.event_type,
                record_id: record_id.clone(),
                occurred_at: now_ms(),
                record: after.clone(),
                previous: fired.previous.clone(),
                cause: Cause::HighLevel { webhook_id: stored.id.clone() },
            };
            let external_id = format!("{}:{}", stored.dedupe_key, fired.event_type.as_str());
            self.store.insert_record_event(tx, tenant, &event, SOURCE, &external_id).await?;
        }
        self.store.save_snapshot(tx, tenant, *module, record_id, &after).await?;
        Ok(fired.iter().map(|fired| fired.event_type.as_str()).collect())
    }

    /// `Some(reason)` when the sub-account is not (or no longer) installed.
    async fn not_installed(&self, location_id: &SubAccountId) -> Result<Option<Processed>, Processed> {
        let installed = self.store.location_token(location_id).await?.is_some_and(|row| row.uninstalled_at.is_none());
        Ok((!installed)
            .then(|| Outcome::Done((WebhookState::Ignored, format!("sub-account {location_id} is not installed")))))
    }

    async fn stage_update(&self, stored: &StoredWebhook, change: OpportunityChange) -> Result<Processed, Processed> {
        if let Some(ignored) = self.not_installed(&change.location_id).await? {
            return Ok(ignored);
        }
        let location = &change.location_id;
        let contact = self.crm.get_contact(location, &change.contact_id).await?;
        let (pipeline_name, stage_name) =
            self.stage_names(location, &change.pipeline_id, &change.pipeline_stage_id).await?;
        let mut tx = self.store.begin().await?;
        let echo = self.store.take_echo(&mut tx, location, &change.id, &change.pipeline_stage_id).await?;
        let moved = self
            .store
            .track_stage(&mut tx, location, &change.id, &change.pipeline_id, &change.pipeline_stage_id)
            .await?;
        if echo {
            tx.commit().await.map_err(StoreError::from)?;
            return Ok(Outcome::Done((WebhookState::Ignored, "the echo of OpsFlow's own pipeline move".to_owned())));
        }
        if !moved {
            tx.commit().await.map_err(StoreError::from)?;
            return Ok(Outcome::Done((WebhookState::Ignored, format!("already known to be at {stage_name}"))));
        }
        let detail = EventDetail::StageChanged {
            opportunity_id: change.id.clone(),
            pipeline_id: change.pipeline_id.clone(),
            pipeline_name,
            stage_id: change.pipeline_stage_id.clone(),
            stage_name: stage_name.clone(),
        };
        let event =
            CrmEvent::new(&installed(location), SOURCE, stored.dedupe_key.clone(), contact.id, contact.name, detail);
        let outcome = ingest_on(&self.store, &mut tx, &Incoming::Form(event)).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(self.created(location, &outcome, &format!("moved to {stage_name}")))
    }

    /// The pipeline's and stage's names; a stage the cache does not know yet (added since) makes
    /// one fresh read before falling back to the ids.
    async fn stage_names(
        &self,
        location: &SubAccountId,
        pipeline_id: &str,
        stage_id: &str,
    ) -> Result<(String, String), Processed> {
        let find = |pipelines: &[Pipeline]| {
            let pipeline = pipelines.iter().find(|p| p.id == pipeline_id)?;
            Some((pipeline.name.clone(), pipeline.stage(stage_id)?.name.clone()))
        };
        if let Some(names) = find(&self.crm.pipelines(location).await?) {
            return Ok(names);
        }
        self.crm.forget_cache(location);
        Ok(find(&self.crm.pipelines(location).await?).unwrap_or_else(|| (pipeline_id.to_owned(), stage_id.to_owned())))
    }

    async fn call_ended(&self, stored: &StoredWebhook, call: CallEnded) -> Result<Processed, Processed> {
        if let Some(ignored) = self.not_installed(&call.location_id).await? {
            return Ok(ignored);
        }
        if call.trial_call {
            return Ok(Outcome::Done((WebhookState::Ignored, "a trial call from the agent builder".to_owned())));
        }
        let Some(contact_id) = call.contact_id.filter(|id| !id.is_empty()) else {
            return Ok(Outcome::Done((WebhookState::Ignored, "the call has no contact".to_owned())));
        };
        let contact = self.crm.get_contact(&call.location_id, &contact_id).await?;
        let detail =
            EventDetail::CallCompleted { call_id: call.id, summary: call.summary, transcript: call.transcript };
        let tenant = installed(&call.location_id);
        let event = CrmEvent::new(&tenant, SOURCE, stored.dedupe_key.clone(), contact.id, contact.name, detail);
        let mut tx = self.store.begin().await?;
        let outcome = ingest_on(&self.store, &mut tx, &Incoming::Form(event)).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(self.created(&call.location_id, &outcome, "call ended"))
    }

    fn created(&self, location: &SubAccountId, outcome: &IngestOutcome, what: &str) -> Processed {
        match outcome {
            IngestOutcome::Accepted { forms, .. } => {
                if !forms.is_empty() {
                    self.notifier.changed(location);
                }
                Outcome::Done((WebhookState::Processed, format!("{what}: {} form(s) created", forms.len())))
            }
            IngestOutcome::Duplicate => Outcome::Done((WebhookState::Ignored, "already processed".to_owned())),
        }
    }

    async fn install(&self, install: Install) -> Result<Processed, Processed> {
        let company = match (&install.company_id, &install.location_id) {
            (Some(company), _) => company.clone(),
            // "Future location" installs may come without the company: a known location has one.
            (None, Some(location)) => match self.store.location_token(location).await? {
                Some(row) => row.company_id,
                None => return Ok(Outcome::Fail(format!("INSTALL of {location} does not say which agency"))),
            },
            (None, None) => return Ok(Outcome::Fail("INSTALL names neither an agency nor a location".to_owned())),
        };
        self.store.install_company(&company, install.company_name.as_deref()).await?;
        let Some(location) = install.location_id else {
            return Ok(Outcome::Done((WebhookState::Processed, format!("agency {company} installed"))));
        };
        self.store.install_location(&location, &company, &format!("Sub-account {location}"), "UTC").await?;
        // The agency's token may not be here yet (INSTALL can beat the OAuth callback); the
        // callback names the sub-accounts then.
        match self.crm.location_details(&location).await {
            Ok(details) => {
                self.store
                    .rename_sub_account(&location, &details.name, &details.time_zone, details.country.as_deref())
                    .await?
            }
            Err(error) => tracing::info!(%location, %error, "installed; the sub-account's name comes later"),
        }
        Ok(Outcome::Done((WebhookState::Processed, format!("sub-account {location} installed"))))
    }

    async fn uninstall(&self, uninstall: Uninstall) -> Result<Processed, Processed> {
        let message = match (uninstall.location_id, uninstall.company_id) {
            (Some(location), _) => {
                self.store.uninstall_location(&location).await?;
                self.crm.forget_cache(&location);
                format!("sub-account {location} uninstalled; its data is kept")
            }
            (None, Some(company)) => {
                self.store.uninstall_company(&company).await?;
                format!("agency {company} uninstalled; its data is kept")
            }
            (None, None) => return Ok(Outcome::Fail("UNINSTALL names neither an agency nor a location".to_owned())),
        };
        Ok(Outcome::Done((WebhookState::Processed, message)))
    }
}

/// The sub-account a signed webhook names, once `not_installed` said it is installed: the
/// server's own work for a delivery HighLevel signed, not a person's request.
fn installed(location: &SubAccountId) -> Tenant {
    Tenant::for_server_work(location.clone())
}
