-- A hand-off code is bound to the browser that signed in: the tab it opens must also show a
-- verifier, which only the signing-in frame holds and hands over by message. Codes issued
-- before this have no verifier and are dropped (they live two minutes).
DELETE FROM sso_handoffs;
ALTER TABLE sso_handoffs ADD COLUMN verifier_hash TEXT NOT NULL DEFAULT '';
