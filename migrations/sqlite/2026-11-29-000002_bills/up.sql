-- Footprint sessions, uploaded bills, and the outbox of events (written in the same transaction
-- as the change they report; delivered by a later worker).

CREATE TABLE sessions (
    id               TEXT PRIMARY KEY,
    company_id       TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    site_id          TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    reporting_period TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('in_progress', 'completed')),
    created_at       TIMESTAMP NOT NULL,
    completed_at     TIMESTAMP
);
-- A site has at most one session in progress.
CREATE UNIQUE INDEX sessions_one_in_progress_per_site ON sessions (site_id) WHERE status = 'in_progress';
CREATE INDEX sessions_by_company ON sessions (company_id, created_at, id);

CREATE TABLE bills (
    id           TEXT PRIMARY KEY,
    company_id   TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    site_id      TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    session_id   TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    bill_type    TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('uploaded', 'confirmed', 'rejected')),
    blob_key     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL CHECK (size_bytes > 0),
    -- Lowercase hex SHA-256 of the file: the same file twice for one site is refused.
    sha256       TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX bills_one_file_per_site ON bills (site_id, sha256);
CREATE INDEX bills_by_company ON bills (company_id, created_at, id);

CREATE TABLE events (
    id         TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    event_type TEXT NOT NULL,
    -- The event's `data`, as JSON text.
    data       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX events_in_order ON events (created_at, id);

CREATE TRIGGER sessions_revision_insert AFTER INSERT ON sessions
BEGIN
    UPDATE companies SET revision = revision + 1 WHERE id = NEW.company_id;
END;
CREATE TRIGGER sessions_revision_update AFTER UPDATE ON sessions
BEGIN
    UPDATE companies SET revision = revision + 1 WHERE id IN (NEW.company_id, OLD.company_id);
END;
CREATE TRIGGER sessions_revision_delete AFTER DELETE ON sessions
BEGIN
    UPDATE companies SET revision = revision + 1 WHERE id = OLD.company_id;
END;
CREATE TRIGGER bills_revision_insert AFTER INSERT ON bills
BEGIN
    UPDATE companies SET revision = revision + 1 WHERE id = NEW.company_id;
END;
CREATE TRIGGER bills_revision_update AFTER UPDATE ON bills
BEGIN
    UPDATE companies SET revision = revision + 1 WHERE id IN (NEW.company_id, OLD.company_id);
END;
CREATE TRIGGER bills_revision_delete AFTER DELETE ON bills
BEGIN
    UPDATE companies SET revision = revision + 1 WHERE id = OLD.company_id;
END;
