-- Activities beyond bills (issue 22): each record with its checked input and calculation, the
-- amounts it puts in each reporting period, scope and scope 3 category, and the maintained
-- totals reports read (one row per company, period, site, family, scope and category, changed
-- in the transaction of each record or void).
CREATE TABLE activities (
    id                TEXT PRIMARY KEY,
    company_id        TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    activity_type     TEXT NOT NULL,
    family            TEXT NOT NULL,
    -- Exact decimal text, as for bills.
    quantity          TEXT NOT NULL,
    unit              TEXT NOT NULL,
    period_start      DATE NOT NULL,
    period_end        DATE NOT NULL,
    -- No foreign key: a record names the site it was for even if the site goes (the tenant's
    -- sites are checked when it is recorded).
    site_id           TEXT,
    direction         TEXT CHECK (direction IN ('upstream', 'downstream')),
    radiative_forcing BOOLEAN,
    reference         TEXT,
    note              TEXT,
    status            TEXT NOT NULL CHECK (status IN ('recorded', 'voided')),
    -- The calculation record (JSON), as for bills.
    calculation       TEXT NOT NULL,
    recorded_at       TIMESTAMP NOT NULL,
    void_reason       TEXT,
    voided_at         TIMESTAMP
);
CREATE INDEX activities_by_company ON activities (company_id, recorded_at, id);

CREATE TABLE activity_emissions (
    activity_id      TEXT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    company_id       TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    reporting_period TEXT NOT NULL,
    scope            INTEGER NOT NULL CHECK (scope BETWEEN 1 AND 3),
    -- 0 for scopes 1 and 2.
    category         INTEGER NOT NULL CHECK (category BETWEEN 0 AND 15),
    micrograms       BIGINT NOT NULL CHECK (micrograms >= 0),
    PRIMARY KEY (activity_id, reporting_period, scope, category)
);
-- The list's filters by period and category.
CREATE INDEX activity_emissions_by_period ON activity_emissions (company_id, reporting_period, activity_id);
CREATE INDEX activity_emissions_by_category ON activity_emissions (company_id, category, activity_id);

-- Amounts held as kilograms × 10^9 + micrograms, as in emission_totals.
CREATE TABLE activity_totals (
    company_id       TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    reporting_period TEXT NOT NULL,
    -- '' for records of no site.
    site_id          TEXT NOT NULL,
    family           TEXT NOT NULL,
    scope            INTEGER NOT NULL CHECK (scope BETWEEN 1 AND 3),
    category         INTEGER NOT NULL CHECK (category BETWEEN 0 AND 15),
    kilograms        BIGINT NOT NULL,
    micrograms       BIGINT NOT NULL,
    contributions    BIGINT NOT NULL,
    PRIMARY KEY (company_id, reporting_period, site_id, family, scope, category)
);

CREATE TRIGGER activities_revision AFTER INSERT OR UPDATE OR DELETE ON activities
    FOR EACH ROW EXECUTE FUNCTION bump_company_revision();
