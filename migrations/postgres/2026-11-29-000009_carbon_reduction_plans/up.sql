-- Carbon Reduction Plans. A company's CRP inputs are one JSON document, replaced whole. A plan
-- freezes everything it used (its content, JSON) when it is generated; only its status and
-- publication time change afterwards.
CREATE TABLE crp_inputs (
    company_id TEXT PRIMARY KEY REFERENCES companies (id) ON DELETE CASCADE,
    document   TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE crp_plans (
    id           TEXT PRIMARY KEY,
    company_id   TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'published', 'superseded')),
    fy_year      INTEGER NOT NULL,
    target_year  INTEGER NOT NULL,
    generated_at TIMESTAMP NOT NULL,
    published_at TIMESTAMP,
    content      TEXT NOT NULL,
    -- The sections present (comma-separated names), judged from the content when it was
    -- written, so that a list of plans never reads their content.
    sections     TEXT NOT NULL
);
-- Listing, newest first.
CREATE INDEX crp_plans_by_company ON crp_plans (company_id, generated_at, id);
-- At most one published plan per company, whatever races.
CREATE UNIQUE INDEX crp_plans_one_published ON crp_plans (company_id) WHERE status = 'published';
