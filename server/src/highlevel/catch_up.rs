//! The catch-up job: HighLevel retries a webhook only when it was answered 429, so one lost on
//! the way is lost (reference §5.7). Every few minutes, for each installed sub-account, the
//! job searches the open opportunities and feeds each whose stage changed since its last look
//! into the webhook store as an OpportunityStageUpdate of its own. Processing then treats it
//! like any other: an opportunity already known to be at that stage (the webhook did arrive)
//! creates nothing, so nothing is created twice.

use app::model::SubAccountId;
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

use super::crm::HighLevelCrm;
use super::webhooks::payload::OPPORTUNITY_STAGE_UPDATE;
use super::webhooks::{Intake, Receipt};
use crate::crm::CrmResult;
use crate::db::webhooks::NewWebhook;
use crate::db::{Store, now_ms};
use crate::supervise::Stop;

/// HighLevel's largest page.
const PAGE: usize = 100;
/// At most this many pages per sub-account and round (10,000 open opportunities).
const MAX_PAGES: usize = 100;
/// How far back the first look goes, and how much each look overlaps the one before (a change
/// saved in HighLevel just as the previous look ran).
const FIRST_LOOK_MS: i64 = 24 * 3600 * 1000;
const OVERLAP_MS: i64 = 5 * 60 * 1000;

#[derive(Deserialize)]
struct SearchPage {
    #[serde(default)]
    opportunities: Vec<Found>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Found {
    id: String,
    #[serde(default)]
    name: String,
    pipeline_id: String,
    pipeline_stage_id: String,
    contact_id: String,
    last_stage_change_at: Option<String>,
}

#[derive(Clone, Debug)]
pub struct CatchUp {
    store: Store,
    crm: HighLevelCrm,
    intake: Intake,
}

impl CatchUp {
    pub fn new(store: Store, crm: HighLevelCrm, intake: Intake) -> Self {
        Self { store, crm, intake }
    }

    /// Looks at every installed sub-account, then again after `every`, until the server stops.
    pub async fn run(self, every: Duration, stop: Stop) {
        loop {
            match self.store.installed_locations().await {
                Ok(locations) => {
                    for (location, _) in locations {
                        if stop.requested() {
                            return;
                        }
                        if let Err(error) = self.location(&location).await {
                            tracing::warn!(%location, %error, "catch-up failed; trying again next round");
                        }
                    }
                }
                Err(error) => tracing::error!(%error, "catch-up cannot list sub-accounts"),
            }
            if !stop.sleep(every).await {
                return;
            }
        }
    }

    /// One sub-account's look; returns how many stage changes it fed in.
    pub async fn location(&self, location_id: &SubAccountId) -> CrmResult<usize> {
        let started = now_ms();
        let looked = self.store.installed_locations().await.map_err(unavailable)?;
        let since = looked
            .iter()
            .find(|(id, _)| id == location_id)
            .and_then(|(_, at)| *at)
            .map_or(started - FIRST_LOOK_MS, |at| at - OVERLAP_MS);
        let mut fed = 0;
        for page in 1..=MAX_PAGES {
            let page_text = page.to_string();
            let limit = PAGE.to_string();
            let query =
                [("location_id", location_id.as_str()), ("status", "open"), ("limit", &limit), ("page", &page_text)];
            let found: SearchPage = self.crm.get(location_id, "/opportunities/search", &query).await?;
            for opportunity in &found.opportunities {
                let changed = opportunity
                    .last_stage_change_at
                    .as_deref()
                    .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok().map(|at| at.timestamp_millis()));
                if let Some(changed) = changed.filter(|changed| *changed >= since) {
                    fed += usize::from(self.feed(location_id, opportunity, changed).await? == Receipt::Stored);
                }
            }
            if found.opportunities.len() < PAGE {
                break;
            }
        }
        self.store.set_caught_up(location_id, started).await.map_err(unavailable)?;
        if fed > 0 {
            tracing::info!(%location_id, fed, "catch-up found stage changes");
        }
        Ok(fed)
    }

    async fn feed(&self, location_id: &SubAccountId, found: &Found, changed: i64) -> CrmResult<Receipt> {
        let body = json!({
            "type": OPPORTUNITY_STAGE_UPDATE, "locationId": location_id, "id": found.id, "name": found.name,
            "contactId": found.contact_id, "pipelineId": found.pipeline_id, "pipelineStageId": found.pipeline_stage_id,
            "source": "opsflow-catch-up",
        });
        let key = format!("catch-up:{location_id}:{}:{}:{changed}", found.id, found.pipeline_stage_id);
        let webhook = NewWebhook {
            dedupe_key: &key,
            event_type: OPPORTUNITY_STAGE_UPDATE,
            location_id: Some(location_id),
            company_id: None,
            body: &body.to_string(),
        };
        self.intake.enqueue(&webhook).await.map_err(unavailable)
    }
}

fn unavailable(error: crate::db::StoreError) -> crate::crm::CrmError {
    crate::crm::CrmError::Unavailable(error.to_string())
}
