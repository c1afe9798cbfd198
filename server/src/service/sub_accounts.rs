//! The sub-accounts a user belongs to, and opening one (its starter templates, once).

use app::api::ports::{AppResult, SubAccountsPort};
use app::api::types::{SessionUser, SubAccountSummary};
use app::model::SubAccountId;
use app::model::starter::starter_templates;
use async_trait::async_trait;

use super::Service;
use crate::db::StoreError;

#[async_trait]
impl SubAccountsPort for Service {
    async fn sub_accounts(&self, user: &SessionUser) -> AppResult<Vec<SubAccountSummary>> {
        let rows = self.store.sub_accounts_of(&user.id).await?;
        let counts = self.store.pending_counts_of(&user.id).await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let pending = counts.get(&row.id).copied().unwrap_or(0);
                self.summary(row, Some(pending))
            })
            .collect())
    }

    async fn open_sub_account(&self, user: &SessionUser, sub_account: &SubAccountId) -> AppResult<SubAccountSummary> {
        let member = self.member(user, sub_account).await?;
        let mut tx = self.store.begin().await?;
        if self.store.claim_starters(&mut tx, &member).await? {
            for template in starter_templates() {
                self.store.create_template(&mut tx, &member, &template, None).await?;
            }
            tracing::info!(%sub_account, "created the starter templates");
        }
        tx.commit().await.map_err(StoreError::from)?;
        let unread = self.store.unread_notifications(&member).await?;
        Ok(SubAccountSummary { unread_notifications: Some(unread), ..self.summary(member.sub_account().clone(), None) })
    }
}
