-- The sweep of files without a bill asks, for batches of stored file keys, which ones a bill
-- holds: an index makes each batch a few lookups instead of a scan of every bill.
CREATE INDEX bills_blob_key ON bills (blob_key);
