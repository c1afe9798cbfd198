//! The server's integration tests, as one test binary: each file was a binary of its own, and
//! linking the server eight times cost more than running the tests.

#[macro_use]
mod common;
mod connected;
mod standin;

mod crm_modules;
mod form_loop;
mod form_submitted;
mod highlevel_api;
mod highlevel_flow;
mod highlevel_sso;
mod highlevel_webhooks;
mod highlevel_writebacks;
mod http_api;
mod markup;
mod messaging;
mod templates;
mod workflow_budgets;
mod workflow_calls;
mod workflow_durability;
mod workflow_events;
mod workflow_runs;
mod workflow_screens;
mod workflows_api;
