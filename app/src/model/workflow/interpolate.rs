//! `{{trigger.fieldName}}` in an action's config: seed 001's variables, resolved against the
//! trigger record. `{{trigger.first_name}}` and `{{trigger.firstName}}` are one field (the
//! lookup of [`TriggerFields`]); a value is escaped for where it lands — URL-encoded in a URL,
//! JSON-escaped in a JSON body, HTML-escaped in an HTML email, on one line in a header — so a
//! record's text can never change the shape of what it is written into. The engine renders with this, and the browser
//! editor previews with it.

use serde_json::{Map, Value};

use super::fields::{TriggerField, TriggerFields};
use crate::model::locale::NumberFormat;

/// How a value is written into its destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Escape {
    /// As it is: a task title, an SMS, a plain-text email.
    Plain,
    /// A URL's part (percent-encoded).
    Url,
    /// Inside a JSON string.
    Json,
    /// HTML text or an attribute.
    Html,
    /// An HTTP header's value: control characters (a line break would start another header)
    /// become spaces.
    Header,
}

/// A piece of a config string.
#[derive(Clone, Debug, PartialEq)]
enum Piece<'t> {
    Text(&'t str),
    /// A `{{…}}` placeholder's inside, trimmed.
    Variable(&'t str),
}

/// Splits a string at its placeholders. `{{` without a closing `}}` is text.
fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open + 2..].find("}}") else { break };
        if open > 0 {
            out.push(Piece::Text(&rest[..open]));
        }
        out.push(Piece::Variable(rest[open + 2..open + 2 + close].trim()));
        rest = &rest[open + 2 + close + 2..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

/// The fields a string's placeholders name, or what is wrong with one (the message says which
/// placeholder and why).
pub fn variables(text: &str, fields: &TriggerFields) -> Result<Vec<TriggerField>, String> {
    pieces(text)
        .into_iter()
        .filter_map(|piece| match piece {
            Piece::Variable(inside) => Some(resolve(inside, fields)),
            Piece::Text(_) => None,
        })
        .collect()
}

fn resolve(inside: &str, fields: &TriggerFields) -> Result<TriggerField, String> {
    let Some(name) = inside.strip_prefix("trigger.") else {
        return Err(format!("“{{{{{inside}}}}}” is not a variable: write {{{{trigger.<field>}}}}."));
    };
    fields.resolve(name).ok_or_else(|| format!("“{{{{{inside}}}}}” names no field: {}.", fields.no_field(name)))
}

/// The string with each placeholder replaced by the record's value, escaped for `escape`. A
/// placeholder that names no field (a check before saving refuses those) is left as written.
pub fn render(text: &str, fields: &TriggerFields, record: &Map<String, Value>, escape: Escape) -> String {
    let mut out = String::with_capacity(text.len());
    for piece in pieces(text) {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Variable(inside) => match resolve(inside, fields) {
                Ok(field) => out.push_str(&escaped(&written(field.read(record)), escape)),
                Err(_) => {
                    out.push_str("{{");
                    out.push_str(inside);
                    out.push_str("}}");
                }
            },
        }
    }
    out
}

/// The string with every placeholder replaced by `with` (to check the shape of a text before
/// any record fills it in).
pub fn render_each(text: &str, with: &str) -> String {
    pieces(text)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(text) => text,
            Piece::Variable(_) => with,
        })
        .collect()
}

/// A value as text: numbers as the template notation writes them (`450`, `2.5`), yes/no as
/// JSON's `true`/`false`, a list as its items joined by `, `, nothing as nothing.
fn written(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Number(number) => {
            number.as_f64().map_or_else(|| number.to_string(), |n| NumberFormat::TEMPLATE.number(n))
        }
        Value::Bool(flag) => flag.to_string(),
        Value::Array(items) => items.iter().map(written).collect::<Vec<_>>().join(", "),
        Value::Object(_) => value.to_string(),
    }
}

fn escaped(text: &str, escape: Escape) -> String {
    match escape {
        Escape::Plain => text.to_owned(),
        Escape::Header => text.chars().map(|ch| if ch.is_control() { ' ' } else { ch }).collect(),
        Escape::Json => {
            let quoted = serde_json::to_string(text).unwrap_or_default();
            quoted.strip_prefix('"').and_then(|inner| inner.strip_suffix('"')).unwrap_or_default().to_owned()
        }
        Escape::Url => {
            // `.` and `..` alone would be read as path segments (the same place, the parent):
            // spelled out, they stay a record's value.
            if text == "." || text == ".." {
                return "%2E".repeat(text.len());
            }
            let mut out = String::with_capacity(text.len());
            for byte in text.bytes() {
                if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
                    out.push(char::from(byte));
                } else {
                    out.push_str(&format!("%{byte:02X}"));
                }
            }
            out
        }
        Escape::Html => {
            let mut out = String::with_capacity(text.len());
            for ch in text.chars() {
                match ch {
                    '&' => out.push_str("&amp;"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '"' => out.push_str("&quot;"),
                    '\'' => out.push_str("&#39;"),
                    other => out.push(other),
                }
            }
            out
        }
    }
}
