//! Server functions, grouped by feature, and (under `ssr`) the ports they call.
//!
//! Each server function is thin: find the signed-in user, then make one call into the
//! [`ports::Backend`] that the server crate provides through the Leptos context.

pub mod api_keys;
pub mod auth;
pub mod crm;
pub mod error;
pub mod inbox;
pub mod messaging;
pub mod records;
pub mod settings;
pub mod sub_accounts;
pub mod templates;
pub mod triggers;
pub mod types;
pub mod workflows;

#[cfg(feature = "ssr")]
pub mod ports;
#[cfg(feature = "ssr")]
pub mod session;

pub use error::AppError;
