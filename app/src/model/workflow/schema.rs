//! The workflow's parts in the REST API's OpenAPI document that serde or `check` read by hand:
//! `triggerFilters` (the seed's `conditions` key), and the request bodies of POST and PUT, which
//! `check` reads field by field. Their enums, each action type's settings and the bounds come
//! from what `check` uses; a test holds their keys to `check`'s (`KEYS`, `ACTION_KEYS`), so the
//! document accepts what the server accepts.

use utoipa::openapi::schema::{
    AdditionalProperties, AnyOfBuilder, ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::actions::ActionType;
use super::filter::TriggerFilters;
use super::{BranchPath, DEEPEST_BRANCH, LONGEST_DESCRIPTION, LONGEST_NAME, MOST_ACTIONS};
use crate::model::event::EventType;
use crate::model::module::TriggerModule;
use crate::model::rule::{Condition, Logic, Operator};

impl PartialSchema for TriggerFilters {
    fn schema() -> RefOr<Schema> {
        let rule =
            OneOfBuilder::new().item(Ref::from_schema_name("Condition")).item(Ref::from_schema_name("TriggerFilters"));
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "Conditions on the trigger record, all (`AND`, the default: left out or `null`) or any (`OR`) of which must hold; a \
                 condition may be a group itself. No conditions: every event of the trigger type.",
            ))
            .property("logic", or_null(Ref::from_schema_name("Logic")))
            .property("conditions", ArrayBuilder::new().items(rule))
            .required("conditions")
            .into()
    }
}

impl ToSchema for TriggerFilters {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((Condition::name().into(), Condition::schema()));
        schemas.push((Logic::name().into(), Logic::schema()));
        schemas.push((Operator::name().into(), Operator::schema()));
    }
}

/// `schema`, or `null` (left out: the default).
fn or_null(schema: impl Into<RefOr<Schema>>) -> RefOr<Schema> {
    AnyOfBuilder::new().item(schema).item(ObjectBuilder::new().schema_type(Type::Null)).into()
}

fn text(description: &str) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).description(Some(description))
}

/// What a client may send back of what it read: any value, not read.
fn ignored(description: &str) -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(SchemaType::AnyValue).description(Some(description)).into()
}

/// The body of `POST /workflows` and `PUT /workflows/{id}`: the workflow object as `check`
/// reads it.
pub struct WorkflowInput;

impl PartialSchema for WorkflowInput {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "A workflow as a client writes it. Besides this shape, what it names must exist in the sub-account \
                 (users, pipelines, templates, custom fields) and each action's settings must fit its type and the \
                 trigger: otherwise 422 with every problem at its JSON path.",
            ))
            .property(
                "name",
                // No pattern for "not only spaces": regex dialects and Rust disagree on which
                // characters are spaces; a blank name is the check's 422.
                text(&format!("1 to {LONGEST_NAME} characters, not only spaces (kept without the spaces around it)."))
                    .min_length(Some(1))
                    .max_length(Some(LONGEST_NAME)),
            )
            .required("name")
            .property(
                "description",
                or_null(
                    text(&format!("Up to {LONGEST_DESCRIPTION} characters.")).max_length(Some(LONGEST_DESCRIPTION)),
                ),
            )
            .property("triggerModule", Ref::from_schema_name("TriggerModule"))
            .required("triggerModule")
            .property("triggerType", Ref::from_schema_name("TriggerType"))
            .required("triggerType")
            .property("triggerFilters", or_null(Ref::from_schema_name("TriggerFilters")))
            .property(
                "isActive",
                or_null(ObjectBuilder::new().schema_type(Type::Boolean).description(Some("Default false."))),
            )
            .property(
                "version",
                or_null(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(1))
                        .maximum(Some(i64::MAX))
                        .description(Some("On PUT, the version the change was made to (409 if it moved on).")),
                ),
            )
            .property(
                "actions",
                or_null(
                    ArrayBuilder::new()
                        .items(Ref::from_schema_name("ActionInput"))
                        .max_items(Some(MOST_ACTIONS))
                        .description(Some("Run in `sortOrder`; a branch's children carry `parentId` and `branch`.")),
                ),
            )
            .property("id", ignored("Read-only: sent back, it is not read."))
            .property("createdAt", ignored("Read-only: sent back, it is not read."))
            .property("updatedAt", ignored("Read-only: sent back, it is not read."))
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
            .into()
    }
}

impl ToSchema for WorkflowInput {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((TriggerModule::name().into(), TriggerModule::schema()));
        schemas.push(("TriggerType".into(), trigger_type()));
        schemas.push((TriggerFilters::name().into(), TriggerFilters::schema()));
        TriggerFilters::schemas(schemas);
        schemas.push(("ActionInput".into(), action_input()));
        schemas.push((ActionType::name().into(), ActionType::schema()));
        schemas.push((BranchPath::name().into(), BranchPath::schema()));
    }
}

/// The events that start workflows (those that start forms are left out).
fn trigger_type() -> RefOr<Schema> {
    let names = EventType::ALL.into_iter().filter(|event| event.trigger_module().is_some()).map(EventType::as_str);
    let modules: Vec<String> = TriggerModule::ALL
        .into_iter()
        .map(|module| {
            let events: Vec<&str> = EventType::of_trigger_module(module).map(EventType::as_str).collect();
            format!("{}: {}", module.as_str(), events.join(", "))
        })
        .collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(format!("An event of the trigger module. {}.", modules.join("; "))))
        .enum_values(Some(names))
        .into()
}

fn action_input() -> RefOr<Schema> {
    let settings: Vec<String> = ActionType::ALL
        .into_iter()
        .map(|action| {
            let keys: Vec<String> = action.settings().iter().map(|key| format!("`{key}`")).collect();
            format!("`{}`: {}", action.as_str(), if keys.is_empty() { "none".to_owned() } else { keys.join(", ") })
        })
        .collect();
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some("An action as a client writes it."))
        .property(
            "id",
            or_null(
                text("Kept across versions when sent back; left out, OpsFlow gives one.")
                    .pattern(Some("^[A-Za-z0-9_-]{1,64}$")),
            ),
        )
        .property("actionType", Ref::from_schema_name("ActionType"))
        .required("actionType")
        .property(
            "config",
            ObjectBuilder::new().schema_type(Type::Object).description(Some(format!(
                "The action's settings; strings may hold `{{{{trigger.fieldName}}}}`. By action type — {}.",
                settings.join("; ")
            ))),
        )
        .property(
            "sortOrder",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0))
                .maximum(Some(i64::MAX))
                .description(Some("Its place among the actions at the same place; no two alike there.")),
        )
        .required("sortOrder")
        .property(
            "parentId",
            or_null(text(&format!(
                "The id of the `branch` it is inside (branches nest at most {DEEPEST_BRANCH} deep)."
            ))),
        )
        .property("branch", or_null(Ref::from_schema_name("BranchPath")))
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        .into()
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]

    use super::{WorkflowInput, action_input};
    use crate::model::workflow::{ACTION_KEYS, KEYS};
    use std::collections::BTreeSet;
    use utoipa::PartialSchema;

    fn keys(schema: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>) -> BTreeSet<String> {
        let json = serde_json::to_value(schema).unwrap();
        json["properties"].as_object().unwrap().keys().cloned().collect()
    }

    #[test]
    fn the_bodies_documented_have_exactly_the_keys_the_check_reads() {
        assert_eq!(keys(WorkflowInput::schema()), KEYS.iter().map(|k| (*k).to_owned()).collect());
        assert_eq!(keys(action_input()), ACTION_KEYS.iter().map(|k| (*k).to_owned()).collect());
    }
}
