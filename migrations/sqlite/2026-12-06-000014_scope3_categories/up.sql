-- Scope 3 of bills by GHG Protocol category (issue 22), for reports' `categories`: a water bill
-- puts supply in category 1 and treatment in category 5; every other bill's scope 3 (WTT and
-- transmission losses) is category 3. Each confirmed bill's amounts per period and category
-- (summing to its scope 3 row in bill_emissions), and the maintained totals reports read, kept in
-- the transaction of each confirmation and void. New tables beside the old ones, so the release
-- before this one keeps working during a rollout; what it confirms or voids meanwhile is put
-- right by the reconciliation every start runs (crates/store/src/bills/categories.rs), which also
-- splits the water bills confirmed before this migration (their stored calculations name each
-- line's category; SQL cannot split them exactly).
CREATE TABLE bill_categories (
    bill_id          TEXT NOT NULL REFERENCES bills (id) ON DELETE CASCADE,
    company_id       TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    reporting_period TEXT NOT NULL,
    category         INTEGER NOT NULL CHECK (category BETWEEN 1 AND 15),
    micrograms       BIGINT NOT NULL CHECK (micrograms >= 0),
    PRIMARY KEY (bill_id, reporting_period, category)
);

-- Amounts held as kilograms × 10^9 + micrograms, as in emission_totals.
CREATE TABLE bill_category_totals (
    company_id       TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    reporting_period TEXT NOT NULL,
    site_id          TEXT NOT NULL,
    bill_type        TEXT NOT NULL,
    category         INTEGER NOT NULL CHECK (category BETWEEN 1 AND 15),
    kilograms        BIGINT NOT NULL,
    micrograms       BIGINT NOT NULL,
    contributions    BIGINT NOT NULL,
    PRIMARY KEY (company_id, reporting_period, site_id, bill_type, category)
);

INSERT INTO bill_categories (bill_id, company_id, reporting_period, category, micrograms)
SELECT bill_id, company_id, reporting_period, 3, micrograms
FROM bill_emissions
WHERE scope = 3 AND bill_type <> 'water';

INSERT INTO bill_category_totals
    (company_id, reporting_period, site_id, bill_type, category, kilograms, micrograms, contributions)
SELECT company_id, reporting_period, site_id, bill_type, 3,
       SUM(micrograms / 1000000000), SUM(micrograms % 1000000000), COUNT(*)
FROM bill_emissions
WHERE scope = 3 AND bill_type <> 'water'
GROUP BY company_id, reporting_period, site_id, bill_type;
