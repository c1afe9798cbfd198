-- The last copy of each HighLevel record OpsFlow saw. HighLevel's webhooks carry no previous
-- values, so a change is computed against this (`record` NULL: seen for the first time now).
CREATE TABLE hl_snapshots (
    sub_account_id TEXT NOT NULL REFERENCES sub_accounts(id),
    module TEXT NOT NULL,
    record_id TEXT NOT NULL,
    record TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (sub_account_id, module, record_id)
);
