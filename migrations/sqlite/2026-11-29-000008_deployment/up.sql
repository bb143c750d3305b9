-- The identity of this database, written once. The blob store records which database it belongs
-- to, so that the sweep of files without a bill never runs against another database's files
-- (two deployments pointed at one blob folder or bucket).
CREATE TABLE deployment (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    id TEXT NOT NULL
);
INSERT INTO deployment (singleton, id) VALUES (1, 'dep_' || lower(hex(randomblob(16))));
