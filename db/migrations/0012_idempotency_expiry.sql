-- Idempotency keys expire 24 hours after their first request: a retry that
-- late is a new request, and an hourly Temporal Schedule (workflow
-- ExpireIdempotencyKeys) deletes expired keys, oldest first, through this
-- index.
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
