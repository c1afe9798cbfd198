//! A sub-account's messaging settings: its SMTP server and Twilio account. Passwords and
//! tokens arrive sealed (the service seals them) and leave sealed (the engine opens them to
//! send); a save without one keeps the one saved.

use app::model::messaging::{EmailSettings, MessagingSettings, SmtpSecurity, TwilioSettings};
use sqlx::FromRow;

use super::tenancy::{Admin, Tenant};
use super::{Store, StoreResult, now_ms};

#[derive(FromRow, Default)]
struct Row {
    smtp_host: Option<String>,
    smtp_port: Option<i64>,
    smtp_security: Option<String>,
    smtp_username: Option<String>,
    smtp_password_sealed: Option<String>,
    smtp_from_address: Option<String>,
    smtp_from_name: Option<String>,
    twilio_account_sid: Option<String>,
    twilio_token_sealed: Option<String>,
    twilio_sms_from: Option<String>,
    twilio_whatsapp_from: Option<String>,
}

/// The settings with their sealed secrets.
#[derive(Clone, Debug, Default)]
pub struct StoredMessaging {
    pub settings: MessagingSettings,
    pub smtp_password_sealed: Option<String>,
    pub twilio_token_sealed: Option<String>,
}

impl Row {
    fn into_stored(self) -> StoredMessaging {
        let email = self.smtp_host.map(|host| EmailSettings {
            host,
            port: self.smtp_port.and_then(|port| u16::try_from(port).ok()).unwrap_or_default(),
            security: self.smtp_security.as_deref().and_then(SmtpSecurity::parse).unwrap_or_default(),
            username: self.smtp_username.unwrap_or_default(),
            from_address: self.smtp_from_address.unwrap_or_default(),
            from_name: self.smtp_from_name.unwrap_or_default(),
            has_password: self.smtp_password_sealed.is_some(),
        });
        let twilio = self.twilio_account_sid.map(|account_sid| TwilioSettings {
            account_sid,
            sms_from: self.twilio_sms_from.unwrap_or_default(),
            whatsapp_from: self.twilio_whatsapp_from.unwrap_or_default(),
            has_token: self.twilio_token_sealed.is_some(),
        });
        StoredMessaging {
            settings: MessagingSettings { email, twilio },
            smtp_password_sealed: self.smtp_password_sealed,
            twilio_token_sealed: self.twilio_token_sealed,
        }
    }
}

impl Store {
    pub async fn messaging(&self, tenant: &Tenant) -> StoreResult<StoredMessaging> {
        let row: Option<Row> = sqlx::query_as(
            "SELECT smtp_host, smtp_port, smtp_security, smtp_username, smtp_password_sealed, smtp_from_address, \
               smtp_from_name, twilio_account_sid, twilio_token_sealed, twilio_sms_from, twilio_whatsapp_from \
             FROM messaging_settings WHERE sub_account_id = $1",
        )
        .bind(tenant.id())
        .fetch_optional(self.pool())
        .await?;
        Ok(row.unwrap_or_default().into_stored())
    }

    /// Saves the SMTP settings; `sealed_password` `None` keeps the saved password while the
    /// server, port, security and user name stay as they were, and drops it otherwise (it is
    /// never sent anywhere else; a server without sign-in needs none).
    pub async fn save_email_settings(
        &self,
        admin: &Admin,
        email: &EmailSettings,
        sealed_password: Option<&str>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO messaging_settings (sub_account_id, smtp_host, smtp_port, smtp_security, smtp_username, \
               smtp_password_sealed, smtp_from_address, smtp_from_name, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (sub_account_id) DO UPDATE SET smtp_host = excluded.smtp_host, \
               smtp_port = excluded.smtp_port, smtp_security = excluded.smtp_security, \
               smtp_username = excluded.smtp_username, \
               smtp_password_sealed = CASE WHEN excluded.smtp_username = '' THEN NULL \
                 WHEN excluded.smtp_password_sealed IS NOT NULL THEN excluded.smtp_password_sealed \
                 WHEN LOWER(messaging_settings.smtp_host) = LOWER(excluded.smtp_host) \
                   AND messaging_settings.smtp_port = excluded.smtp_port \
                   AND messaging_settings.smtp_security = excluded.smtp_security \
                   AND messaging_settings.smtp_username = excluded.smtp_username \
                   THEN messaging_settings.smtp_password_sealed \
                 ELSE NULL END, \
               smtp_from_address = excluded.smtp_from_address, smtp_from_name = excluded.smtp_from_name, \
               updated_at = excluded.updated_at",
        )
        .bind(admin.id())
        .bind(&email.host)
        .bind(i64::from(email.port))
        .bind(email.security.as_str())
        .bind(&email.username)
        .bind(sealed_password.filter(|_| !email.username.is_empty()))
        .bind(&email.from_address)
        .bind(&email.from_name)
        .bind(now_ms())
        .execute(&mut *self.writer().await?)
        .await?;
        Ok(())
    }

    /// Saves the Twilio settings; `sealed_token` `None` keeps the saved token for the same
    /// account, and drops it for another.
    pub async fn save_twilio_settings(
        &self,
        admin: &Admin,
        twilio: &TwilioSettings,
        sealed_token: Option<&str>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO messaging_settings (sub_account_id, twilio_account_sid, twilio_token_sealed, \
               twilio_sms_from, twilio_whatsapp_from, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (sub_account_id) DO UPDATE SET twilio_account_sid = excluded.twilio_account_sid, \
               twilio_token_sealed = CASE WHEN excluded.twilio_token_sealed IS NOT NULL THEN excluded.twilio_token_sealed \
                 WHEN messaging_settings.twilio_account_sid = excluded.twilio_account_sid \
                   THEN messaging_settings.twilio_token_sealed ELSE NULL END, \
               twilio_sms_from = excluded.twilio_sms_from, twilio_whatsapp_from = excluded.twilio_whatsapp_from, \
               updated_at = excluded.updated_at",
        )
        .bind(admin.id())
        .bind(&twilio.account_sid)
        .bind(sealed_token)
        .bind(&twilio.sms_from)
        .bind(&twilio.whatsapp_from)
        .bind(now_ms())
        .execute(&mut *self.writer().await?)
        .await?;
        Ok(())
    }
}
