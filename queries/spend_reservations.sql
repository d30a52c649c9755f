-- name: SpendReservationCreate :exec
INSERT INTO spend_reservations (spend_key, cart_id, company_id, customer_id, amount, currency, reserved_at)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: SpendReservationGet :one
SELECT * FROM spend_reservations WHERE spend_key = $1;

-- SpendReservationSumInWindow is what a company (customer_id NULL) or one
-- employee has reserved or committed in [from, until), leaving out one
-- checkout's own reservation.
-- name: SpendReservationSumInWindow :one
SELECT COALESCE(SUM(amount), 0)::bigint AS spent
FROM spend_reservations
WHERE company_id = @company_id
  AND (sqlc.narg(customer_id)::uuid IS NULL OR customer_id = sqlc.narg(customer_id)::uuid)
  AND status <> 'released'
  AND reserved_at >= @window_start AND reserved_at < @window_end
  AND spend_key <> @exclude_key;

-- name: SpendReservationCommit :exec
UPDATE spend_reservations SET status = 'committed', updated_at = now()
WHERE spend_key = $1 AND status = 'reserved';

-- name: SpendReservationRelease :execrows
UPDATE spend_reservations SET status = 'released', updated_at = now()
WHERE spend_key = $1 AND status = 'reserved';
