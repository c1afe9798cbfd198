//! The CRM's modules, as the workflow engine names them (seed 001): each of its 27 event types
//! belongs to one. A workflow's `triggerModule` is one of them, or `forms` ([`TriggerModule`]).

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

    /// One of its records, as a sentence names it: `Lead` Nina Brooks.
    pub fn one(self) -> &'static str {
        ["Lead", "Contact", "Account", "Opportunity", "Task", "Project"][self as usize]
    }
}

named!(Module, "a module");

/// What a workflow's `triggerModule` names: a CRM module, whose records' events start it, or
/// `forms`, whose submissions in the inbox do. Forms are OpsFlow's own, not records of a CRM: the
/// record pages, the Activity and the events API know [`Module`]s only, so a form can never be
/// taken for one there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TriggerModule {
    Records(Module),
    Forms,
}

impl TriggerModule {
    pub const ALL: [TriggerModule; 7] = [
        TriggerModule::Records(Module::Leads),
        TriggerModule::Records(Module::Contacts),
        TriggerModule::Records(Module::Accounts),
        TriggerModule::Records(Module::Opportunities),
        TriggerModule::Records(Module::Tasks),
        TriggerModule::Records(Module::Projects),
        TriggerModule::Forms,
    ];
    /// Each one's name, in the order of `ALL`: the modules' names, then `forms`.
    pub const NAMES: &'static [&'static str] =
        &["leads", "contacts", "accounts", "opportunities", "tasks", "projects", "forms"];

    pub fn as_str(self) -> &'static str {
        match self {
            TriggerModule::Records(module) => module.as_str(),
            TriggerModule::Forms => "forms",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TriggerModule::Records(module) => module.label(),
            TriggerModule::Forms => "Forms",
        }
    }

    /// The merge tag that writes the trigger record's name (a new deal's or project's default
    /// name): only fields the module's records have.
    pub fn name_tag(self) -> &'static str {
        match self {
            TriggerModule::Records(Module::Leads | Module::Contacts) => "{{trigger.firstName}} {{trigger.lastName}}",
            TriggerModule::Records(Module::Tasks) => "{{trigger.title}}",
            TriggerModule::Records(Module::Accounts | Module::Opportunities | Module::Projects) => "{{trigger.name}}",
            TriggerModule::Forms => "{{trigger.contactName}}",
        }
    }

    /// The CRM module of the record a workflow's actions act on (assign, tag, update, the
    /// `owner`): the trigger record's own, or for a submitted form its contact.
    pub fn record_module(self) -> Module {
        match self {
            TriggerModule::Records(module) => module,
            TriggerModule::Forms => Module::Contacts,
        }
    }
}

impl From<Module> for TriggerModule {
    fn from(module: Module) -> Self {
        TriggerModule::Records(module)
    }
}

named!(TriggerModule, "a module");
