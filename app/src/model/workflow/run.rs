//! The order a run takes through a workflow's actions: the top-level actions in `sortOrder`; a
//! `branch` goes down the path its conditions chose, and when that path ends the run goes on
//! with the action after the branch. One function answers "what runs next", so the engine, the
//! run history and the editor's preview agree on it.

use super::{Action, ActionConfig, ActionType, BranchPath, Catalog, Problem, TriggerFields, Workflow};
use crate::model::crm::CrmField;
use crate::model::form_event::AnswerField;
use crate::model::id::ActionId;

/// Where a run is: nothing has run yet, or this action has just finished (a branch, with the
/// path its conditions chose).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position<'a> {
    Start,
    After(&'a ActionId),
    /// A branch finished choosing this path.
    Chose(&'a ActionId, BranchPath),
}

impl Workflow {
    /// The action that runs next, or none when the run is over.
    pub fn next_action(&self, position: Position) -> Option<&Action> {
        match position {
            Position::Start => self.sequence(None).into_iter().next(),
            Position::Chose(branch, path) => match self.sequence(Some((branch, path))).into_iter().next() {
                Some(first) => Some(first),
                None => self.after(branch),
            },
            Position::After(id) => self.after(id),
        }
    }

    /// The action after `id` finished (a branch: after its path ended): its next sibling, or,
    /// at the end of a path, what comes after the branch the path belongs to.
    fn after(&self, id: &ActionId) -> Option<&Action> {
        let action = self.actions.iter().find(|action| action.id == *id)?;
        let place = action.parent_id.as_ref().zip(action.branch);
        let siblings = self.sequence(place);
        let at = siblings.iter().position(|sibling| sibling.id == *id)?;
        match siblings.get(at + 1) {
            Some(next) => Some(next),
            None => place.and_then(|(parent, _)| self.after(parent)),
        }
    }

    /// Every action a run could reach, in the order a page lists them: each one, then (for a
    /// branch) its `then` path and its `else` path, depth first; with each one's depth.
    pub fn outline(&self) -> Vec<(usize, &Action)> {
        let mut out = Vec::new();
        self.outline_into(None, 0, &mut out);
        out
    }

    fn outline_into<'a>(
        &'a self,
        place: Option<(&ActionId, BranchPath)>,
        depth: usize,
        out: &mut Vec<(usize, &'a Action)>,
    ) {
        for action in self.sequence(place) {
            out.push((depth, action));
            if action.action_type == ActionType::Branch {
                for path in [BranchPath::Then, BranchPath::Else] {
                    self.outline_into(Some((&action.id, path)), depth + 1, out);
                }
            }
        }
    }
}

impl Workflow {
    /// An action's settings as this stored version holds them, typed to run, with the fields it
    /// was checked against (custom fields, templates' answers). The version was
    /// checked when saved, so what it names is taken as it is ([`Catalog::stored`]); problems
    /// mean the stored text no longer reads (which the engine reports as the step's failure).
    pub fn stored_config(
        &self,
        action: &Action,
        custom_fields: &[CrmField],
        answer_fields: &[AnswerField],
    ) -> Result<ActionConfig, Vec<Problem>> {
        let fields = TriggerFields::new(self.trigger_module, custom_fields, answer_fields);
        let mut problems = Vec::new();
        let catalog = Catalog::stored(custom_fields, answer_fields);
        let config = ActionConfig::check(
            action.action_type,
            &action.config,
            self.trigger_type,
            &fields,
            &catalog,
            "config",
            &mut problems,
        );
        config.ok_or(problems)
    }
}
