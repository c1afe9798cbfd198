use app::api::AppError;
use app::api::ports::{AppResult, InboxPort};
use app::api::types::{
    CompletedFormRow, FormStatus, FormView, InboxPage, InboxQuery, PendingFormRow, SessionUser, Submission,
    TemplateOption, WritebackKind, WritebackResult, WritebacksOverview,
};
use app::model::{Answers, FormId, FormPlan, NumberFormat, SubAccountId};
use async_trait::async_trait;

use super::Service;
use crate::db::forms::{FormCompletion, FormRow, InboxFilter, InboxFormRow};
use crate::db::tenancy::Tenant;
use crate::time::format_ms;

#[async_trait]
impl InboxPort for Service {
    async fn pending_forms(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        query: &InboxQuery,
    ) -> AppResult<InboxPage<PendingFormRow>> {
        let member = self.member(user, sub_account).await?;
        let zone = &member.sub_account().time_zone;
        self.inbox_page(&member, FormStatus::Pending, query, |f| PendingFormRow {
            id: f.id,
            contact_name: f.contact_name,
            template_name: f.template_name,
            template_version: f.template_version,
            context: f.context,
            created_at: format_ms(f.created_at, zone),
        })
        .await
    }

    async fn completed_forms(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        query: &InboxQuery,
    ) -> AppResult<InboxPage<CompletedFormRow>> {
        let member = self.member(user, sub_account).await?;
        let zone = &member.sub_account().time_zone;
        self.inbox_page(&member, FormStatus::Completed, query, |f| CompletedFormRow {
            writebacks: match (f.writebacks, f.failed_writebacks, f.pending_writebacks) {
                (0, _, _) => WritebacksOverview::None,
                (_, 1.., _) => WritebacksOverview::Failed,
                (_, _, 1..) => WritebacksOverview::Pending,
                _ => WritebacksOverview::AllDone,
            },
            id: f.id,
            contact_name: f.contact_name,
            template_name: f.template_name,
            submitted_by: f.submitted_by_name.unwrap_or_default(),
            submitted_at: f.submitted_at.map(|at| format_ms(at, zone)).unwrap_or_default(),
        })
        .await
    }

    async fn form(&self, user: &SessionUser, sub_account: &SubAccountId, form_id: &FormId) -> AppResult<FormView> {
        let member = self.member(user, sub_account).await?;
        let row = member.sub_account();
        let form = self.load_form(&member, form_id).await?;
        let template = self
            .store
            .template_version(&member, &form.template_id, form.template_version)
            .await?
            .ok_or_else(|| AppError::not_found("The template version of this form"))?;
        let status = form.status()?;
        let submission = if status == FormStatus::Completed {
            Some(Submission {
                submitted_by: form.submitted_by_name.clone().unwrap_or_default(),
                submitted_at: form.submitted_at.map(|at| format_ms(at, &row.time_zone)).unwrap_or_default(),
                answers: form.clean_answers()?,
                writebacks: self.store.writeback_results(&form.id).await?,
                can_retry: member.is_admin(),
            })
        } else {
            None
        };
        Ok(FormView {
            id: form.id,
            sub_account_id: form.sub_account_id,
            status,
            contact_id: form.contact_id,
            contact_name: form.contact_name,
            context: form.context,
            created_at: format_ms(form.created_at, &row.time_zone),
            template,
            template_version: form.template_version,
            submission,
            number_format: row.number_format(),
        })
    }

    async fn submit_form(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        form_id: &FormId,
        answers: Answers,
        read_as: Option<NumberFormat>,
    ) -> AppResult<Vec<WritebackResult>> {
        let member = self.member(user, sub_account).await?;
        let form = self.load_form(&member, form_id).await?;
        if form.status()? != FormStatus::Pending {
            return Err(already_submitted(&form));
        }
        let template = self
            .store
            .template_version(&member, &form.template_id, form.template_version)
            .await?
            .ok_or_else(|| AppError::not_found("The template version of this form"))?;
        // The same evaluation the browser ran; the server's answer is the one that counts.
        let format = member.sub_account().number_format();
        let plan = FormPlan::new(&template, format).map_err(AppError::InvalidTemplate)?;
        let evaluation = plan.evaluate(&answers);
        // An admin changed how numbers are written while the form was open: what was typed as
        // `1,250` must not be kept as 1.25 (or refused in words the page did not use) without the
        // person seeing it.
        if let Some(typed_in) = read_as.filter(|typed_in| *typed_in != format) {
            let as_typed = FormPlan::new(&template, typed_in).map_err(AppError::InvalidTemplate)?.evaluate(&answers);
            if (&as_typed.answers, &as_typed.errors) != (&evaluation.answers, &evaluation.errors) {
                return Err(AppError::BadRequest(format_changed(&format)));
            }
        }
        if !evaluation.is_valid() {
            return Err(AppError::InvalidAnswers(evaluation.errors));
        }
        let writebacks = form.writebacks()?;
        let kinds = writebacks.enabled();
        let completion = FormCompletion {
            user_id: &user.id,
            user_name: &user.name,
            answers: &evaluation.answers,
            writebacks: &kinds,
        };
        let held = self.store.complete_form(&member, form_id, &completion, self.options.jobs.lease_ms).await?;
        let Some(held) = held else {
            let now = self.load_form(&member, form_id).await?;
            return Err(already_submitted(&now));
        };
        self.notifier.changed(sub_account);
        self.run_submitted(&member, form_id, &kinds, held).await
    }

    async fn retry_writeback(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        form_id: &FormId,
        kind: WritebackKind,
    ) -> AppResult<Vec<WritebackResult>> {
        let admin = self.admin_member(user, sub_account).await?;
        self.load_form(&admin, form_id).await?;
        let message = format!("{} asked for another try.", user.name);
        if !self.store.retry_writeback(form_id, kind, &message).await? {
            return Err(AppError::Conflict(format!(
                "The {} writeback has not failed, so there is nothing to retry.",
                kind.label().to_lowercase()
            )));
        }
        self.notifier.changed(sub_account);
        self.run_writeback(&admin, form_id, kind, None, &Default::default()).await?;
        Ok(self.store.writeback_results(form_id).await?)
    }
}

impl Service {
    /// One page of an inbox tab, each form shown by `row`, with the templates to filter by.
    async fn inbox_page<T>(
        &self,
        tenant: &Tenant,
        status: FormStatus,
        query: &InboxQuery,
        row: impl Fn(InboxFormRow) -> T,
    ) -> AppResult<InboxPage<T>> {
        let per_page = InboxQuery::PAGE_SIZE;
        let page = query.page.max(1);
        let filter = InboxFilter {
            template_id: &query.template_id,
            search: &query.search,
            limit: i64::from(per_page),
            offset: i64::from(page - 1) * i64::from(per_page),
        };
        let (rows, total) = self.store.inbox_forms(tenant, status, &filter).await?;
        let total = u32::try_from(total).unwrap_or(u32::MAX);
        let templates = self.store.template_names(tenant).await?;
        Ok(InboxPage {
            rows: rows.into_iter().map(row).collect(),
            total,
            page,
            pages: total.div_ceil(per_page).max(1),
            templates: templates.into_iter().map(|(id, name)| TemplateOption { id, name }).collect(),
        })
    }

    async fn load_form(&self, tenant: &Tenant, form_id: &FormId) -> AppResult<FormRow> {
        self.store.form(tenant, form_id).await?.ok_or_else(|| AppError::not_found("That form"))
    }
}

fn already_submitted(form: &FormRow) -> AppError {
    AppError::Conflict(format!(
        "This form was already submitted by {}; its writebacks ran once and will not run again.",
        form.submitted_by_name.as_deref().unwrap_or("someone")
    ))
}

/// Why answers typed under an older number format were not saved.
fn format_changed(now: &NumberFormat) -> String {
    format!(
        "While this form was open, an admin changed how numbers are written here (now like {} and {}). \
         Check the numbers and amounts on the form, then submit again.",
        now.number(1234.5),
        now.money(125_050)
    )
}
