-- A trigger is one (event, template) pair per sub-account: a second identical trigger would put
-- two identical forms in the inbox for every event. Duplicates added before this rule keep the
-- first one added (the forms they created keep their own copy of its writebacks); the others
-- are kept in `triggers_removed_0007`, writebacks and all, for an admin to redo by hand.
CREATE TABLE triggers_removed_0007 AS
SELECT * FROM triggers
WHERE EXISTS (
    SELECT 1 FROM triggers AS earlier
    WHERE earlier.sub_account_id = triggers.sub_account_id
      AND earlier.template_id = triggers.template_id
      AND earlier.event_type = triggers.event_type
      AND COALESCE(earlier.pipeline_id, '') = COALESCE(triggers.pipeline_id, '')
      AND COALESCE(earlier.stage_id, '') = COALESCE(triggers.stage_id, '')
      AND (earlier.created_at < triggers.created_at
           OR (earlier.created_at = triggers.created_at AND earlier.id < triggers.id))
);

DELETE FROM triggers
WHERE EXISTS (
    SELECT 1 FROM triggers AS earlier
    WHERE earlier.sub_account_id = triggers.sub_account_id
      AND earlier.template_id = triggers.template_id
      AND earlier.event_type = triggers.event_type
      AND COALESCE(earlier.pipeline_id, '') = COALESCE(triggers.pipeline_id, '')
      AND COALESCE(earlier.stage_id, '') = COALESCE(triggers.stage_id, '')
      AND (earlier.created_at < triggers.created_at
           OR (earlier.created_at = triggers.created_at AND earlier.id < triggers.id))
);

CREATE UNIQUE INDEX triggers_once
    ON triggers (sub_account_id, template_id, event_type, COALESCE(pipeline_id, ''), COALESCE(stage_id, ''));
