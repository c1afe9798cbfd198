//! The HighLevel connector: what OpsFlow needs to run as a HighLevel marketplace app
//! (`../shared/reference/highlevel.md`). Built up piece by piece; so far the webhook signature
//! and freshness checks, the decryption of the user context a custom page receives, and the
//! sealing of tokens at rest.

pub mod secrets;
pub mod signature;
pub mod sso;
