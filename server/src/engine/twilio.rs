//! The `send_sms` and `send_whatsapp` actions: Twilio's Messages API
//! (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded, HTTP basic auth with
//! the account SID and auth token), on the sub-account's own account. The API takes no
//! idempotency key, so a retry first looks for the message among those the account sent to the
//! same number since the step started: a message whose answer was lost is not sent twice.

use app::model::messaging::TwilioSettings;
use app::model::workflow::actions::is_phone_number;
use serde_json::{Value, json};
use std::time::Duration;

use super::Failure;

const TIMEOUT: Duration = Duration::from_secs(20);

/// Which channel a message goes by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Channel {
    Sms,
    Whatsapp,
}

/// Calls Twilio (or a stand-in at another base URL).
#[derive(Clone)]
pub struct TwilioClient {
    http: reqwest::Client,
    base: String,
}

/// One message as the step filled it in.
pub(super) struct Text<'a> {
    pub channel: Channel,
    pub to: &'a str,
    pub body: &'a str,
}

impl TwilioClient {
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self { http, base: base.trim_end_matches('/').to_owned() }
    }

    /// Twilio's API base URL.
    pub(super) fn base(&self) -> &str {
        &self.base
    }

    fn messages_url(&self, account: &str) -> String {
        format!("{}/2010-04-01/Accounts/{account}/Messages.json", self.base)
    }

    /// Sends the message; `since` (Unix ms) is when the step first ran, and `retry` whether
    /// an earlier attempt may have sent it already.
    pub(super) async fn send(
        &self,
        settings: &TwilioSettings,
        token: &str,
        text: &Text<'_>,
        (since, retry): (i64, bool),
    ) -> Result<Value, Failure> {
        let (from, to) = addresses(settings, text)?;
        if retry && let Some(sent) = self.sent_since(settings, token, (&from, &to), text.body, since).await? {
            return Ok(json!({ "sid": sent["sid"], "status": sent["status"], "to": to, "alreadySent": true }));
        }
        let response = self
            .http
            .post(self.messages_url(&settings.account_sid))
            .basic_auth(&settings.account_sid, Some(token))
            .form(&[("To", to.as_str()), ("From", from.as_str()), ("Body", text.body)])
            .send()
            .await
            .map_err(|error| Failure::Later(format!("Twilio did not answer: {error}.")))?;
        let message = answer(response).await?;
        Ok(json!({ "sid": message["sid"], "status": message["status"], "to": to }))
    }

    /// A message with this body the account sent from `from` to `to` since `since`.
    async fn sent_since(
        &self,
        settings: &TwilioSettings,
        token: &str,
        (from, to): (&str, &str),
        body: &str,
        since: i64,
    ) -> Result<Option<Value>, Failure> {
        // Twilio filters by the day sent; the time is compared here.
        let day = chrono::DateTime::from_timestamp_millis(since).unwrap_or_default().format("%Y-%m-%d").to_string();
        let response = self
            .http
            .get(self.messages_url(&settings.account_sid))
            .basic_auth(&settings.account_sid, Some(token))
            .query(&[("To", to), ("From", from), ("DateSent>", day.as_str()), ("PageSize", "100")])
            .send()
            .await
            .map_err(|error| Failure::Later(format!("Twilio did not answer: {error}.")))?;
        let list = answer(response).await?;
        let since_s = since / 1000;
        Ok(list["messages"].as_array().and_then(|messages| {
            messages
                .iter()
                .find(|message| {
                    let created = message["date_created"]
                        .as_str()
                        .and_then(|date| chrono::DateTime::parse_from_rfc2822(date).ok())
                        .map(|date| date.timestamp());
                    message["body"] == body && created.is_some_and(|created| created >= since_s - 1)
                })
                .cloned()
        }))
    }
}

/// The sender and the recipient as Twilio takes them (`whatsapp:+1…` for WhatsApp).
fn addresses(settings: &TwilioSettings, text: &Text<'_>) -> Result<(String, String), Failure> {
    let to = text.to.trim().trim_start_matches("whatsapp:");
    if !is_phone_number(to) {
        return Err(Failure::Refused(format!(
            "“{to}” is not a phone number in international form, like +14155550100."
        )));
    }
    let (from, prefix, what) = match text.channel {
        Channel::Sms => (&settings.sms_from, "", "SMS"),
        Channel::Whatsapp => (&settings.whatsapp_from, "whatsapp:", "WhatsApp"),
    };
    if from.is_empty() {
        return Err(Failure::Refused(format!("This sub-account's Twilio settings have no {what} number.")));
    }
    Ok((format!("{prefix}{from}"), format!("{prefix}{to}")))
}

/// Twilio's answer as JSON, or why it is not one: 401 and other 4xx are final (Twilio names
/// the problem and its code), 429 and 5xx may pass.
async fn answer(response: reqwest::Response) -> Result<Value, Failure> {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status.is_success() {
        return Ok(body);
    }
    let said = match (body["message"].as_str(), body["code"].as_i64()) {
        (Some(message), Some(code)) => format!("{message} (Twilio error {code})"),
        (Some(message), None) => message.to_owned(),
        _ => format!("HTTP {}", status.as_u16()),
    };
    match status.as_u16() {
        401 => Err(Failure::Refused(format!("Twilio refused the account SID and auth token: {said}."))),
        429 | 500..=599 => Err(Failure::Later(format!("Twilio answered {}: {said}.", status.as_u16()))),
        _ => Err(Failure::Refused(format!("Twilio refused the message: {said}."))),
    }
}
