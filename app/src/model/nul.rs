//! The NUL character (`\u0000`) in the JSON a client sends. No one types it, and PostgreSQL
//! cannot store text holding it, so a body holding it is refused, saying where.

use serde_json::Value;

pub const NUL_REFUSED: &str = "Text cannot hold the NUL character (\\u0000).";

/// The JSON path of each key or text holding NUL (`name`, `actions[0].config.title`; the root
/// is `""`).
pub fn nul_paths(value: &Value) -> Vec<String> {
    let mut found = Vec::new();
    walk(value, "", &mut found);
    found
}

fn walk(value: &Value, at: &str, found: &mut Vec<String>) {
    let join = |key: &str| if at.is_empty() { key.to_owned() } else { format!("{at}.{key}") };
    match value {
        Value::String(text) if text.contains('\0') => found.push(at.to_owned()),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                walk(item, &format!("{at}[{index}]"), found);
            }
        }
        Value::Object(object) => {
            for (key, item) in object {
                if key.contains('\0') {
                    found.push(join(&key.replace('\0', "\\u0000")));
                } else {
                    walk(item, &join(key), found);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::nul_paths;
    use serde_json::json;

    #[test]
    fn every_text_and_key_holding_nul_is_found_at_its_path() {
        let body = json!({
            "name": "a\u{0}b",
            "actions": [{"config": {"title": "ok"}}, {"config": {"tags": ["x", "\u{0}"]}}],
            "k\u{0}": 1,
            "fine": "no NUL here"
        });
        let mut paths = nul_paths(&body);
        paths.sort();
        assert_eq!(paths, ["actions[1].config.tags[1]", "k\\u0000", "name"]);
        assert!(nul_paths(&json!("\u{0}")) == [""]);
        assert!(nul_paths(&json!({"a": [1, true, null, "x"]})).is_empty());
    }
}
