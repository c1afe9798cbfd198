-- Webhooks answered 429 (OpsFlow busy): HighLevel sends each again about ten minutes later, by
-- when its timestamp is outside the freshness window. A redelivery of an id recorded here is
-- accepted however old its timestamp (see server/src/highlevel/webhooks/mod.rs).
CREATE TABLE hl_deferred_webhooks (
    dedupe_key TEXT PRIMARY KEY,
    deferred_at BIGINT NOT NULL
);
