//! The HighLevel connector: what OpsFlow needs to run as a HighLevel marketplace app
//! (`../shared/reference/highlevel.md`): its configuration, the webhook signature and freshness
//! checks, the webhook intake, the decryption of the user context a custom page receives, and
//! the sealing of tokens at rest.

pub mod api;
pub mod catch_up;
pub mod config;
pub mod crm;
pub mod events;
pub mod install;
pub mod limits;
pub mod oauth;
pub mod secrets;
pub mod signature;
pub mod sso;
pub mod tokens;
pub mod webhooks;

use app::model::UserId;
use std::time::Duration;

use self::api::{Api, ApiError};
use self::catch_up::CatchUp;
use self::config::HighLevelConfig;
use self::crm::HighLevelCrm;
use self::oauth::OAuth;
use self::tokens::Tokens;
use self::webhooks::process::Processor;
use self::webhooks::{Intake, IntakeLimits};
use crate::db::{Store, StoreError};
use crate::notify::Notifier;
use crate::supervise::{Stop, supervise};

/// OpsFlow's id for a user who signed in from HighLevel: their HighLevel user id, marked.
pub fn opsflow_user_id(highlevel_user_id: &str) -> UserId {
    UserId::from(format!("hl-{highlevel_user_id}"))
}

/// The HighLevel user id of an OpsFlow user, if they came from HighLevel (others have none,
/// and HighLevel must not be sent an id it does not know).
pub fn highlevel_user_id(opsflow_user_id: &str) -> Option<&str> {
    opsflow_user_id.strip_prefix("hl-")
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot set up the HighLevel client: {0}")]
    Client(String),
}

/// A server connected to HighLevel.
#[derive(Clone, Debug)]
pub struct HighLevel {
    pub config: HighLevelConfig,
    pub intake: Intake,
    pub crm: HighLevelCrm,
    api: Api,
    store: Store,
}

impl HighLevel {
    pub async fn start(store: Store, config: HighLevelConfig, limits: IntakeLimits) -> Result<Self, StartError> {
        let intake = Intake::new(store.clone(), config.webhook_keys.clone(), limits).await?;
        let api = Api::new(&config.api_base).map_err(|error: ApiError| StartError::Client(error.to_string()))?;
        let oauth = OAuth::new(&config, api.http().clone()).map_err(StartError::Client)?;
        let tokens = Tokens::new(store.clone(), api.clone(), oauth, config.secrets.clone());
        let crm = HighLevelCrm::new(api.clone(), tokens, store.clone());
        Ok(Self { config, intake, crm, api, store })
    }

    /// Starts the background work, until `stop`: processing stored webhooks, and the catch-up
    /// job every `catch_up_every`.
    pub fn spawn_workers(
        &self,
        notifier: Notifier,
        catch_up_every: Duration,
        stop: Stop,
    ) -> Vec<tokio::task::JoinHandle<()>> {
        let processor = Processor::new(self.store.clone(), self.intake.clone(), self.crm.clone(), notifier);
        let catch_up = CatchUp::new(self.store.clone(), self.crm.clone(), self.intake.clone());
        vec![
            supervise("highlevel webhooks", stop.clone(), {
                let stop = stop.clone();
                move || processor.clone().run(stop.clone())
            }),
            supervise("highlevel catch-up", stop.clone(), move || catch_up.clone().run(catch_up_every, stop.clone())),
        ]
    }
}
