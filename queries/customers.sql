-- name: CustomerInsert :one
INSERT INTO customers (id, company_id, email, name)
VALUES ($1, $2, $3, $4)
RETURNING *;

-- name: CustomerGet :one
SELECT * FROM customers WHERE id = $1;

-- name: APITokenInsert :exec
INSERT INTO api_tokens (token_hash, customer_id, label)
VALUES ($1, $2, $3)
ON CONFLICT (token_hash) DO NOTHING;

-- name: PrincipalByTokenHash :one
SELECT c.id AS customer_id, c.company_id, c.name, co.currency
FROM api_tokens t
JOIN customers c ON c.id = t.customer_id
JOIN companies co ON co.id = c.company_id
WHERE t.token_hash = $1 AND t.revoked_at IS NULL;

-- name: CustomerUpsert :exec
INSERT INTO customers (id, company_id, email, name) VALUES ($1, $2, $3, $4)
ON CONFLICT (id) DO UPDATE SET company_id = excluded.company_id, email = excluded.email, name = excluded.name;
