DROP INDEX bills_blob_key;
