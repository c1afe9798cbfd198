-- Failed password sign-ins, per account (`account:<email>`) and per client address
-- (`address:<ip>`): past a few, each further try waits longer (see server/src/auth/throttle.rs).
-- A row whose last failure is old enough starts over.
CREATE TABLE sign_in_failures (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL,
    blocked_until INTEGER NOT NULL
);
