//! The built-in CRM's record pages and the Activity views: records of the six modules listed,
//! shown with their history, saved and converted as the signed-in person (the events say so),
//! and the sub-account's event stream with each change before → after.

use std::collections::BTreeMap;

use app::api::AppError;
use app::api::ports::{AppResult, RecordsPort};
use app::api::records::{ActivityItem, ActivityList, EditOptions, RecordDetail, RecordList, RecordSave, RecordValues};
use app::api::types::SessionUser;
use app::model::change::Changes;
use app::model::record::display_value;
use app::model::{Cause, EventType, Module, RecordEvent, RecordFieldKind, SubAccountId};
use async_trait::async_trait;

use super::{Service, crm_error};
use crate::crm::Crm;
use crate::crm::builtin::modules::RecordError;
use crate::db::stream::StreamQuery;
use crate::db::tenancy::Member;
use crate::time::{format_ms, format_rfc3339};

/// The most records a list or a link's choices show, and events an Activity view shows.
const LIST_LIMIT: i64 = 500;

pub(super) fn record_error(error: RecordError) -> AppError {
    match error {
        RecordError::Invalid(problems) => AppError::InvalidRecord(problems.iter().map(ToString::to_string).collect()),
        RecordError::NotFound(_) => AppError::not_found("The record"),
        RecordError::Conflict(why) => AppError::Conflict(format!("{}.", crate::crm::sentence_case(&why))),
        RecordError::Store(error) => error.into(),
    }
}

#[async_trait]
impl RecordsPort for Service {
    async fn records(&self, user: &SessionUser, sub_account: &SubAccountId, module: Module) -> AppResult<RecordList> {
        let member = self.member_with_builtin_crm(user, sub_account).await?;
        let records = self.builtin.records(&member, module, LIST_LIMIT).await.map_err(record_error)?;
        let (mut labels, _) = self.labels(&member, &[module]).await?;
        due_times(&member, records.iter(), &mut labels);
        Ok(RecordList { module, records, labels, format: member.sub_account().number_format() })
    }

    async fn record(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        module: Module,
        id: Option<&str>,
    ) -> AppResult<RecordDetail> {
        let member = self.member_with_builtin_crm(user, sub_account).await?;
        let record = match id {
            Some(id) => Some(
                self.builtin
                    .record(&member, module, id)
                    .await
                    .map_err(record_error)?
                    .ok_or_else(|| AppError::not_found("The record"))?,
            ),
            None => None,
        };
        let (mut labels, options) = self.labels(&member, &[module]).await?;
        due_times(&member, record.iter(), &mut labels);
        let activity = match id {
            Some(id) => {
                let query =
                    StreamQuery { module: Some(module), record_id: Some(id), limit: LIST_LIMIT, event_type: None };
                let events = self.store.record_events(&member, &query).await?;
                activity_items(&member, &events, &labels)
            }
            None => Vec::new(),
        };
        Ok(RecordDetail { module, record, options, labels, activity, format: member.sub_account().number_format() })
    }

    async fn save_record(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        module: Module,
        save: RecordSave<'_>,
    ) -> AppResult<String> {
        let member = self.member_with_builtin_crm(user, sub_account).await?;
        let cause = Cause::Person { user_id: user.id.clone() };
        let RecordSave { id, values, seen } = save;
        let crm = &self.builtin;
        let written = match (id, seen) {
            (None, _) => crm.create_record(&member, &cause, module, &values).await,
            (Some(id), None) => crm.update_record(&member, &cause, module, id, &values).await,
            (Some(id), Some(seen)) => crm.update_record_seen(&member, &cause, module, id, &values, &seen).await,
        };
        let written = written.map_err(record_error)?;
        // A stage change made forms: the open inboxes show them.
        if !written.forms.is_empty() {
            self.notifier.changed(member.id());
        }
        Ok(written.id)
    }

    async fn convert_lead(&self, user: &SessionUser, sub_account: &SubAccountId, lead_id: &str) -> AppResult<String> {
        let member = self.member_with_builtin_crm(user, sub_account).await?;
        let cause = Cause::Person { user_id: user.id.clone() };
        Ok(self.builtin.convert_lead(&member, &cause, lead_id).await.map_err(record_error)?.id)
    }

    async fn activity(
        &self,
        user: &SessionUser,
        sub_account: &SubAccountId,
        module: Option<Module>,
        event_type: Option<EventType>,
    ) -> AppResult<ActivityList> {
        let member = self.member_with_builtin_crm(user, sub_account).await?;
        if (module.is_some() || event_type.is_some()) && !member.is_admin() {
            return Err(AppError::Forbidden("Only admins can filter the activity.".to_owned()));
        }
        let query = StreamQuery { module, event_type, record_id: None, limit: LIST_LIMIT };
        let events = self.store.record_events(&member, &query).await?;
        let (mut labels, _) = self.labels(&member, &Module::ALL).await?;
        due_times(&member, events.iter().map(|event| &event.record), &mut labels);
        let items = activity_items(&member, &events, &labels);
        Ok(ActivityList { items, can_filter: member.is_admin() })
    }
}

impl Service {
    /// Names for the ids records of these modules hold (users, linked records, pipelines and
    /// stages) and activity names (API keys, as `apiKey:<id>`, for admins), and the choices an
    /// editor offers for them.
    async fn labels(&self, member: &Member, modules: &[Module]) -> AppResult<(BTreeMap<String, String>, EditOptions)> {
        let mut labels = BTreeMap::new();
        let mut options = EditOptions::default();
        // API keys are an admin's to see: staff read "API".
        if member.is_admin() {
            for key in self.store.api_keys(member).await? {
                labels.insert(format!("apiKey:{}", key.id), key.name);
            }
        }
        for user in self.builtin.users(member.id()).await.map_err(crm_error)? {
            labels.insert(user.id.clone(), user.name.clone());
            options.users.push((user.id, user.name));
        }
        let mut linked: Vec<Module> = modules
            .iter()
            .flat_map(|module| module.fields())
            .filter_map(|field| match field.kind {
                RecordFieldKind::Link(linked) => Some(linked),
                _ => None,
            })
            .chain(modules.iter().copied())
            .collect();
        linked.sort();
        linked.dedup();
        for module in linked {
            let records = self.builtin.records(member, module, LIST_LIMIT).await.map_err(record_error)?;
            let choices: Vec<(String, String)> = records
                .iter()
                .filter_map(|record| Some((record.get("id")?.as_str()?.to_owned(), module.record_label(record))))
                .collect();
            labels.extend(choices.iter().cloned());
            options.links.insert(module.as_str().to_owned(), choices);
        }
        if modules.contains(&Module::Contacts) {
            for field in self.builtin.custom_fields(member.id()).await.map_err(crm_error)? {
                labels.insert(format!("customFields.{}", field.key), field.name);
            }
        }
        if modules.contains(&Module::Opportunities) {
            options.pipelines = self.builtin.pipelines(member.id()).await.map_err(crm_error)?;
            for pipeline in &options.pipelines {
                labels.insert(pipeline.id.clone(), pipeline.name.clone());
                labels.extend(pipeline.stages.iter().map(|stage| (stage.id.clone(), stage.name.clone())));
            }
        }
        Ok((labels, options))
    }
}

/// Tasks' due times as the sub-account reads them (`2026-12-01 04:00 EST`), for the page to
/// show in place of the stored UTC time.
fn due_times<'a>(
    member: &Member,
    records: impl Iterator<Item = &'a RecordValues>,
    labels: &mut BTreeMap<String, String>,
) {
    let zone = &member.sub_account().time_zone;
    for due in records.filter_map(|record| record.get("dueDate")?.as_str()) {
        if let Some(shown) = format_rfc3339(due, zone) {
            labels.insert(due.to_owned(), shown);
        }
    }
}

/// The events (newest first) as the Activity lists them: the events one write fired — the same
/// record, moment, cause and change — are one item, each change in it once.
fn activity_items(member: &Member, events: &[RecordEvent], labels: &BTreeMap<String, String>) -> Vec<ActivityItem> {
    let same_write = |a: &RecordEvent, b: &RecordEvent| {
        a.record_id == b.record_id
            && a.module == b.module
            && a.occurred_at == b.occurred_at
            && a.cause == b.cause
            && a.previous == b.previous
            && a.record == b.record
    };
    let mut items: Vec<ActivityItem> = Vec::new();
    let mut last: Option<&RecordEvent> = None;
    for event in events {
        match (items.last_mut(), last) {
            // Newest first: the write fired this one before the item's.
            (Some(item), Some(last)) if same_write(last, event) => item.event_types.insert(0, event.event_type),
            _ => items.push(activity_item(member, event, labels)),
        }
        last = Some(event);
    }
    // In the order fired, the plain `*_updated` first: it goes after the more telling ones.
    for item in &mut items {
        item.event_types.rotate_left(1);
    }
    items
}

fn activity_item(member: &Member, event: &RecordEvent, labels: &BTreeMap<String, String>) -> ActivityItem {
    let format = member.sub_account().number_format();
    let mut changes = Vec::new();
    for change in event.changes().iter() {
        if let Some(field) = event.module.field(&change.field) {
            let shown = |value| display_value(field.kind, value, labels, format);
            changes.push((field.label.to_owned(), shown(&change.before), shown(&change.after)));
        } else if change.field == "customFields" {
            // A contact's custom fields, one line each, by the field's name.
            // `previous` names the custom fields that changed (a key left out did not).
            let before = change.before.as_object().cloned().unwrap_or_default();
            let after = change.after.as_object().cloned().unwrap_or_default();
            let after = after.into_iter().filter(|(key, _)| before.contains_key(key)).collect();
            for custom in Changes::between(&before, &after).iter() {
                let key = format!("customFields.{}", custom.field);
                let label = labels.get(&key).cloned().unwrap_or_else(|| custom.field.clone());
                let shown = |value| display_value(RecordFieldKind::Text { max: usize::MAX }, value, labels, format);
                changes.push((label, shown(&custom.before), shown(&custom.after)));
            }
        }
    }
    ActivityItem {
        id: event.id.to_string(),
        module: event.module,
        event_types: vec![event.event_type],
        record_id: event.record_id.clone(),
        record_label: event.module.record_label(&event.record),
        occurred_at: format_ms(event.occurred_at, &member.sub_account().time_zone),
        cause: match &event.cause {
            Cause::Person { user_id } => {
                labels.get(user_id.as_str()).cloned().unwrap_or_else(|| "A former user".to_owned())
            }
            Cause::Form { user_id, .. } => {
                let who = user_id.as_ref().and_then(|id| labels.get(id.as_str())).map_or("A form", String::as_str);
                format!("{who}, by a form's writeback")
            }
            Cause::Api { key_id } => match key_id.as_ref().and_then(|id| labels.get(&format!("apiKey:{id}"))) {
                Some(name) => format!("API key “{name}”"),
                None => "API".to_owned(),
            },
            Cause::HighLevel { .. } => "HighLevel".to_owned(),
            Cause::Workflow(trace) => {
                format!("Workflow run {} (depth {})", trace.run_id.chars().take(8).collect::<String>(), trace.depth)
            }
            Cause::Schedule { .. } => "Scheduler".to_owned(),
            Cause::Demo => "Demo data".to_owned(),
        },
        changes,
    }
}
