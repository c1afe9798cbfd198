//! The HighLevel connector: what OpsFlow needs to run as a HighLevel marketplace app
//! (`../shared/reference/highlevel.md`). Built up piece by piece; today the webhook signature
//! and freshness checks.

pub mod signature;
