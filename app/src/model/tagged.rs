//! Decoding of tagged JSON objects such as `{"problem": "duplicate_key", "key": "phone"}`.
//!
//! serde's derived decoders for internally tagged and untagged enums first buffer the whole
//! object in a generic intermediate form and then decode it again, which makes them the largest
//! part of the browser's decoding code. Problems, field errors and values are flat — a tag and a
//! few strings, numbers or string lists — so they are read into [`Tagged`] instead and picked
//! apart by hand. Serialising still uses the derived, tagged form; the round-trip tests keep the
//! two in step.

use serde::de::value::StrDeserializer;
use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// A flat field value: what the tagged objects carry.
#[derive(Debug)]
pub(crate) enum Scalar {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    List(Vec<String>),
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, a number, true/false, null or a list of strings")
    }

    fn visit_unit<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }

    fn visit_none<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }

    fn visit_bool<E>(self, flag: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(flag))
    }

    fn visit_f64<E>(self, number: f64) -> Result<Scalar, E> {
        Ok(Scalar::Number(number))
    }

    fn visit_i64<E>(self, number: i64) -> Result<Scalar, E> {
        Ok(Scalar::Number(number as f64))
    }

    fn visit_u64<E>(self, number: u64) -> Result<Scalar, E> {
        Ok(Scalar::Number(number as f64))
    }

    fn visit_str<E>(self, text: &str) -> Result<Scalar, E> {
        Ok(Scalar::Text(text.to_owned()))
    }

    fn visit_string<E>(self, text: String) -> Result<Scalar, E> {
        Ok(Scalar::Text(text))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<String>()? {
            items.push(item);
        }
        Ok(Scalar::List(items))
    }
}

/// A decoded tagged object: its tag, and its other fields to be taken one by one.
pub(crate) struct Tagged {
    tag: String,
    fields: Vec<(String, Scalar)>,
}

impl Tagged {
    /// Reads an object whose variant is named by the `tag_name` field.
    pub fn read<'de, D: Deserializer<'de>>(deserializer: D, tag_name: &'static str) -> Result<Self, D::Error> {
        deserializer.deserialize_map(TaggedVisitor { tag_name })
    }

    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// The error for a tag that names no variant.
    pub fn unknown<E: de::Error>(&self, expected: &'static [&'static str]) -> E {
        E::unknown_variant(&self.tag, expected)
    }

    fn take(&mut self, name: &'static str) -> Option<Scalar> {
        let index = self.fields.iter().position(|(key, _)| key == name)?;
        Some(self.fields.swap_remove(index).1)
    }

    fn wrong<E: de::Error>(found: &Scalar, name: &'static str, expected: &str) -> E {
        E::custom(format_args!("`{name}` should be {expected}, found {found:?}"))
    }

    pub fn text<E: de::Error>(&mut self, name: &'static str) -> Result<String, E> {
        match self.take(name) {
            Some(Scalar::Text(text)) => Ok(text),
            Some(other) => Err(Self::wrong(&other, name, "text")),
            None => Err(E::missing_field(name)),
        }
    }

    pub fn number<E: de::Error>(&mut self, name: &'static str) -> Result<f64, E> {
        match self.take(name) {
            Some(Scalar::Number(number)) => Ok(number),
            Some(other) => Err(Self::wrong(&other, name, "a number")),
            None => Err(E::missing_field(name)),
        }
    }

    /// A whole number that fits `T` (a count, an amount in cents).
    pub fn whole<T: TryFrom<i64>, E: de::Error>(&mut self, name: &'static str) -> Result<T, E> {
        let number = self.number(name)?;
        let whole = number as i64;
        match T::try_from(whole) {
            Ok(value) if whole as f64 == number => Ok(value),
            _ => Err(E::custom(format_args!("`{name}` should be a whole number in range, found {number}"))),
        }
    }

    pub fn flag<E: de::Error>(&mut self, name: &'static str) -> Result<bool, E> {
        match self.take(name) {
            Some(Scalar::Bool(flag)) => Ok(flag),
            Some(other) => Err(Self::wrong(&other, name, "true or false")),
            None => Err(E::missing_field(name)),
        }
    }

    pub fn list<E: de::Error>(&mut self, name: &'static str) -> Result<Vec<String>, E> {
        match self.take(name) {
            Some(Scalar::List(items)) => Ok(items),
            Some(other) => Err(Self::wrong(&other, name, "a list of strings")),
            None => Err(E::missing_field(name)),
        }
    }

    /// A text field read by `T`'s own decoder: an operator, a field kind, a date.
    pub fn named<T: DeserializeOwned, E: de::Error>(&mut self, name: &'static str) -> Result<T, E> {
        let text = self.text::<E>(name)?;
        T::deserialize(StrDeserializer::<E>::new(&text))
    }
}

struct TaggedVisitor {
    tag_name: &'static str,
}

impl<'de> Visitor<'de> for TaggedVisitor {
    type Value = Tagged;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object with a `{}` field", self.tag_name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tagged, A::Error> {
        let mut tag = None;
        let mut fields = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == self.tag_name {
                tag = Some(map.next_value::<String>()?);
            } else {
                fields.push((key, map.next_value::<Scalar>()?));
            }
        }
        let tag = tag.ok_or_else(|| de::Error::missing_field(self.tag_name))?;
        Ok(Tagged { tag, fields })
    }
}
