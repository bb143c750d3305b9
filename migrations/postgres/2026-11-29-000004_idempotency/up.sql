-- Idempotency keys: a retried POST with the same key gets the first response back (for 24 h).
-- A row without a response is a request still in progress under that key.
CREATE TABLE idempotency_keys (
    company_id      TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    fingerprint     TEXT,
    response_status INTEGER,
    response_body   TEXT,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (company_id, idempotency_key)
);
