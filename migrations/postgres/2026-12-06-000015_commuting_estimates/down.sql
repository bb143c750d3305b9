ALTER TABLE activities DROP COLUMN estimate;
