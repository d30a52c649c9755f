-- name: CreditHoldGet :one
SELECT * FROM credit_holds WHERE payment_key = $1;

-- name: CreditHoldInsert :one
INSERT INTO credit_holds (payment_key, cart_id, company_id, amount, currency)
VALUES ($1, $2, $3, $4, $5)
RETURNING *;

-- name: CreditHoldRelease :execrows
UPDATE credit_holds SET status = 'released', released_at = now()
WHERE payment_key = $1 AND status = 'authorized';

-- name: CreditHoldsByCart :many
SELECT * FROM credit_holds WHERE cart_id = $1 ORDER BY created_at;
