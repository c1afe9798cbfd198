//! `triggerFilters` in the REST API's OpenAPI document: a group of conditions and groups, which
//! serde writes by hand (the seed's `conditions` key), so its schema is written here too.

use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::filter::TriggerFilters;
use crate::model::rule::{Condition, Logic, Operator};

impl PartialSchema for TriggerFilters {
    fn schema() -> RefOr<Schema> {
        let rule =
            OneOfBuilder::new().item(Ref::from_schema_name("Condition")).item(Ref::from_schema_name("TriggerFilters"));
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "Conditions on the trigger record, all (`AND`) or any (`OR`) of which must hold; a condition \
                 may be a group itself. No conditions: every event of the trigger type.",
            ))
            .property("logic", Ref::from_schema_name("Logic"))
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
