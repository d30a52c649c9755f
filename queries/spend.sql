-- name: SpendingLimitsForBuyer :many
SELECT * FROM spending_limits
WHERE company_id = @company_id AND (customer_id IS NULL OR customer_id = @customer_id)
ORDER BY customer_id NULLS LAST, period;

-- SpendInWindow is what a company (customer_id NULL) or one employee has reserved
-- or committed in [from, until), leaving out one checkout's own reservation.
-- name: SpendInWindow :one
SELECT COALESCE(SUM(amount), 0)::bigint AS spent
FROM spend_reservations
WHERE company_id = @company_id
  AND (sqlc.narg(customer_id)::uuid IS NULL OR customer_id = sqlc.narg(customer_id)::uuid)
  AND status <> 'released'
  AND reserved_at >= @window_start AND reserved_at < @window_end
  AND spend_key <> @exclude_key;

-- name: SpendGet :one
SELECT * FROM spend_reservations WHERE spend_key = $1;

-- name: SpendInsert :exec
INSERT INTO spend_reservations (spend_key, cart_id, company_id, customer_id, amount, currency, reserved_at)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: SpendCommit :exec
UPDATE spend_reservations SET status = 'committed', updated_at = now()
WHERE spend_key = $1 AND status = 'reserved';

-- name: SpendRelease :execrows
UPDATE spend_reservations SET status = 'released', updated_at = now()
WHERE spend_key = $1 AND status = 'reserved';
