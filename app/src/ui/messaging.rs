//! Settings → Email and Twilio (admins): the accounts a sub-account's workflows send with.
//! Plain form posts to the page's own address (`api::messaging`): saved, the page loads again
//! showing what was saved and says so; refused, it comes back as typed with each problem
//! beside its field and the focus on the first. The client carries no code for them, and a
//! saved password or token is never sent back — the page says one is saved, and an empty
//! field keeps it.

use leptos::prelude::*;

use crate::api::messaging::{EmailForm, RefusedMessaging, TwilioForm};
use crate::api::types::MessagingView;
use crate::model::SubAccountId;
use crate::model::messaging::{EmailSettings, SettingsField, SettingsProblem, SmtpSecurity, TwilioSettings};

#[component]
pub fn MessagingSettings(
    sub_account: SubAccountId,
    view: MessagingView,
    refused: Option<RefusedMessaging>,
    saved: Option<String>,
) -> impl IntoView {
    let MessagingView { settings, can_keep_secrets } = view;
    let outcome = |form: &str, typed: bool| Outcome {
        refused: refused.clone().filter(|_| typed),
        saved: saved.as_deref() == Some(form),
    };
    let email_refused = refused.as_ref().is_some_and(|r| r.email().is_some());
    let twilio_refused = refused.as_ref().is_some_and(|r| r.twilio().is_some());
    view! {
        {(!can_keep_secrets).then(|| view! {
            <p class="alert alert-warning" role="note" data-testid="no-secret-key">
                "This server has no secret key, so it cannot keep mail passwords or Twilio tokens: its operator sets OPSFLOW_SECRET_KEY."
            </p>
        })}
        <EmailSection sub_account=sub_account.clone() email=settings.email.unwrap_or_default() outcome=outcome("email", email_refused)/>
        <TwilioSection sub_account twilio=settings.twilio.unwrap_or_default() outcome=outcome("twilio", twilio_refused)/>
    }
}

/// How the last post of a section went: refused (with what was typed), or saved.
#[derive(Clone, Default)]
struct Outcome {
    refused: Option<RefusedMessaging>,
    saved: bool,
}

impl Outcome {
    fn problem(&self, field: SettingsField) -> Option<String> {
        let problems = self.refused.as_ref().map(|r| r.problems.as_slice()).unwrap_or_default();
        let mine: Vec<&str> = problems.iter().filter(|p| p.field == field).map(|p| p.message.as_str()).collect();
        (!mine.is_empty()).then(|| mine.join(" "))
    }

    /// The field the focus goes to: the first with a problem, in the form's order.
    fn first_problem(&self, order: &[SettingsField]) -> Option<SettingsField> {
        let problems: &[SettingsProblem] = self.refused.as_ref().map(|r| r.problems.as_slice()).unwrap_or_default();
        order.iter().copied().find(|field| problems.iter().any(|p| p.field == *field))
    }

    /// The section's own line: saved, or not saved and why (when no one field is to blame).
    fn banner(&self, what: &str) -> impl IntoView + use<> {
        let refused = self.refused.as_ref().map(|refused| {
            let message = refused.message.clone().unwrap_or_else(|| "Fix the problems marked below.".to_owned());
            format!("The {what} settings were not saved. {message}")
        });
        let saved = self.saved.then(|| format!("The {what} settings were saved."));
        view! {
            {refused.map(|message| view! { <p class="alert alert-error" role="alert" data-testid="settings-refused">{message}</p> })}
            {saved.map(|message| view! { <p class="alert alert-success" role="status" data-testid="settings-saved">{message}</p> })}
        }
    }

    /// A box's problem, shown under it: the attributes the box takes and the line itself.
    fn field(&self, field: SettingsField, focus: Option<SettingsField>) -> FieldProblem {
        FieldProblem {
            message: self.problem(field),
            id: format!("{}-problem", field.input_id()),
            focus: focus == Some(field),
        }
    }

    /// What the secret box's hint adds when a typed secret came back refused.
    fn secret_not_kept(&self, what: &str) -> Option<String> {
        self.refused
            .as_ref()
            .is_some_and(|r| r.secret_typed)
            .then(|| format!(" The {what} you typed was not kept: enter it again."))
    }
}

struct FieldProblem {
    message: Option<String>,
    id: String,
    focus: bool,
}

impl FieldProblem {
    fn invalid(&self) -> Option<&'static str> {
        self.message.as_ref().map(|_| "true")
    }

    /// `aria-describedby` for the box: its own hint, if any, then the problem.
    fn described_by(&self, hint: Option<&str>) -> Option<String> {
        let ids: Vec<&str> = hint.into_iter().chain(self.message.as_ref().map(|_| self.id.as_str())).collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    }

    fn line(&self) -> impl IntoView + use<> {
        let id = self.id.clone();
        self.message.clone().map(|message| view! { <p class="field-error" id=id>{message}</p> })
    }
}

/// What a secret field's hint says: whether one is saved, what leaving it empty does, and
/// what it is kept for.
fn secret_hint(saved: bool, what: &str, kept_for: &str) -> String {
    if saved {
        format!("A {what} is saved. Leave this empty to keep it, {kept_for}.")
    } else {
        format!("No {what} is saved.")
    }
}

#[component]
fn EmailSection(sub_account: SubAccountId, email: EmailSettings, outcome: Outcome) -> impl IntoView {
    use SettingsField as F;
    let configured = !email.host.is_empty();
    let sentence = if configured {
        format!("Workflows send email through {} as {}.", email.host, email.from_address)
    } else {
        "Workflows' “Send email” steps need your SMTP server.".to_owned()
    };
    let typed = outcome.refused.as_ref().and_then(|r| r.email().cloned()).unwrap_or_else(|| EmailForm {
        port: if email.port == 0 { "587".to_owned() } else { email.port.to_string() },
        host: email.host.clone(),
        security: email.security.as_str().to_owned(),
        username: email.username.clone(),
        password: String::new(),
        from_address: email.from_address.clone(),
        from_name: email.from_name.clone(),
    });
    let focus =
        outcome.first_problem(&[F::Host, F::Port, F::Security, F::Username, F::Password, F::FromAddress, F::FromName]);
    let [host, port, security, username, password, from, from_name] =
        [F::Host, F::Port, F::Security, F::Username, F::Password, F::FromAddress, F::FromName]
            .map(|f| outcome.field(f, focus));
    let password_hint = format!(
        "{}{}",
        secret_hint(
            email.has_password,
            "password",
            "for this server, port, security and user name only: change any of them and enter it again"
        ),
        outcome.secret_not_kept("password").unwrap_or_default()
    );
    view! {
        <section class="card settings-section" id="email-settings" aria-labelledby="email-heading" data-testid="email-settings">
            <h2 id="email-heading">"Email"</h2>
            <p class="muted">{sentence}</p>
            {outcome.banner("email")}
            <form method="post" action=format!("/s/{sub_account}/settings")>
                <input type="hidden" name="save" value="email"/>
                <div class="field-row">
                    <div class="field">
                        <label for="smtp-host">"SMTP server"</label>
                        <input dir="auto" id="smtp-host" name="host" required value=typed.host placeholder="smtp.example.com" autocomplete="off"
                            aria-invalid=host.invalid() aria-describedby=host.described_by(None) autofocus=host.focus/>
                        {host.line()}
                    </div>
                    <div class="field field-narrow">
                        <label for="smtp-port">"Port"</label>
                        <input dir="auto" id="smtp-port" name="port" required inputmode="numeric" value=typed.port autocomplete="off"
                            aria-invalid=port.invalid() aria-describedby=port.described_by(None) autofocus=port.focus/>
                        {port.line()}
                    </div>
                    <div class="field">
                        <label for="smtp-security">"Security"</label>
                        <select id="smtp-security" name="security" autocomplete="off"
                            aria-invalid=security.invalid() aria-describedby=security.described_by(None) autofocus=security.focus>
                            {SmtpSecurity::ALL.map(|choice| view! {
                                <option value=choice.as_str() selected=choice.as_str() == typed.security>{choice.label()}</option>
                            }).collect_view()}
                        </select>
                        {security.line()}
                    </div>
                </div>
                <div class="field-row">
                    <div class="field">
                        <label for="smtp-username">"User name"</label>
                        <input dir="auto" id="smtp-username" name="username" value=typed.username autocomplete="off"
                            aria-invalid=username.invalid() aria-describedby=username.described_by(None) autofocus=username.focus/>
                        {username.line()}
                    </div>
                    <div class="field">
                        <label for="smtp-password">"Password"</label>
                        <input id="smtp-password" name="password" type="password" autocomplete="new-password"
                            aria-invalid=password.invalid() aria-describedby=password.described_by(Some("smtp-password-hint")) autofocus=password.focus/>
                        <p class="help" id="smtp-password-hint">{password_hint}</p>
                        {password.line()}
                    </div>
                </div>
                <div class="field-row">
                    <div class="field">
                        <label for="smtp-from">"From address"</label>
                        <input id="smtp-from" name="from_address" type="email" required value=typed.from_address autocomplete="off"
                            aria-invalid=from.invalid() aria-describedby=from.described_by(None) autofocus=from.focus/>
                        {from.line()}
                    </div>
                    <div class="field">
                        <label for="smtp-from-name">"From name"</label>
                        <input dir="auto" id="smtp-from-name" name="from_name" value=typed.from_name autocomplete="off"
                            aria-invalid=from_name.invalid() aria-describedby=from_name.described_by(None) autofocus=from_name.focus/>
                        {from_name.line()}
                    </div>
                </div>
                <button type="submit" class="button">"Save email settings"</button>
            </form>
        </section>
    }
}

#[component]
fn TwilioSection(sub_account: SubAccountId, twilio: TwilioSettings, outcome: Outcome) -> impl IntoView {
    use SettingsField as F;
    let sentence = if twilio.account_sid.is_empty() {
        "Workflows' “Send SMS” and “Send WhatsApp” steps need your Twilio account."
    } else {
        "Workflows send SMS and WhatsApp messages with this Twilio account."
    };
    let typed = outcome.refused.as_ref().and_then(|r| r.twilio().cloned()).unwrap_or_else(|| TwilioForm {
        account_sid: twilio.account_sid.clone(),
        auth_token: String::new(),
        sms_from: twilio.sms_from.clone(),
        whatsapp_from: twilio.whatsapp_from.clone(),
    });
    let order = [F::AccountSid, F::AuthToken, F::SmsFrom, F::WhatsappFrom];
    let focus = outcome.first_problem(&order);
    let [sid, token, sms, whatsapp] = order.map(|f| outcome.field(f, focus));
    let token_hint = format!(
        "{}{}",
        secret_hint(twilio.has_token, "token", "for this Account SID only"),
        outcome.secret_not_kept("token").unwrap_or_default()
    );
    view! {
        <section class="card settings-section" id="twilio-settings" aria-labelledby="twilio-heading" data-testid="twilio-settings">
            <h2 id="twilio-heading">"SMS and WhatsApp (Twilio)"</h2>
            <p class="muted">{sentence}</p>
            {outcome.banner("Twilio")}
            <form method="post" action=format!("/s/{sub_account}/settings")>
                <input type="hidden" name="save" value="twilio"/>
                <div class="field-row">
                    <div class="field">
                        <label for="twilio-sid">"Account SID"</label>
                        <input dir="auto" id="twilio-sid" name="account_sid" required value=typed.account_sid placeholder="AC…" autocomplete="off"
                            aria-invalid=sid.invalid() aria-describedby=sid.described_by(None) autofocus=sid.focus/>
                        {sid.line()}
                    </div>
                    <div class="field">
                        <label for="twilio-token">"Auth token"</label>
                        <input id="twilio-token" name="auth_token" type="password" autocomplete="new-password"
                            aria-invalid=token.invalid() aria-describedby=token.described_by(Some("twilio-token-hint")) autofocus=token.focus/>
                        <p class="help" id="twilio-token-hint">{token_hint}</p>
                        {token.line()}
                    </div>
                </div>
                <div class="field-row">
                    <div class="field">
                        <label for="twilio-sms">"SMS from"</label>
                        <input dir="auto" id="twilio-sms" name="sms_from" value=typed.sms_from placeholder="+14155550100" inputmode="tel" autocomplete="off"
                            aria-invalid=sms.invalid() aria-describedby=sms.described_by(None) autofocus=sms.focus/>
                        {sms.line()}
                    </div>
                    <div class="field">
                        <label for="twilio-whatsapp">"WhatsApp from"</label>
                        <input dir="auto" id="twilio-whatsapp" name="whatsapp_from" value=typed.whatsapp_from placeholder="+14155550100" inputmode="tel" autocomplete="off"
                            aria-invalid=whatsapp.invalid() aria-describedby=whatsapp.described_by(None) autofocus=whatsapp.focus/>
                        {whatsapp.line()}
                    </div>
                </div>
                <button type="submit" class="button">"Save Twilio settings"</button>
            </form>
        </section>
    }
}
