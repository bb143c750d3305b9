-- Data integrity (issue 7). The same changes as the PostgreSQL migration of this name; SQLite
-- cannot alter a CHECK constraint, so `bills` is rebuilt (with `bill_emissions`, whose foreign
-- key would otherwise cascade the old table's drop into it).
--
-- Bills can be corrected: `rejected` (from uploaded) and `voided` (from confirmed), each with the
-- reason and the time. A voided or rejected bill's file may be uploaded again.
CREATE TABLE bills_new (
    id                TEXT PRIMARY KEY,
    company_id        TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    site_id           TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    session_id        TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    bill_type         TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('uploaded', 'confirmed', 'rejected', 'voided')),
    blob_key          TEXT NOT NULL,
    content_type      TEXT NOT NULL,
    size_bytes        BIGINT NOT NULL CHECK (size_bytes > 0),
    sha256            TEXT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    consumption       TEXT,
    unit              TEXT,
    period_start      DATE,
    period_end        DATE,
    meter_point       TEXT,
    supplier          TEXT,
    calorific_value   TEXT,
    volume_correction TEXT,
    sewerage_volume   TEXT,
    allow_overlap     BOOLEAN NOT NULL DEFAULT FALSE,
    confirmed_at      TIMESTAMP,
    calculation       TEXT,
    status_reason     TEXT,
    status_changed_at TIMESTAMP
);
INSERT INTO bills_new (id, company_id, site_id, session_id, bill_type, status, blob_key, content_type,
    size_bytes, sha256, created_at, consumption, unit, period_start, period_end, meter_point, supplier,
    calorific_value, volume_correction, sewerage_volume, allow_overlap, confirmed_at, calculation)
SELECT id, company_id, site_id, session_id, bill_type, status, blob_key, content_type,
    size_bytes, sha256, created_at, consumption, unit, period_start, period_end, meter_point, supplier,
    calorific_value, volume_correction, sewerage_volume, allow_overlap, confirmed_at, calculation
FROM bills;

CREATE TABLE bill_emissions_new (
    bill_id          TEXT NOT NULL REFERENCES bills_new (id) ON DELETE CASCADE,
    company_id       TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    site_id          TEXT NOT NULL,
    session_id       TEXT NOT NULL,
    reporting_period TEXT NOT NULL,
    bill_type        TEXT NOT NULL,
    scope            INTEGER NOT NULL CHECK (scope BETWEEN 1 AND 3),
    micrograms       BIGINT NOT NULL,
    PRIMARY KEY (bill_id, reporting_period, scope)
);
INSERT INTO bill_emissions_new SELECT * FROM bill_emissions;

DROP TABLE bill_emissions;
DROP TABLE bills;
-- Renaming also points bill_emissions_new's foreign key at the new name.
ALTER TABLE bills_new RENAME TO bills;
ALTER TABLE bill_emissions_new RENAME TO bill_emissions;

CREATE UNIQUE INDEX bills_one_file_per_site ON bills (site_id, sha256) WHERE status IN ('uploaded', 'confirmed');
CREATE INDEX bills_by_company ON bills (company_id, created_at, id);
CREATE INDEX bills_confirmed_by_meter ON bills (company_id, meter_point) WHERE status = 'confirmed';
CREATE INDEX bills_confirmed_by_site_type ON bills (site_id, bill_type) WHERE status = 'confirmed';
CREATE INDEX bill_emissions_by_period ON bill_emissions (company_id, reporting_period, site_id);

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

-- Maintained totals that cannot overflow: the amount is kilograms × 10^9 + micrograms µg CO2e
-- (see the PostgreSQL migration of this name); `contributions` counts the bill parts in the row.
DROP TABLE emission_totals;
CREATE TABLE emission_totals (
    company_id       TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    reporting_period TEXT NOT NULL,
    site_id          TEXT NOT NULL,
    session_id       TEXT NOT NULL,
    bill_type        TEXT NOT NULL,
    scope            INTEGER NOT NULL CHECK (scope BETWEEN 1 AND 3),
    kilograms        BIGINT NOT NULL,
    micrograms       BIGINT NOT NULL,
    contributions    BIGINT NOT NULL,
    PRIMARY KEY (company_id, reporting_period, site_id, session_id, bill_type, scope)
);
INSERT INTO emission_totals
    (company_id, reporting_period, site_id, session_id, bill_type, scope, kilograms, micrograms, contributions)
SELECT company_id, reporting_period, site_id, session_id, bill_type, scope,
       SUM(micrograms / 1000000000), SUM(micrograms % 1000000000), COUNT(*)
FROM bill_emissions
GROUP BY company_id, reporting_period, site_id, session_id, bill_type, scope;

-- Idempotency claims are leases (see the PostgreSQL migration of this name).
ALTER TABLE idempotency_keys ADD COLUMN claim_token TEXT;
ALTER TABLE idempotency_keys ADD COLUMN lease_until TIMESTAMP;
