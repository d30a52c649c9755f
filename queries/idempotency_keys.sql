-- IdempotencyKeyClaim returns a row only to the first request with this key,
-- or to the first after the key expired (created before @expired_before),
-- which then starts afresh. The claim is @claim_id's, leased for @lease_seconds
-- seconds of the database's clock (IdempotencyKeyRenew extends it).
-- name: IdempotencyKeyClaim :one
INSERT INTO idempotency_keys (principal_id, key, request_hash, claim_id, locked_until)
VALUES (@principal_id, @key, @request_hash, @claim_id, now() + make_interval(secs => sqlc.arg(lease_seconds)::float8))
ON CONFLICT (principal_id, key) DO UPDATE
SET request_hash = EXCLUDED.request_hash, status_code = NULL, response_body = NULL,
    response_headers = '{}', interim = false, interim_ref = '',
    claim_id = EXCLUDED.claim_id, locked_until = EXCLUDED.locked_until, created_at = now()
WHERE idempotency_keys.created_at < @expired_before
RETURNING principal_id;

-- name: IdempotencyKeyGet :one
SELECT * FROM idempotency_keys WHERE principal_id = $1 AND key = $2;

-- IdempotencyKeyTakeOver lets a retry take a key whose first request stopped
-- renewing its lease (its process died) before answering.
-- name: IdempotencyKeyTakeOver :one
UPDATE idempotency_keys
SET claim_id = @claim_id, locked_until = now() + make_interval(secs => sqlc.arg(lease_seconds)::float8)
WHERE principal_id = @principal_id AND key = @key AND status_code IS NULL AND locked_until < now()
RETURNING principal_id;

-- IdempotencyKeyRenew extends the lease of a claim whose request still runs;
-- no row when the claim was lost (taken over after a lapse).
-- name: IdempotencyKeyRenew :execrows
UPDATE idempotency_keys SET locked_until = now() + make_interval(secs => sqlc.arg(lease_seconds)::float8)
WHERE principal_id = @principal_id AND key = @key AND claim_id = @claim_id AND status_code IS NULL;

-- IdempotencyKeyComplete stores the answer of the claim's request; no row when
-- the claim was lost, so a request taken over never overwrites its successor.
-- name: IdempotencyKeyComplete :execrows
UPDATE idempotency_keys
SET status_code = @status_code, response_body = @response_body, response_headers = @response_headers,
    interim = @interim, interim_ref = @interim_ref
WHERE principal_id = @principal_id AND key = @key AND claim_id = @claim_id;

-- IdempotencyKeyFinish replaces a stored interim answer with the final one a
-- replay found; a no-op once another replay did.
-- name: IdempotencyKeyFinish :exec
UPDATE idempotency_keys
SET status_code = @status_code, response_body = @response_body, response_headers = @response_headers,
    interim = false, interim_ref = ''
WHERE principal_id = @principal_id AND key = @key AND interim;

-- IdempotencyKeyRelease forgets a key whose request failed in a way worth
-- retrying (5xx), if the claim is still the request's.
-- name: IdempotencyKeyRelease :exec
DELETE FROM idempotency_keys
WHERE principal_id = @principal_id AND key = @key AND claim_id = @claim_id AND status_code IS NULL;

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
