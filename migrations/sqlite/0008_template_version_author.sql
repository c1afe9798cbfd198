-- Who saved each template version, so an edit that lost the race can say who saved first
-- (or that it was the same person, in another tab). Versions saved before this are anonymous.
ALTER TABLE template_versions ADD COLUMN saved_by TEXT REFERENCES users(id);
