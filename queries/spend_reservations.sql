-- SpendReservationCreate reserves spend and adds it to the month's running
-- totals (spend_totals: the company's row and the employee's) in the same
-- statement.
-- name: SpendReservationCreate :exec
WITH reservation AS (
    INSERT INTO spend_reservations (spend_key, cart_id, company_id, customer_id, amount, currency, reserved_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    RETURNING company_id, customer_id, amount, reserved_at
)
INSERT INTO spend_totals (company_id, customer_id, month, amount)
SELECT r.company_id, who.customer_id, date_trunc('month', r.reserved_at, 'UTC'), r.amount
FROM reservation r CROSS JOIN LATERAL (VALUES (NULL::uuid), (r.customer_id)) AS who (customer_id)
ON CONFLICT ON CONSTRAINT spend_totals_key DO UPDATE SET amount = spend_totals.amount + excluded.amount;

-- name: SpendReservationGet :one
SELECT * FROM spend_reservations WHERE spend_key = $1;

-- SpendReservationSumInWindow is what a company (customer_id NULL) or one
-- employee has reserved or committed in [from, until), leaving out one
-- checkout's own reservation, added up from the reservations: the running
-- totals (SpendTotalSumInWindow) are checked against it, never read from it
-- on a hot path.
-- name: SpendReservationSumInWindow :one
SELECT COALESCE(SUM(amount), 0)::bigint AS spent
FROM spend_reservations
WHERE company_id = @company_id
  AND (sqlc.narg(customer_id)::uuid IS NULL OR customer_id = sqlc.narg(customer_id)::uuid)
  AND status <> 'released'
  AND reserved_at >= @window_start AND reserved_at < @window_end
  AND spend_key <> @exclude_key;

-- SpendReservationCommit marks the spend of a placed order; the totals do not
-- change (reserved and committed spend both count).
-- name: SpendReservationCommit :exec
UPDATE spend_reservations SET status = 'committed', updated_at = now()
WHERE spend_key = $1 AND status = 'reserved';

-- SpendReservationRelease gives reserved spend back and takes it off the
-- month's running totals in the same statement; 0 rows means nothing was
-- reserved under the key. Callers that run concurrently with a reservation of
-- the same company lock the company first (CompanyLock), so the two totals'
-- rows are always taken in the same order.
-- name: SpendReservationRelease :execrows
WITH reservation AS (
    UPDATE spend_reservations SET status = 'released', updated_at = now()
    WHERE spend_key = $1 AND status = 'reserved'
    RETURNING company_id, customer_id, amount, reserved_at
)
UPDATE spend_totals t SET amount = t.amount - r.amount
FROM reservation r
WHERE t.company_id = r.company_id AND t.month = date_trunc('month', r.reserved_at, 'UTC')
  AND (t.customer_id IS NULL OR t.customer_id = r.customer_id);
