//! The `send_email` action: through the sub-account's own SMTP server. The server's name is
//! resolved once and every address checked (unless the server allows private hosts), then the
//! connection goes to that checked address, with TLS verified for the name. Each message's
//! `Message-ID` is the step's id, the same on every retry, so a mailbox can tell a repeat.

use app::model::messaging::{EmailSettings, SIGN_IN_NEEDS_TLS, SmtpSecurity};
use app::model::workflow::actions::is_private_host;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::{Value, json};
use std::time::Duration;

use super::Failure;

/// How long a conversation with the mail server may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// One email as the step filled it in.
pub(super) struct Email<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub html: bool,
}

/// The SMTP server's address, checked.
async fn address(settings: &EmailSettings, private_hosts: bool) -> Result<std::net::IpAddr, Failure> {
    let host = settings.host.trim_matches(['[', ']']);
    let found: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host, settings.port))
        .await
        .map_err(|error| Failure::Later(format!("The mail server “{host}” was not found: {error}.")))?
        .collect();
    let first = found.first().ok_or_else(|| Failure::Later(format!("The mail server “{host}” has no address.")))?;
    if !private_hosts && let Some(private) = found.iter().find(|a| is_private_host(&a.ip().to_string())) {
        return Err(Failure::Refused(format!(
            "The mail server “{host}” is at {}, a local or private address, which this server does not send mail through.",
            private.ip()
        )));
    }
    Ok(first.ip())
}

pub(super) async fn send(
    settings: &EmailSettings,
    password: Option<&str>,
    email: &Email<'_>,
    step_id: &str,
    private_hosts: bool,
) -> Result<Value, Failure> {
    let to: Mailbox = email
        .to
        .trim()
        .parse()
        .map_err(|_| Failure::Refused(format!("“{}” is not an email address.", email.to.trim())))?;
    let name = (!settings.from_name.is_empty()).then(|| settings.from_name.clone());
    let from = Mailbox::new(
        name,
        settings.from_address.parse().map_err(|_| Failure::Refused("The sender's address is not valid.".to_owned()))?,
    );
    let domain = settings.from_address.rsplit('@').next().unwrap_or("opsflow");
    let message_id = format!("<{step_id}@{domain}>");
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(email.subject)
        .message_id(Some(message_id.clone()))
        .header(if email.html { ContentType::TEXT_HTML } else { ContentType::TEXT_PLAIN })
        .body(email.body.to_owned())
        .map_err(|error| Failure::Refused(format!("The message could not be written: {error}.")))?;

    let ip = address(settings, private_hosts).await?;
    // A password never crosses a network unencrypted; the operator may allow it to a relay on
    // the install's own network.
    if settings.signs_in_unencrypted() && !(private_hosts && is_private_host(&ip.to_string())) {
        return Err(Failure::Refused(SIGN_IN_NEEDS_TLS.to_owned()));
    }
    let host = settings.host.trim_matches(['[', ']']).to_owned();
    let tls_for = |host: String| {
        TlsParameters::new(host).map_err(|error| Failure::Refused(format!("TLS could not be set up: {error}.")))
    };
    let tls = match settings.security {
        SmtpSecurity::StartTls => Tls::Required(tls_for(host)?),
        SmtpSecurity::Tls => Tls::Wrapper(tls_for(host)?),
        SmtpSecurity::None => Tls::None,
    };
    let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(ip.to_string())
        .port(settings.port)
        .tls(tls)
        .timeout(Some(SMTP_TIMEOUT));
    if !settings.username.is_empty() {
        let password =
            password.ok_or_else(|| Failure::Refused("No password is saved for the mail server.".to_owned()))?;
        transport = transport.credentials(Credentials::new(settings.username.clone(), password.to_owned()));
    }
    let response = transport.build().send(message).await.map_err(|error| {
        let why = format!("The mail server: {error}.");
        // A 5xx answer (refused sender, recipient, password) will not change; the rest may.
        if error.is_permanent() { Failure::Refused(why) } else { Failure::Later(why) }
    })?;
    Ok(json!({
        "messageId": message_id,
        "to": email.to.trim(),
        "response": format!("{} {}", response.code(), response.message().collect::<Vec<_>>().join(" ")),
    }))
}
