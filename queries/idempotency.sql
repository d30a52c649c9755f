-- IdempotencyKeyClaim returns a row only to the first request with this key.
-- name: IdempotencyKeyClaim :one
INSERT INTO idempotency_keys (customer_id, key, request_hash)
VALUES ($1, $2, $3)
ON CONFLICT (customer_id, key) DO NOTHING
RETURNING customer_id;

-- name: IdempotencyKeyGet :one
SELECT * FROM idempotency_keys WHERE customer_id = $1 AND key = $2;

-- IdempotencyKeyTakeOver lets a retry take a key whose first request died before answering.
-- name: IdempotencyKeyTakeOver :one
UPDATE idempotency_keys SET locked_at = now()
WHERE customer_id = $1 AND key = $2 AND status_code IS NULL AND locked_at < @stale_before
RETURNING customer_id;

-- name: IdempotencyKeyComplete :exec
UPDATE idempotency_keys SET status_code = $3, response_body = $4
WHERE customer_id = $1 AND key = $2;

-- IdempotencyKeyRelease forgets a key whose request failed in a way worth retrying (5xx).
-- name: IdempotencyKeyRelease :exec
DELETE FROM idempotency_keys WHERE customer_id = $1 AND key = $2 AND status_code IS NULL;
