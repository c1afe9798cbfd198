-- The calls each sub-account's API keys made in a clock minute, every instance's added up
-- (issue 28): the API's rate limit is per sub-account and holds across instances. Each instance
-- adds what it counted every second (`db::minute_counts`); the purge deletes past minutes.
CREATE TABLE api_minutes (
    sub_account_id TEXT NOT NULL,
    minute INTEGER NOT NULL,
    calls INTEGER NOT NULL,
    PRIMARY KEY (sub_account_id, minute)
);
