-- Data integrity (issue 7).
--
-- Bills can be corrected: `rejected` (from uploaded) and `voided` (from confirmed), each with the
-- reason and the time. A voided or rejected bill's file may be uploaded again.
ALTER TABLE bills DROP CONSTRAINT bills_status_check;
ALTER TABLE bills ADD CONSTRAINT bills_status_check
    CHECK (status IN ('uploaded', 'confirmed', 'rejected', 'voided'));
ALTER TABLE bills ADD COLUMN status_reason TEXT;
ALTER TABLE bills ADD COLUMN status_changed_at TIMESTAMP;
DROP INDEX bills_one_file_per_site;
CREATE UNIQUE INDEX bills_one_file_per_site ON bills (site_id, sha256) WHERE status IN ('uploaded', 'confirmed');

-- Maintained totals that cannot overflow: the amount is kilograms × 10^9 + micrograms µg CO2e,
-- each contribution split the same way (kilograms = µg div 10^9, micrograms = µg mod 10^9), so
-- each column grows by at most about 1.3 × 10^9 per confirmed bill part and no BIGINT sum can
-- overflow before billions of bills. `contributions` counts the bill parts in the row, so a row
-- emptied by voids is removed rather than left as a period "with data".
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

-- Idempotency claims are leases: a claim whose request died stops blocking retries once
-- `lease_until` has passed, and only the holder of `claim_token` may complete it.
ALTER TABLE idempotency_keys ADD COLUMN claim_token TEXT;
ALTER TABLE idempotency_keys ADD COLUMN lease_until TIMESTAMP;
