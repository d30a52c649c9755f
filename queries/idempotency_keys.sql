-- IdempotencyKeyClaim returns a row only to the first request with this key,
-- or to the first after the key expired (created before @expired_before),
-- which then starts afresh.
-- name: IdempotencyKeyClaim :one
INSERT INTO idempotency_keys (principal_id, key, request_hash)
VALUES ($1, $2, $3)
ON CONFLICT (principal_id, key) DO UPDATE
SET request_hash = EXCLUDED.request_hash, status_code = NULL, response_body = NULL,
    locked_at = now(), created_at = now()
WHERE idempotency_keys.created_at < @expired_before
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

-- IdempotencyKeyDeleteExpired deletes at most @max_keys keys created before
-- @expired_before, oldest first.
-- name: IdempotencyKeyDeleteExpired :execrows
DELETE FROM idempotency_keys AS k
WHERE (k.principal_id, k.key) IN (
    SELECT e.principal_id, e.key FROM idempotency_keys AS e
    WHERE e.created_at < @expired_before
    ORDER BY e.created_at
    LIMIT @max_keys
);
