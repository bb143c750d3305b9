ALTER TABLE idempotency_keys DROP COLUMN lease_until;
ALTER TABLE idempotency_keys DROP COLUMN claim_token;
DROP TABLE emission_totals;
CREATE TABLE emission_totals (
    company_id       TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    reporting_period TEXT NOT NULL,
    site_id          TEXT NOT NULL,
    session_id       TEXT NOT NULL,
    bill_type        TEXT NOT NULL,
    scope            INTEGER NOT NULL CHECK (scope BETWEEN 1 AND 3),
    micrograms       BIGINT NOT NULL,
    PRIMARY KEY (company_id, reporting_period, site_id, session_id, bill_type, scope)
);
INSERT INTO emission_totals (company_id, reporting_period, site_id, session_id, bill_type, scope, micrograms)
SELECT company_id, reporting_period, site_id, session_id, bill_type, scope, CAST(SUM(micrograms) AS BIGINT)
FROM bill_emissions
GROUP BY company_id, reporting_period, site_id, session_id, bill_type, scope;
DROP INDEX bills_one_file_per_site;
CREATE UNIQUE INDEX bills_one_file_per_site ON bills (site_id, sha256);
ALTER TABLE bills DROP COLUMN status_changed_at;
ALTER TABLE bills DROP COLUMN status_reason;
ALTER TABLE bills DROP CONSTRAINT bills_status_check;
ALTER TABLE bills ADD CONSTRAINT bills_status_check CHECK (status IN ('uploaded', 'confirmed', 'rejected'));
