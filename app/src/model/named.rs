//! The model's enums that go by one name each (`ALL`, `NAMES`, `as_str`): read from their name
//! and written as it — on the wire, in the database, in forms — by the code here, once.

use std::fmt;

/// Serialises a type as its `as_str()` and reads it back through its `FromStr`, whose error
/// says what was wrong.
macro_rules! serde_by_name {
    ($type:ty) => {
        impl serde::Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let name = <String as serde::Deserialize>::deserialize(deserializer)?;
                name.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// `FromStr` by exact name (refusing any other with [`UnknownName`]), and the serde above.
macro_rules! named {
    ($type:ty, $what:literal) => {
        impl std::str::FromStr for $type {
            type Err = $crate::model::named::UnknownName;

            fn from_str(name: &str) -> Result<Self, Self::Err> {
                Self::ALL.into_iter().find(|known| known.as_str() == name).ok_or_else(|| {
                    $crate::model::named::UnknownName { what: $what, name: name.to_owned(), expected: Self::NAMES }
                })
            }
        }

        $crate::model::named::serde_by_name!($type);

        /// In the REST API's OpenAPI document: a string, one of the names.
        #[cfg(feature = "ssr")]
        impl utoipa::PartialSchema for $type {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::model::named::name_schema(concat!("The name of ", $what, "."), Self::NAMES)
            }
        }

        #[cfg(feature = "ssr")]
        impl utoipa::ToSchema for $type {}
    };
}

pub(crate) use {named, serde_by_name};

#[cfg(feature = "ssr")]
pub(crate) fn name_schema(
    description: &str,
    names: &[&str],
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(names.iter().copied()))
        .into()
}

/// A name that is none of a kind's: says which kind, and the names it has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName {
    pub what: &'static str,
    pub name: String,
    pub expected: &'static [&'static str],
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "“{}” is not {}; expected one of {}", self.name, self.what, self.expected.join(", "))
    }
}
