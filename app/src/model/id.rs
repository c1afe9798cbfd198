//! Typed ids: one type per kind of record, so a form id cannot be passed where a template id
//! is wanted, and a function's signature says which ids it takes.
//!
//! Each is the string it always was on the wire and in the database: `#[serde(transparent)]`,
//! and on the server `#[sqlx(transparent)]`, so the store binds and reads them as they are.
//! One name per concept: a HighLevel location *is* a sub-account, so it is a [`SubAccountId`].

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        /// Reads as the string it is (to format, compare or look up); it never turns a string
        /// into an id of another kind.
        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        /// Written as the string it is: one body for every id type, which the wasm optimiser
        /// keeps once (a derived `Debug` would differ by the type's name).
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        /// In the REST API's OpenAPI document: a string.
        #[cfg(feature = "ssr")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .into()
            }
        }

        #[cfg(feature = "ssr")]
        impl utoipa::ToSchema for $name {}

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    )*};
}

ids! {
    /// A sub-account (a HighLevel location when connected): the unit of tenancy.
    SubAccountId;
    /// A person who signs in.
    UserId;
    /// A form template (all its versions share it).
    TemplateId;
    /// A form created for staff to fill.
    FormId;
    /// A rule that turns a CRM event into a form.
    TriggerId;
    /// A CRM event as stored (its own id, not the source's).
    EventId;
    /// A contact in the sub-account's CRM.
    ContactId;
    /// An opportunity (deal) in the sub-account's CRM.
    OpportunityId;
    /// A workflow (all its versions share it).
    WorkflowId;
    /// One action of a workflow, the same in every version that keeps it.
    ActionId;
    /// One run of a workflow, started by one event.
    RunId;
}
