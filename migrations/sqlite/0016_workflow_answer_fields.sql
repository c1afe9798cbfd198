-- The answers a version was checked against, as the sub-account's templates asked for them then
-- (`model::form_event::AnswerField`): a workflow on `form_submitted` compares each answer as its
-- field's kind, and a template changed later does not change what a saved filter means. Kept
-- beside `custom_fields`, which pins the custom fields the same way.
ALTER TABLE workflow_versions ADD COLUMN answer_fields TEXT NOT NULL DEFAULT '[]';
