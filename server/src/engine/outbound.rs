//! The actions that call out — webhooks, email, SMS, WhatsApp — made before the step's
//! transaction (see the engine's module comment), with the sub-account's own accounts.

use app::model::workflow::ActionConfig;
use app::model::workflow::interpolate::{Escape, render};
use serde_json::Value;

use super::email::{self, Email};
use super::twilio::{Channel, Text};
use super::{Engine, Failure, StepRun};
use crate::db::messaging::StoredMessaging;
use crate::highlevel::secrets::Binding;

impl Engine {
    /// What the call out answered, or `None` for an action that does not call out.
    pub(super) async fn call_out(&self, run: &StepRun<'_>) -> Result<Option<Value>, Failure> {
        let step = run.step;
        Ok(Some(match run.config {
            ActionConfig::Webhook(call) => {
                self.webhooks.call(call, run.fields(), &run.trigger.record, &step.id).await?
            }
            ActionConfig::SendEmail { to, subject, body, html } => {
                let to = addressee(run, to, "email address")?;
                let messaging = self.messaging(run).await?;
                let settings = messaging.settings.email.as_ref().ok_or_else(|| {
                    Failure::Refused("This sub-account has no email settings (Settings → Email).".to_owned())
                })?;
                let tenant = run.tenant();
                let password =
                    self.open(Binding::smtp_password(tenant.id()), messaging.smtp_password_sealed.as_deref())?;
                let escape = if *html { Escape::Html } else { Escape::Plain };
                let email = Email {
                    to: &to,
                    subject: &run.text(subject),
                    body: &render(body, &run.fields(), &run.trigger.record, escape),
                    html: *html,
                };
                let private = self.mail_may_use_private_hosts;
                email::send(settings, password.as_deref(), &email, &step.id, private).await?
            }
            ActionConfig::SendSms { to, message } | ActionConfig::SendWhatsapp { to, message } => {
                let channel =
                    if matches!(run.config, ActionConfig::SendSms { .. }) { Channel::Sms } else { Channel::Whatsapp };
                let to = addressee(run, to, "phone number")?;
                let messaging = self.messaging(run).await?;
                let settings = messaging.settings.twilio.as_ref().ok_or_else(|| {
                    Failure::Refused("This sub-account has no Twilio account set up (Settings → Twilio).".to_owned())
                })?;
                let tenant = run.tenant();
                let token = self
                    .open(Binding::twilio_token(tenant.id()), messaging.twilio_token_sealed.as_deref())?
                    .ok_or_else(|| Failure::Refused("No Twilio auth token is saved.".to_owned()))?;
                let text = Text { channel, to: &to, body: &run.text(message) };
                // Any earlier claim may have sent it: an earlier attempt of this series, or one
                // before an admin's retry (which starts the attempts again; the claims go on).
                let retry = step.attempt > 1 || step.fence > 1;
                self.twilio.send(settings, &token, &text, (step.started_at, retry)).await?
            }
            _ => return Ok(None),
        }))
    }

    /// Where a step's call goes (`host:port`), as its breaker knows the host: the webhook's
    /// URL, the sub-account's SMTP server, Twilio's API. `None` when it cannot be told (the call
    /// then fails for that reason).
    pub(super) async fn host_of(&self, run: &StepRun<'_>) -> Option<String> {
        let url = match run.config {
            ActionConfig::Webhook(call) => call.url.clone(),
            ActionConfig::SendEmail { .. } => {
                let email = self.messaging(run).await.ok()?.settings.email?;
                return Some(format!("{}:{}", email.host, email.port));
            }
            ActionConfig::SendSms { .. } | ActionConfig::SendWhatsapp { .. } => self.twilio.base().to_owned(),
            _ => return None,
        };
        let url = reqwest::Url::parse(&url).ok()?;
        Some(format!("{}:{}", url.host_str()?, url.port_or_known_default()?))
    }

    async fn messaging(&self, run: &StepRun<'_>) -> Result<StoredMessaging, Failure> {
        Ok(self.store.messaging(&run.tenant()).await?)
    }

    /// A sealed password or token, opened.
    fn open(&self, binding: Binding<'_>, sealed: Option<&str>) -> Result<Option<String>, Failure> {
        let Some(sealed) = sealed else { return Ok(None) };
        let secrets = self.secrets.as_ref().ok_or_else(|| {
            Failure::Refused("This server has no secret key to open the saved password with.".to_owned())
        })?;
        let opened =
            secrets.open(binding, sealed).map_err(|error| Failure::Refused(format!("The saved secret: {error}.")))?;
        Ok(Some(opened.expose().to_owned()))
    }
}

/// Where a message goes, filled in from the trigger; a record without one (`{{trigger.phone}}`
/// empty) is said in words, not as an empty address refused.
fn addressee(run: &StepRun<'_>, to: &str, what: &str) -> Result<String, Failure> {
    let to = run.text(to);
    if to.trim().is_empty() { Err(Failure::Refused(run.has_no(what))) } else { Ok(to) }
}
