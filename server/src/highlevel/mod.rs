//! The HighLevel connector: what OpsFlow needs to run as a HighLevel marketplace app
//! (`../shared/reference/highlevel.md`): its configuration, the webhook signature and freshness
//! checks, the webhook intake, the decryption of the user context a custom page receives, and
//! the sealing of tokens at rest.

pub mod config;
pub mod secrets;
pub mod signature;
pub mod sso;
pub mod webhooks;

use self::config::HighLevelConfig;
use self::webhooks::{Intake, IntakeLimits};
use crate::db::{Store, StoreResult};

/// A server connected to HighLevel.
#[derive(Clone, Debug)]
pub struct HighLevel {
    pub config: HighLevelConfig,
    pub intake: Intake,
}

impl HighLevel {
    pub async fn start(store: Store, config: HighLevelConfig, limits: IntakeLimits) -> StoreResult<Self> {
        let intake = Intake::new(store, config.webhook_keys.clone(), limits).await?;
        Ok(Self { config, intake })
    }
}
