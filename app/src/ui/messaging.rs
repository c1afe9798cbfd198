//! Settings → Email and Twilio (admins): the accounts a sub-account's workflows send with.
//! Plain form posts, like the number format: the page reloads showing what was saved, the
//! client carries no code for them, and a saved password or token is never sent back — the
//! page says one is saved, and an empty field keeps it.

use leptos::prelude::*;

use crate::api::types::MessagingView;
use crate::model::SubAccountId;
use crate::model::messaging::{EmailSettings, SmtpSecurity, TwilioSettings};

#[component]
pub fn MessagingSettings(sub_account: SubAccountId, view: MessagingView) -> impl IntoView {
    let MessagingView { settings, can_keep_secrets } = view;
    view! {
        {(!can_keep_secrets).then(|| view! {
            <p class="alert alert-warning" role="note" data-testid="no-secret-key">
                "This server has no secret key, so it cannot keep mail passwords or Twilio tokens: its operator sets OPSFLOW_SECRET_KEY."
            </p>
        })}
        <EmailForm sub_account=sub_account.clone() email=settings.email.unwrap_or_default()/>
        <TwilioForm sub_account twilio=settings.twilio.unwrap_or_default()/>
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
fn EmailForm(sub_account: SubAccountId, email: EmailSettings) -> impl IntoView {
    let port = if email.port == 0 { "587".to_owned() } else { email.port.to_string() };
    let configured = !email.host.is_empty();
    view! {
        <section class="card settings-section" aria-labelledby="email-heading" data-testid="email-settings">
            <h2 id="email-heading">"Email"</h2>
            <p class="muted">
                {if configured {
                    format!("Workflows send email through {} as {}.", email.host, email.from_address)
                } else {
                    "Workflows' “Send email” steps need your SMTP server.".to_owned()
                }}
            </p>
            <form method="post" action="/api/settings/email">
                <input type="hidden" name="sub_account" value=sub_account.into_string()/>
                <div class="field-row">
                    <div class="field">
                        <label for="smtp-host">"SMTP server"</label>
                        <input id="smtp-host" name="email[host]" required value=email.host.clone() placeholder="smtp.example.com" autocomplete="off"/>
                    </div>
                    <div class="field field-narrow">
                        <label for="smtp-port">"Port"</label>
                        <input id="smtp-port" name="email[port]" required inputmode="numeric" value=port/>
                    </div>
                    <div class="field">
                        <label for="smtp-security">"Security"</label>
                        <select id="smtp-security" name="email[security]">
                            {SmtpSecurity::ALL.map(|security| view! {
                                <option value=security.as_str() selected=security == email.security>{security.label()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                </div>
                <div class="field-row">
                    <div class="field">
                        <label for="smtp-username">"User name"</label>
                        <input id="smtp-username" name="email[username]" value=email.username.clone() autocomplete="off"/>
                    </div>
                    <div class="field">
                        <label for="smtp-password">"Password"</label>
                        <input id="smtp-password" name="email[password]" type="password" autocomplete="new-password" aria-describedby="smtp-password-hint"/>
                        <p class="help" id="smtp-password-hint">{secret_hint(email.has_password, "password", "for this server, port, security and user name only: change any of them and enter it again")}</p>
                    </div>
                </div>
                <div class="field-row">
                    <div class="field">
                        <label for="smtp-from">"From address"</label>
                        <input id="smtp-from" name="email[from_address]" type="email" required value=email.from_address.clone()/>
                    </div>
                    <div class="field">
                        <label for="smtp-from-name">"From name"</label>
                        <input id="smtp-from-name" name="email[from_name]" value=email.from_name.clone()/>
                    </div>
                </div>
                <button type="submit" class="button">"Save email settings"</button>
            </form>
        </section>
    }
}

#[component]
fn TwilioForm(sub_account: SubAccountId, twilio: TwilioSettings) -> impl IntoView {
    let configured = !twilio.account_sid.is_empty();
    view! {
        <section class="card settings-section" aria-labelledby="twilio-heading" data-testid="twilio-settings">
            <h2 id="twilio-heading">"SMS and WhatsApp (Twilio)"</h2>
            <p class="muted">
                {if configured {
                    "Workflows send SMS and WhatsApp messages with this Twilio account.".to_owned()
                } else {
                    "Workflows' “Send SMS” and “Send WhatsApp” steps need your Twilio account.".to_owned()
                }}
            </p>
            <form method="post" action="/api/settings/twilio">
                <input type="hidden" name="sub_account" value=sub_account.into_string()/>
                <div class="field-row">
                    <div class="field">
                        <label for="twilio-sid">"Account SID"</label>
                        <input id="twilio-sid" name="account_sid" required value=twilio.account_sid.clone() placeholder="AC…" autocomplete="off"/>
                    </div>
                    <div class="field">
                        <label for="twilio-token">"Auth token"</label>
                        <input id="twilio-token" name="auth_token" type="password" autocomplete="new-password" aria-describedby="twilio-token-hint"/>
                        <p class="help" id="twilio-token-hint">{secret_hint(twilio.has_token, "token", "for this Account SID only")}</p>
                    </div>
                </div>
                <div class="field-row">
                    <div class="field">
                        <label for="twilio-sms">"SMS from"</label>
                        <input id="twilio-sms" name="sms_from" value=twilio.sms_from.clone() placeholder="+14155550100" inputmode="tel"/>
                    </div>
                    <div class="field">
                        <label for="twilio-whatsapp">"WhatsApp from"</label>
                        <input id="twilio-whatsapp" name="whatsapp_from" value=twilio.whatsapp_from.clone() placeholder="+14155550100" inputmode="tel"/>
                    </div>
                </div>
                <button type="submit" class="button">"Save Twilio settings"</button>
            </form>
        </section>
    }
}
