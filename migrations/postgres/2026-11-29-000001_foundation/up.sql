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
CREATE FUNCTION bump_own_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.revision = OLD.revision THEN
        NEW.revision := OLD.revision + 1;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER companies_revision BEFORE UPDATE ON companies
    FOR EACH ROW EXECUTE FUNCTION bump_own_revision();

CREATE FUNCTION bump_company_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        UPDATE companies SET revision = revision + 1 WHERE id = NEW.company_id;
    END IF;
    IF TG_OP <> 'INSERT' AND (TG_OP = 'DELETE' OR OLD.company_id <> NEW.company_id) THEN
        UPDATE companies SET revision = revision + 1 WHERE id = OLD.company_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER sites_revision AFTER INSERT OR UPDATE OR DELETE ON sites
    FOR EACH ROW EXECUTE FUNCTION bump_company_revision();

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
