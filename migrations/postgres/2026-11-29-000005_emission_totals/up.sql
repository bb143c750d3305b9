-- Maintained totals: per company, reporting period, site, session, bill type and scope, the sum
-- of the confirmed bills' amounts, kept in the same transaction as each confirmation. Reports
-- read these few rows instead of summing every bill (see docs/performance.md).
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
