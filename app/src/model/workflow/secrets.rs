//! Credentials a workflow holds — secret-looking webhook headers, and a key in a webhook's
//! URL — never leave the server when a workflow is read (the REST API, the editor):
//! they show as [`HIDDEN`], and a save that sends [`HIDDEN`] back keeps the stored value. A
//! step's `input` shows its call the same way.

use serde_json::Value;

use super::{Action, ActionType, BranchPath};

/// What a credential shows as.
pub const HIDDEN: &str = "[redacted]";

/// Header and query names that carry credentials (`Authorization`, `X-Api-Key`, `token`, …).
pub fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["auth", "token", "secret", "key", "signature", "password", "cookie", "session"]
        .iter()
        .any(|word| name.contains(word))
}

/// The URL with its secret-looking query values hidden (a URL with a user part is refused when
/// a workflow is saved).
pub fn hide_url(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else { return url.to_owned() };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_name(name) => format!("{name}={HIDDEN}"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

/// The actions with their credentials hidden, as a workflow is shown.
pub fn hide_secrets(actions: &mut [Action]) {
    for action in actions.iter_mut().filter(|action| action.action_type == ActionType::Webhook) {
        if let Some(Value::String(url)) = action.config.get_mut("url") {
            *url = hide_url(url);
        }
        if let Some(Value::Object(headers)) = action.config.get_mut("headers") {
            for (name, value) in headers.iter_mut() {
                if is_secret_name(name) && value.as_str().is_some_and(|text| !text.is_empty()) {
                    *value = Value::from(HIDDEN);
                }
            }
        }
    }
}

/// Puts back into a save's `actions` (as sent) the credentials it sent hidden: a header sent as
/// [`HIDDEN`] takes the value of the same header of the same stored action (by id, or else by
/// its place), and a URL sent as the stored one was shown takes the stored one. A hidden value
/// with nothing to stand for stays, and the check refuses it.
pub fn restore_secrets(actions: &mut Value, stored: &[Action]) {
    let Some(actions) = actions.as_array_mut() else { return };
    for action in actions {
        let Some(before) = stored.iter().find(|stored| same_action(action, stored)) else { continue };
        let Some(config) = action.get_mut("config").and_then(Value::as_object_mut) else { continue };
        if let (Some(Value::String(url)), Some(stored_url)) =
            (config.get_mut("url"), before.config.get("url").and_then(Value::as_str))
            && *url == hide_url(stored_url)
        {
            *url = stored_url.to_owned();
        }
        let Some(Value::Object(headers)) = config.get_mut("headers") else { continue };
        for (name, value) in headers.iter_mut() {
            let stored_value = before.config.get("headers").and_then(Value::as_object).and_then(|stored| {
                stored.iter().find(|(stored_name, _)| stored_name.eq_ignore_ascii_case(name)).map(|(_, value)| value)
            });
            if value.as_str() == Some(HIDDEN)
                && let Some(stored_value) = stored_value
            {
                *value = stored_value.clone();
            }
        }
    }
}

/// Whether an action as sent is the stored webhook `stored`: the same id, or, sent without one,
/// the same place.
fn same_action(sent: &Value, stored: &Action) -> bool {
    if stored.action_type != ActionType::Webhook {
        return false;
    }
    match sent.get("id").and_then(Value::as_str) {
        Some(id) => id == stored.id.as_str(),
        None => {
            let text = |name: &str| sent.get(name).and_then(Value::as_str);
            let branch = stored.branch.map(|path| match path {
                BranchPath::Then => "then",
                BranchPath::Else => "else",
            });
            sent.get("sortOrder").and_then(Value::as_i64) == Some(stored.sort_order)
                && text("parentId") == stored.parent_id.as_ref().map(|id| id.as_str())
                && text("branch") == branch
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn webhook(id: &str, config: Value) -> Action {
        Action { id: id.into(), action_type: ActionType::Webhook, config, sort_order: 1, parent_id: None, branch: None }
    }

    #[test]
    fn credentials_in_urls_are_hidden_and_the_rest_shown() {
        assert_eq!(
            hide_url("https://x.example/in?lead=7&api_key=s3cret&Token=t&page=2"),
            "https://x.example/in?lead=7&api_key=[redacted]&Token=[redacted]&page=2"
        );
        assert!(is_secret_name("X-Api-Key") && is_secret_name("Authorization") && !is_secret_name("X-Account"));
    }

    #[test]
    fn a_workflow_shows_no_credential_and_a_save_of_what_it_showed_keeps_them() {
        let config = json!({
            "url": "https://hooks.example/in?token=t0k&lead={{trigger.id}}",
            "headers": {"Authorization": "Bearer s3cret", "X-Shop-Key": "k", "X-Trace": "on", "X-Token": ""}
        });
        let stored = vec![webhook("a1", config.clone())];
        let mut shown = stored.clone();
        hide_secrets(&mut shown);
        let text = serde_json::to_string(&shown).unwrap_or_default();
        for secret in ["t0k", "s3cret", "\"k\""] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(shown[0].config["headers"]["X-Trace"], "on");
        assert_eq!(shown[0].config["headers"]["X-Token"], "", "nothing to hide");

        // Sent back as shown, with one header changed: the rest is what was stored.
        let mut sent = serde_json::to_value(&shown).unwrap_or_default();
        sent[0]["config"]["headers"]["X-Shop-Key"] = json!("new-key");
        restore_secrets(&mut sent, &stored);
        assert_eq!(sent[0]["config"]["url"], config["url"]);
        assert_eq!(sent[0]["config"]["headers"]["Authorization"], "Bearer s3cret");
        assert_eq!(sent[0]["config"]["headers"]["X-Shop-Key"], "new-key");

        // Without ids, by place; a hidden value with nothing behind it stays hidden.
        let mut sent = json!([{"actionType": "webhook", "sortOrder": 1, "config": {
            "url": "https://hooks.example/in", "headers": {"authorization": HIDDEN, "X-New-Key": HIDDEN}}}]);
        restore_secrets(&mut sent, &stored);
        assert_eq!(sent[0]["config"]["headers"]["authorization"], "Bearer s3cret");
        assert_eq!(sent[0]["config"]["headers"]["X-New-Key"], HIDDEN);
        assert_eq!(sent[0]["config"]["url"], "https://hooks.example/in", "a new URL is the new URL");
    }
}
