//! Data an island receives from the server.
//!
//! Leptos writes an island's props into the page as JSON and decodes them with
//! `serde_json::from_str`; server function results are decoded with `serde_json::from_slice`.
//! The two readers compile separate copies of every decoder, so a type that arrives both ways —
//! a form in the page, and again from the server after a submit — would be in the wasm twice.
//! `IslandData` carries its value as JSON text inside the props and decodes it with the server
//! functions' reader, so each type has one decoder.

use serde::de::{self, DeserializeOwned, Deserializer};
use serde::ser::{self, Serializer};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq)]
pub struct IslandData<T>(pub T);

impl<T: Serialize> Serialize for IslandData<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = serde_json::to_string(&self.0).map_err(ser::Error::custom)?;
        serializer.serialize_str(&text)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for IslandData<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        serde_json::from_slice(text.as_bytes()).map(IslandData).map_err(de::Error::custom)
    }
}

#[cfg(test)]
#[expect(clippy::expect_used, reason = "a test stops at the first surprise")]
mod tests {
    use super::IslandData;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Props {
        rows: IslandData<Vec<(String, i64)>>,
    }

    #[test]
    fn survives_the_round_trip_through_island_props() {
        let props = Props { rows: IslandData(vec![("a \"quoted\" name".to_owned(), 3)]) };
        let text = serde_json::to_string(&props).expect("serialises");
        assert_eq!(text, r#"{"rows":"[[\"a \\\"quoted\\\" name\",3]]"}"#);
        assert_eq!(serde_json::from_str::<Props>(&text).expect("deserialises"), props);
    }

    #[test]
    fn unreadable_inner_data_is_an_error() {
        let truncated = serde_json::from_str::<Props>(r#"{"rows":"[[\"a\",1]"}"#).expect_err("truncated");
        assert!(truncated.to_string().contains("EOF"), "{truncated}");
        let mistyped = serde_json::from_str::<Props>(r#"{"rows":"[[1,2]]"}"#).expect_err("mistyped");
        assert!(mistyped.to_string().contains("expected a string"), "{mistyped}");
    }
}
