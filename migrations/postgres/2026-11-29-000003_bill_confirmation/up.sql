-- A confirmed bill's activity data and calculation, and its emissions split by reporting period
-- and scope for aggregation. Decimal quantities are kept as exact text; amounts as integer
-- micrograms of CO2e (exact sums in SQL, rounded to tCO2e only at the API edge).

ALTER TABLE bills ADD COLUMN consumption TEXT;
ALTER TABLE bills ADD COLUMN unit TEXT;
ALTER TABLE bills ADD COLUMN period_start DATE;
ALTER TABLE bills ADD COLUMN period_end DATE;
ALTER TABLE bills ADD COLUMN meter_point TEXT;
ALTER TABLE bills ADD COLUMN supplier TEXT;
ALTER TABLE bills ADD COLUMN calorific_value TEXT;
ALTER TABLE bills ADD COLUMN volume_correction TEXT;
ALTER TABLE bills ADD COLUMN sewerage_volume TEXT;
ALTER TABLE bills ADD COLUMN allow_overlap BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE bills ADD COLUMN confirmed_at TIMESTAMP;
-- The calculation record (JSON): every part, factor set, factor and quantity.
ALTER TABLE bills ADD COLUMN calculation TEXT;

-- Double-counting checks look up confirmed bills by meter point, or by site and type.
CREATE INDEX bills_confirmed_by_meter ON bills (company_id, meter_point) WHERE status = 'confirmed';
CREATE INDEX bills_confirmed_by_site_type ON bills (site_id, bill_type) WHERE status = 'confirmed';

CREATE TABLE bill_emissions (
    bill_id          TEXT NOT NULL REFERENCES bills (id) ON DELETE CASCADE,
    company_id       TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    site_id          TEXT NOT NULL,
    session_id       TEXT NOT NULL,
    reporting_period TEXT NOT NULL,
    bill_type        TEXT NOT NULL,
    scope            INTEGER NOT NULL CHECK (scope BETWEEN 1 AND 3),
    micrograms       BIGINT NOT NULL,
    PRIMARY KEY (bill_id, reporting_period, scope)
);
CREATE INDEX bill_emissions_by_period ON bill_emissions (company_id, reporting_period, site_id);
