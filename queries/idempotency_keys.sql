-- IdempotencyKeyClaim returns a row only to the first request with this key.
-- name: IdempotencyKeyClaim :one
INSERT INTO idempotency_keys (principal_id, key, request_hash)
VALUES ($1, $2, $3)
ON CONFLICT (principal_id, key) DO NOTHING
RETURNING principal_id;

-- name: IdempotencyKeyGet :one
SELECT * FROM idempotency_keys WHERE principal_id = $1 AND key = $2;

-- IdempotencyKeyTakeOver lets a retry take a key whose first request died before answering.
-- name: IdempotencyKeyTakeOver :one
UPDATE idempotency_keys SET locked_at = now()
WHERE principal_id = $1 AND key = $2 AND status_code IS NULL AND locked_at < @stale_before
RETURNING principal_id;

-- name: IdempotencyKeyComplete :exec
UPDATE idempotency_keys SET status_code = $3, response_body = $4
WHERE principal_id = $1 AND key = $2;

-- IdempotencyKeyRelease forgets a key whose request failed in a way worth retrying (5xx).
-- name: IdempotencyKeyRelease :exec
DELETE FROM idempotency_keys WHERE principal_id = $1 AND key = $2 AND status_code IS NULL;
