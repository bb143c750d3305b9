-- Webhook fairness (issue 21). Who made an endpoint: the user, and the key they used (none from
-- the operator's command line). Kept as text, not foreign keys: the record outlives the key.
ALTER TABLE webhook_endpoints ADD COLUMN created_by_user TEXT;
ALTER TABLE webhook_endpoints ADD COLUMN created_by_key TEXT;
-- The circuit breaker: failed attempts in a row, and until when the endpoint is left alone.
ALTER TABLE webhook_endpoints ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhook_endpoints ADD COLUMN circuit_open_until TIMESTAMP;
-- Manual operations (test, retry, recover) counted per endpoint in one-minute windows.
ALTER TABLE webhook_endpoints ADD COLUMN manual_window_start TIMESTAMP;
ALTER TABLE webhook_endpoints ADD COLUMN manual_count INTEGER NOT NULL DEFAULT 0;

-- Outbound attempts claimed per data space in one-minute windows, shared by every worker.
CREATE TABLE webhook_send_windows (
    company_id   TEXT PRIMARY KEY REFERENCES companies (id) ON DELETE CASCADE,
    window_start TIMESTAMP NOT NULL,
    sent         INTEGER NOT NULL
);

-- The retention sweep: finished deliveries and attempts by age, events without deliveries.
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (updated_at) WHERE status <> 'pending';
CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (event_id);
CREATE INDEX webhook_attempts_by_age ON webhook_attempts (attempted_at);
CREATE INDEX events_by_age ON events (created_at);
