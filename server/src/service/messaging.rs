//! Messaging settings (admins): checked by the model, the SMTP host checked against private
//! addresses like a webhook's, secrets sealed before they reach the store.

use app::api::AppError;
use app::api::ports::{AppResult, MessagingPort};
use app::api::types::{MessagingView, SessionUser};
use app::model::SubAccountId;
use app::model::messaging::{EmailSettings, SIGN_IN_NEEDS_TLS, SettingsField, SettingsProblem, TwilioSettings};
use app::model::workflow::actions::is_private_host;
use async_trait::async_trait;

use super::Service;
use crate::db::tenancy::{Admin, Member};
use crate::highlevel::secrets::Binding;

impl Service {
    /// Seals a password or token with the server's secret key.
    fn seal(&self, binding: Binding<'_>, secret: &str) -> AppResult<String> {
        let secrets = self.secrets.as_ref().ok_or_else(|| {
            AppError::BadRequest(
                "This server has no secret key to keep passwords with: its operator sets OPSFLOW_SECRET_KEY."
                    .to_owned(),
            )
        })?;
        secrets.seal(binding, secret).map_err(|error| AppError::Internal(error.to_string()))
    }

    /// The admin changing the sub-account's messaging; staff are told only admins may.
    async fn messaging_admin(&self, user: &SessionUser, sub_account: &SubAccountId) -> AppResult<Admin> {
        self.member(user, sub_account).await?.admin().ok_or_else(|| {
            AppError::Forbidden("Only admins can change how workflows send email and messages.".to_owned())
        })
    }

    /// What Settings shows an admin of the sub-account's messaging.
    pub(super) async fn messaging_view(&self, member: &Member) -> AppResult<MessagingView> {
        let stored = self.store.messaging(member).await?;
        Ok(MessagingView { settings: stored.settings, can_keep_secrets: self.secrets.is_some() })
    }
}

fn refused(problems: Vec<SettingsProblem>) -> AppResult<()> {
    if problems.is_empty() { Ok(()) } else { Err(AppError::InvalidSettings(problems)) }
}

#[async_trait]
impl MessagingPort for Service {
    async fn save_email_settings(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        mut settings: EmailSettings,
        password: Option<String>,
    ) -> AppResult<()> {
        let admin = self.messaging_admin(user, sub_account).await?;
        let saved = self.store.messaging(&admin).await?.settings.email;
        // The saved password goes only where it was saved for (the store drops it otherwise).
        settings.has_password = saved.is_some_and(|saved| settings.keeps_password_of(&saved));
        let mut problems = settings.problems(password.is_some());
        let private = is_private_host(settings.host.trim_matches(['[', ']']));
        if settings.signs_in_unencrypted() && !(self.options.mail_may_use_private_hosts && private) {
            problems.push(SettingsProblem::new(SettingsField::Security, SIGN_IN_NEEDS_TLS));
        }
        if !self.options.mail_may_use_private_hosts && private {
            let message = format!(
                "Server: “{}” is a local or private address, which this server does not send mail through.",
                settings.host
            );
            problems.push(SettingsProblem::new(SettingsField::Host, message));
        }
        refused(problems)?;
        let sealed = password.map(|password| self.seal(Binding::smtp_password(admin.id()), &password)).transpose()?;
        self.store.save_email_settings(&admin, &settings, sealed.as_deref()).await?;
        Ok(())
    }

    async fn save_twilio_settings(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        mut settings: TwilioSettings,
        token: Option<String>,
    ) -> AppResult<()> {
        let admin = self.messaging_admin(user, sub_account).await?;
        let saved = self.store.messaging(&admin).await?.settings.twilio;
        // A saved token belongs to the account it was saved with.
        settings.has_token = saved.is_some_and(|saved| saved.has_token && saved.account_sid == settings.account_sid);
        refused(settings.problems(token.is_some()))?;
        let sealed = token.map(|token| self.seal(Binding::twilio_token(admin.id()), &token)).transpose()?;
        self.store.save_twilio_settings(&admin, &settings, sealed.as_deref()).await?;
        Ok(())
    }
}
