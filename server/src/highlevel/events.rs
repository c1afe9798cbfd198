//! Which of OpsFlow's events a HighLevel-connected sub-account has, and from which webhook: the
//! README's mapping table is this function in words (a test keeps them one). The workflow
//! engine refuses a workflow on an event its sub-account cannot have, with the reason here.

use app::model::EventType;

/// Whether connected sub-accounts get an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Availability {
    /// From these webhooks, as the built-in CRM fires it.
    Yes { from: &'static str },
    /// From these webhooks, with a limit people should know.
    Partly { from: &'static str, limit: &'static str },
    /// Not at all, and why.
    No { why: &'static str },
}

const SNAPSHOT: &str = "computed against the last copy OpsFlow saw (webhooks carry no previous values): a record's \
                        first webhook after install only records it";
const LEAD: &str = "a lead is a contact whose `type` is `lead`, which only a read of the contact says (one per \
                    webhook; the type's values are not documented)";
const CONVERTED: &str = "when a contact OpsFlow knew as a lead is a lead no more (its `type`, read from the contact)";

pub fn availability(event_type: EventType) -> Availability {
    use Availability::{No, Partly, Yes};
    use EventType as E;
    const OPPORTUNITY: &str = "OpportunityUpdate, OpportunityStageUpdate, OpportunityStatusUpdate, \
                               OpportunityAssignedToUpdate, OpportunityMonetaryValueUpdate";
    match event_type {
        E::StageChanged => Yes { from: "OpportunityStageUpdate" },
        E::CallCompleted => Yes { from: "VoiceAiCallEnd" },
        E::LeadCreated => Partly { from: "ContactCreate", limit: LEAD },
        E::LeadUpdated | E::LeadAssigned => Partly { from: "ContactUpdate", limit: LEAD },
        E::LeadConverted => Partly { from: "ContactUpdate", limit: CONVERTED },
        E::LeadStageChanged | E::LeadScoreChanged => No { why: "HighLevel's contacts have no lead stage or score" },
        E::ContactCreated => Yes { from: "ContactCreate" },
        E::ContactUpdated | E::ContactAssigned => Partly { from: "ContactUpdate", limit: SNAPSHOT },
        E::AccountCreated | E::AccountUpdated | E::AccountAssigned => {
            No { why: "HighLevel sends no webhook for businesses (companies)" }
        }
        E::OpportunityCreated => Yes { from: "OpportunityCreate" },
        E::OpportunityUpdated
        | E::OpportunityStageChanged
        | E::OpportunityWon
        | E::OpportunityLost
        | E::OpportunityAssigned => Partly { from: OPPORTUNITY, limit: SNAPSHOT },
        E::TaskCreated => Yes { from: "TaskCreate" },
        E::TaskCompleted => Yes { from: "TaskComplete" },
        E::TaskUpdated => Partly {
            from: "TaskComplete",
            limit: "only for a completion: HighLevel sends no webhook for other edits of a task",
        },
        E::TaskOverdue => No {
            why: "HighLevel sends no webhook when a task falls due, and OpsFlow's scheduler covers the built-in \
                  CRM's tasks",
        },
        E::ProjectCreated
        | E::ProjectUpdated
        | E::ProjectStatusChanged
        | E::ProjectTaskOverdue
        | E::ProjectCompleted => No { why: "HighLevel has no projects" },
        // Forms are filled in OpsFlow's inbox, whatever the CRM.
        E::FormSubmitted => Yes { from: "OpsFlow's inbox (no webhook)" },
    }
}

#[cfg(test)]
mod tests {
    use super::{Availability, availability};
    use app::model::EventType;

    /// The README's table says what `availability` says, event by event.
    #[test]
    fn the_readme_mapping_table_is_this_function() {
        let readme = include_str!("../../../README.md");
        for event_type in EventType::ALL.into_iter().filter(|t| t.module().is_some()) {
            let row = readme
                .lines()
                .find(|line| line.starts_with(&format!("| `{}` |", event_type.as_str())))
                .unwrap_or_else(|| panic!("README has no row for {}", event_type.as_str()));
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            let expected = match availability(event_type) {
                Availability::Yes { from } => [from.to_owned(), "yes".to_owned()],
                Availability::Partly { from, limit } => [from.to_owned(), format!("partly: {limit}")],
                Availability::No { why } => ["—".to_owned(), format!("no: {why}")],
            };
            assert_eq!([cells[3], cells[4]], [expected[0].as_str(), expected[1].as_str()], "{}", event_type.as_str());
        }
    }
}
