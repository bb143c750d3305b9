-- Not reversible on SQLite without rebuilding `bills` again; restore from a backup instead.
SELECT RAISE(ABORT, 'migration 2026-11-29-000006 cannot be reverted on SQLite');
