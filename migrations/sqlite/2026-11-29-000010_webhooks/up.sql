-- Webhooks. An endpoint belongs to one data space (a company or its sandbox twin) and holds its
-- signing secrets: the current one and, for 24 hours after a rotation, the one it replaced.
CREATE TABLE webhook_endpoints (
    id                         TEXT PRIMARY KEY,
    company_id                 TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    url                        TEXT NOT NULL,
    description                TEXT NOT NULL,
    -- The subscribed event names, sorted, comma-separated.
    events                     TEXT NOT NULL,
    enabled                    BOOLEAN NOT NULL,
    disabled_reason            TEXT,
    -- Since when every attempt has failed; cleared by a success.
    failing_since              TIMESTAMP,
    secret                     TEXT NOT NULL,
    previous_secret            TEXT,
    previous_secret_expires_at TIMESTAMP,
    created_at                 TIMESTAMP NOT NULL,
    updated_at                 TIMESTAMP NOT NULL
);
CREATE INDEX webhook_endpoints_by_company ON webhook_endpoints (company_id, created_at, id);

-- One event on its way to one endpoint, written in the transaction of the event (the outbox's
-- fan-out). A worker claims a pending, due delivery by setting a lease; the lease ends with the
-- attempt's record, or runs out (the worker died) and the delivery is claimed again.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    company_id      TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    -- Attempts in the current run of the schedule (a retry by hand starts a new run).
    attempts        INTEGER NOT NULL,
    -- Attempts ever made: the number of the last attempt row.
    attempts_total  INTEGER NOT NULL,
    next_attempt_at TIMESTAMP,
    lease           TEXT,
    leased_until    TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (endpoint_id, event_id),
    CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, created_at, id);

CREATE TABLE webhook_attempts (
    delivery_id  TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    number       INTEGER NOT NULL,
    company_id   TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    attempted_at TIMESTAMP NOT NULL,
    status_code  INTEGER,
    latency_ms   INTEGER NOT NULL,
    error        TEXT,
    excerpt      TEXT NOT NULL,
    PRIMARY KEY (delivery_id, number)
);
