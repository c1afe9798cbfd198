//! The CRM's modules, as the workflow engine names them (seed 001): each of its 27 event types
//! belongs to one, and a workflow's `triggerModule` is one.

use super::named::named;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Module {
    Leads,
    Contacts,
    /// Companies.
    Accounts,
    Opportunities,
    Tasks,
    Projects,
}

impl Module {
    pub const ALL: [Module; 6] =
        [Module::Leads, Module::Contacts, Module::Accounts, Module::Opportunities, Module::Tasks, Module::Projects];
    /// Each module's name on the wire and in the database, in the order of `ALL`.
    pub const NAMES: &'static [&'static str] = &["leads", "contacts", "accounts", "opportunities", "tasks", "projects"];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The heading people read: `Leads`, `Contacts`...
    pub fn label(self) -> &'static str {
        ["Leads", "Contacts", "Accounts", "Opportunities", "Tasks", "Projects"][self as usize]
    }
}

named!(Module, "a module");
