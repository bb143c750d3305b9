-- A plan's PDF, rendered once per status it is shown in (draft, published, superseded) and
-- kept in the blob store: this row says which blob, and its SHA-256 (the response's ETag).
-- Deleting the plan deletes these rows; the caller deletes the blobs (and the sweep of files
-- nobody refers to catches any it could not).
CREATE TABLE crp_plan_pdfs (
    plan_id    TEXT NOT NULL REFERENCES crp_plans (id) ON DELETE CASCADE,
    status     TEXT NOT NULL CHECK (status IN ('draft', 'published', 'superseded')),
    company_id TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    blob_key   TEXT NOT NULL UNIQUE,
    sha256     TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (plan_id, status)
);
CREATE INDEX crp_plan_pdfs_by_company ON crp_plan_pdfs (company_id);
