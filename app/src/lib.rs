//! OpsFlow's Leptos application: the shared model, the UI, and the server functions.

pub mod api;
pub mod model;
pub mod ui;

pub use ui::{App, shell};
