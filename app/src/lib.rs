//! OpsFlow's Leptos application: the shared model, the UI, and the server functions.

// Leptos views are nested generic types; the settings form needs more than the default depth.
#![recursion_limit = "256"]

pub mod api;
pub mod model;
pub mod ui;

pub use ui::{App, shell};
