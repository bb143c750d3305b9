-- Rolled keys keep working until their grace period ends.
ALTER TABLE api_keys ADD COLUMN expires_at TIMESTAMP;
