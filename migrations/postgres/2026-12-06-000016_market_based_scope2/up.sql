-- Market-based scope 2 (issue 22), reported beside the location-based figure, never instead.
-- An electricity bill or heat record bought under a contractual instrument (a supplier-specific
-- factor, or a REGO-backed tariff) keeps, per reporting period, its location-based scope 2 and
-- its market-based scope 2; reports work the market-based figure out as the location-based total
-- less the instrumented records' location-based part plus their market-based part. Records with
-- no instrument need no row (their market-based figure is their location-based one), so nothing
-- before this migration needs one. The instrument itself is kept in the record's calculation.
-- Written in the transaction of each confirmation, record and void; what an older release voids
-- during a rollout is taken out by the reconciliation every start runs
-- (crates/store/src/market.rs).
CREATE TABLE scope2_instruments (
    -- A bill's id (bill_…) or an activity record's (act_…).
    record_id           TEXT NOT NULL,
    company_id          TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    reporting_period    TEXT NOT NULL,
    -- '' for an activity record of no site, as in activity_totals.
    site_id             TEXT NOT NULL,
    instrument          TEXT NOT NULL CHECK (instrument IN ('supplier_specific', 'rego')),
    location_micrograms BIGINT NOT NULL CHECK (location_micrograms >= 0),
    market_micrograms   BIGINT NOT NULL CHECK (market_micrograms >= 0),
    PRIMARY KEY (record_id, reporting_period)
);

-- The maintained sums reports read: per period, site and instrument, the instrumented records'
-- location-based (basis 'location') and market-based (basis 'market') scope 2, held as
-- kilograms × 10^9 + micrograms as in emission_totals.
CREATE TABLE scope2_instrument_totals (
    company_id       TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    reporting_period TEXT NOT NULL,
    site_id          TEXT NOT NULL,
    instrument       TEXT NOT NULL CHECK (instrument IN ('supplier_specific', 'rego')),
    basis            TEXT NOT NULL CHECK (basis IN ('location', 'market')),
    kilograms        BIGINT NOT NULL,
    micrograms       BIGINT NOT NULL,
    contributions    BIGINT NOT NULL,
    PRIMARY KEY (company_id, reporting_period, site_id, instrument, basis)
);
