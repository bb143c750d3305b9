-- Companies (each live company has one sandbox twin), sites, users, memberships and API keys.
-- Portable types only (TEXT ids, INTEGER, BOOLEAN, TIMESTAMP in UTC), so the SQLite twin of this
-- file is the same schema.

CREATE TABLE companies (
    id                         TEXT PRIMARY KEY,
    -- Set on a sandbox twin: the live company whose test keys act on this row's data.
    sandbox_of                 TEXT UNIQUE REFERENCES companies (id) ON DELETE CASCADE,
    name                       TEXT NOT NULL,
    sector                     TEXT NOT NULL,
    city                       TEXT NOT NULL,
    employee_count             INTEGER NOT NULL CHECK (employee_count >= 0),
    plan                       TEXT NOT NULL CHECK (plan IN ('starter', 'business', 'partner')),
    passport_slug              TEXT NOT NULL,
    passport_activated         BOOLEAN NOT NULL DEFAULT FALSE,
    reporting_year_start_month INTEGER NOT NULL DEFAULT 4 CHECK (reporting_year_start_month BETWEEN 1 AND 12),
    -- Bumped (by the triggers below) in the same transaction as any change to the company's data,
    -- so every server process can tell whether what it holds in memory is still current.
    revision                   BIGINT NOT NULL DEFAULT 0,
    created_at                 TIMESTAMP NOT NULL
);
-- A slug names one live company; twins repeat their live company's slug.
CREATE UNIQUE INDEX companies_live_passport_slug ON companies (passport_slug) WHERE sandbox_of IS NULL;

CREATE TABLE sites (
    id             TEXT PRIMARY KEY,
    company_id     TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    city           TEXT NOT NULL,
    employee_count INTEGER NOT NULL CHECK (employee_count >= 0),
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX sites_by_company ON sites (company_id, created_at, id);

-- Data revisions: a change to a company's own row, or to a row it owns, bumps its revision.
-- (SQLite does not fire a trigger from its own UPDATE of `revision`: recursive triggers are off,
-- and the column list below leaves `revision` out.)
CREATE TRIGGER companies_revision AFTER UPDATE OF
    sandbox_of, name, sector, city, employee_count, plan, passport_slug, passport_activated, reporting_year_start_month
    ON companies
BEGIN
    UPDATE companies SET revision = revision + 1 WHERE id = NEW.id;
END;
CREATE TRIGGER sites_revision_insert AFTER INSERT ON sites
BEGIN
    UPDATE companies SET revision = revision + 1 WHERE id = NEW.company_id;
END;
CREATE TRIGGER sites_revision_update AFTER UPDATE ON sites
BEGIN
    UPDATE companies SET revision = revision + 1 WHERE id IN (NEW.company_id, OLD.company_id);
END;
CREATE TRIGGER sites_revision_delete AFTER DELETE ON sites
BEGIN
    UPDATE companies SET revision = revision + 1 WHERE id = OLD.company_id;
END;

CREATE TABLE users (
    id         TEXT PRIMARY KEY,
    email      TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE company_memberships (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    company_id TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('owner', 'member', 'consultant')),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, company_id)
);
CREATE INDEX company_memberships_by_company ON company_memberships (company_id);

CREATE TABLE api_keys (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The data space the key acts on: the live company, or its sandbox twin for test keys.
    company_id     TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    mode           TEXT NOT NULL CHECK (mode IN ('live', 'test')),
    -- Lowercase hex SHA-256 of the whole key; the key itself is never stored.
    key_hash       TEXT NOT NULL UNIQUE,
    display_prefix TEXT NOT NULL,
    name           TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    last_used_at   TIMESTAMP,
    revoked_at     TIMESTAMP
);
CREATE INDEX api_keys_by_user ON api_keys (user_id, created_at);
