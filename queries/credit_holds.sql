-- name: CreditHoldCreate :one
INSERT INTO credit_holds (payment_key, cart_id, company_id, amount, currency)
VALUES ($1, $2, $3, $4, $5)
RETURNING *;

-- name: CreditHoldGet :one
SELECT * FROM credit_holds WHERE payment_key = $1;

-- name: CreditHoldListByCart :many
SELECT * FROM credit_holds WHERE cart_id = $1 ORDER BY created_at;

-- CreditHoldSumAuthorizedByCompany is how much of the company's credit its
-- authorized (not yet released) holds use.
-- name: CreditHoldSumAuthorizedByCompany :one
SELECT COALESCE(SUM(amount), 0)::bigint AS used
FROM credit_holds
WHERE company_id = $1 AND status = 'authorized';

-- name: CreditHoldRelease :execrows
UPDATE credit_holds SET status = 'released', released_at = now()
WHERE payment_key = $1 AND status = 'authorized';

-- CreditHoldReduce gives back part of an authorization: invoiced (it becomes a
-- receivable) or cancelled. An authorization reduced to nothing is released.
-- name: CreditHoldReduce :execrows
UPDATE credit_holds SET amount = amount - @amount,
                        status = CASE WHEN amount = @amount THEN 'released' ELSE status END,
                        released_at = CASE WHEN amount = @amount THEN now() ELSE released_at END
WHERE payment_key = @payment_key AND status = 'authorized' AND amount >= @amount;

-- PaymentAdjustmentCreate records a capture or release once per ID; no row
-- back means it was recorded before.
-- name: PaymentAdjustmentCreate :execrows
INSERT INTO payment_adjustments (id, payment_key, kind, amount) VALUES ($1, $2, $3, $4)
ON CONFLICT (id) DO NOTHING;
