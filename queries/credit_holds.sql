-- CreditHoldCreate authorizes a hold and adds it to the company's credit used,
-- in one statement.
-- name: CreditHoldCreate :exec
WITH hold AS (
    INSERT INTO credit_holds (payment_key, cart_id, company_id, amount, currency)
    VALUES (@payment_key, @cart_id, @company_id, @amount, @currency)
    RETURNING company_id, amount
)
UPDATE companies c SET credit_used = c.credit_used + hold.amount
FROM hold WHERE c.id = hold.company_id;

-- name: CreditHoldGet :one
SELECT * FROM credit_holds WHERE payment_key = $1;

-- name: CreditHoldListByCart :many
SELECT * FROM credit_holds WHERE cart_id = $1 ORDER BY created_at;

-- CreditHoldSumAuthorizedByCompany is how much of the company's credit its
-- authorized (not yet released) holds use, added up from the holds: the
-- running total (companies.credit_used) is checked against it, never read from
-- it on a hot path.
-- name: CreditHoldSumAuthorizedByCompany :one
SELECT COALESCE(SUM(amount), 0)::bigint AS used
FROM credit_holds
WHERE company_id = $1 AND status = 'authorized';

-- CreditHoldRelease releases a hold and takes it off the company's credit
-- used; 0 rows means it was not authorized (released before, or never made).
-- name: CreditHoldRelease :execrows
WITH hold AS (
    UPDATE credit_holds SET status = 'released', released_at = now()
    WHERE payment_key = $1 AND status = 'authorized'
    RETURNING company_id, amount
)
UPDATE companies c SET credit_used = c.credit_used - hold.amount
FROM hold WHERE c.id = hold.company_id;

-- CreditHoldReduce gives back part of an authorization: invoiced (it becomes a
-- receivable) or cancelled. An authorization reduced to nothing is released.
-- The company's credit used goes down by the amount in the same statement; 0
-- rows means the hold does not hold that much.
-- name: CreditHoldReduce :execrows
WITH hold AS (
    UPDATE credit_holds SET amount = amount - @amount,
                            status = CASE WHEN amount = @amount THEN 'released' ELSE status END,
                            released_at = CASE WHEN amount = @amount THEN now() ELSE released_at END
    WHERE payment_key = @payment_key AND status = 'authorized' AND amount >= @amount
    RETURNING company_id
)
UPDATE companies c SET credit_used = c.credit_used - @amount
FROM hold WHERE c.id = hold.company_id;

-- PaymentAdjustmentCreate records a capture or release once per ID; no row
-- back means it was recorded before.
-- name: PaymentAdjustmentCreate :execrows
INSERT INTO payment_adjustments (id, payment_key, kind, amount) VALUES ($1, $2, $3, $4)
ON CONFLICT (id) DO NOTHING;
