-- Commuting from an estimate (issue 22): each record an estimate implies keeps the estimate's
-- inputs (a JSON document of the store's own versioned format, crates/store/src/activities/estimate.rs),
-- so a reader can see how the figure was made. NULL for records made one by one or imported.
ALTER TABLE activities ADD COLUMN estimate TEXT;
