//! HighLevel users stay who HighLevel says they are while signed in: every few minutes the
//! re-check worker asks HighLevel's users API (with the agency's token) about each HighLevel
//! user with a live session or API key whose access it has not confirmed for
//! [`RECHECK_AFTER_MS`] — at least hourly. A user HighLevel removed, no longer knows or refuses
//! loses their memberships and sessions (and so their API keys stop); one who lost a
//! sub-account or their admin role keeps the rest but signs in again. Nothing is ever added
//! here: a sign-in does that. When HighLevel cannot be asked, sessions go on on the last
//! confirmation until it is a day old, then end.

use std::time::Duration;

use super::Service;
use super::sso::{CONFIRMATION_LASTS_MS, ask_highlevel};
use crate::crm::CrmError;
use crate::db::sso::HighLevelUserRow;
use crate::db::{StoreError, StoreResult, now_ms};
use crate::highlevel::{HighLevel, highlevel_user_id};

/// A confirmation this old is asked again (under an hour with the worker's pace).
const RECHECK_AFTER_MS: i64 = 50 * 60 * 1000;
const EVERY: Duration = Duration::from_secs(5 * 60);

/// What one pass did, by user.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rechecked {
    /// HighLevel said the same as before.
    pub confirmed: usize,
    /// Sessions ended: removed, lost a sub-account or a role, or unconfirmed for a day.
    pub ended: usize,
    /// HighLevel could not be asked; asked again next pass.
    pub unanswered: usize,
}

impl Service {
    /// Re-checks now, then every five minutes, until the server stops.
    pub async fn run_sso_recheck_worker(self) {
        loop {
            match self.recheck_highlevel_users().await {
                Ok(done) if done != Rechecked::default() => tracing::info!(?done, "re-checked HighLevel users"),
                Ok(_) => {}
                Err(error) => tracing::error!(%error, "re-checking HighLevel users failed; trying again soon"),
            }
            if !self.stop.sleep(EVERY).await {
                return;
            }
        }
    }

    /// One pass over the signed-in HighLevel users due a check.
    pub async fn recheck_highlevel_users(&self) -> StoreResult<Rechecked> {
        let mut done = Rechecked::default();
        let Some(highlevel) = self.highlevel() else { return Ok(done) };
        for user in self.store.highlevel_users_to_recheck(now_ms() - RECHECK_AFTER_MS).await? {
            match self.recheck(highlevel, &user).await? {
                Outcome::Confirmed => done.confirmed += 1,
                Outcome::Ended => done.ended += 1,
                Outcome::Unanswered => done.unanswered += 1,
            }
        }
        Ok(done)
    }

    async fn recheck(&self, highlevel: &HighLevel, user: &HighLevelUserRow) -> StoreResult<Outcome> {
        let Some(highlevel_id) = highlevel_user_id(&user.id) else { return Ok(Outcome::Unanswered) };
        // With the agency's token: no one sub-account's API quota pays for every user's check.
        let asked = ask_highlevel(highlevel.crm.agency_user(&user.agency_id, highlevel_id)).await;
        let now = now_ms();
        let (gone, admin, kept) = match asked {
            Ok(found) if !found.deleted => {
                let kept: Vec<_> = user.locations.iter().filter(|id| found.reaches(id)).cloned().collect();
                (false, user.admin && found.admin, kept)
            }
            Err(error @ CrmError::Unavailable(_))
                if user.confirmed_at.is_some_and(|at| at > now - CONFIRMATION_LASTS_MS) =>
            {
                tracing::warn!(%error, user_id = %user.id, "HighLevel could not re-check a user; asking again soon");
                return Ok(Outcome::Unanswered);
            }
            Err(error @ CrmError::Unavailable(_)) => {
                tracing::warn!(%error, user_id = %user.id, "HighLevel has not confirmed a user for a day: signed out");
                let mut tx = self.store.begin().await?;
                self.store.end_sessions_of(&mut tx, &user.id).await?;
                tx.commit().await.map_err(StoreError::from)?;
                return Ok(Outcome::Ended);
            }
            // Deleted, unknown, or refused: HighLevel no longer confirms this user.
            Ok(_) | Err(_) => (true, false, Vec::new()),
        };
        let lost = gone || kept.len() < user.locations.len() || admin != user.admin;
        let mut tx = self.store.begin().await?;
        // A sign-in that confirmed the user while HighLevel was asked here has the newer word.
        if !self.store.reconfirm_highlevel_access(&mut tx, &user.id, user.confirmed_at, admin, &kept, now).await? {
            return Ok(Outcome::Confirmed);
        }
        if lost {
            self.store.end_sessions_of(&mut tx, &user.id).await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        if lost {
            tracing::info!(user_id = %user.id, gone, sub_accounts = kept.len(), "HighLevel user signed out after a re-check");
            return Ok(Outcome::Ended);
        }
        Ok(Outcome::Confirmed)
    }
}

enum Outcome {
    Confirmed,
    Ended,
    Unanswered,
}
