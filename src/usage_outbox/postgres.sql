-- The flowglad usage outbox (flowglad-rs `UsageOutbox`, feature `outbox-postgres`).
-- Run it as a migration of your own (e.g. copy it into `migrations/` for `sqlx migrate`),
-- or call `flowglad::usage_outbox::postgres::create_schema(&pool)`. Idempotent.

-- Events recorded and not yet acknowledged by Flowglad. `id` orders them (oldest first);
-- `payload` is the event as JSON (`CreateUsageEventParams`), `transaction_id` its
-- idempotency key. Relays take rows with `SELECT ... FOR UPDATE SKIP LOCKED` and delete
-- them once Flowglad acknowledged them.
CREATE TABLE IF NOT EXISTS flowglad_usage_outbox (
    id             BIGSERIAL   PRIMARY KEY,
    transaction_id TEXT        NOT NULL,
    payload        TEXT        NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Events Flowglad refused for good, with its answer.
CREATE TABLE IF NOT EXISTS flowglad_usage_dead_letter (
    id             BIGSERIAL   PRIMARY KEY,
    outbox_id      BIGINT      NOT NULL,
    transaction_id TEXT        NOT NULL,
    payload        TEXT        NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL,
    failed_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    status         INTEGER,
    error          TEXT        NOT NULL
);
