-- CustomerCreate adds an employee of a buying company (customers are what the
-- admin API calls employees); the role decides what they may do for it.
-- name: CustomerCreate :one
INSERT INTO customers (id, company_id, email, name, role)
VALUES (@id, @company_id, @email, @name, @role)
RETURNING *;

-- name: CustomerListByCompany :many
SELECT * FROM customers
WHERE company_id = @company_id
  AND (created_at, id) > (@after_created_at::timestamptz, @after_id::uuid)
ORDER BY created_at, id
LIMIT @row_limit;

-- name: CustomerLock :one
SELECT * FROM customers WHERE id = $1 FOR UPDATE;

-- name: CustomerUpdate :one
UPDATE customers SET name = @name, role = @role WHERE id = @id
RETURNING *;

-- name: CustomerExistsInCompany :one
SELECT EXISTS (SELECT 1 FROM customers WHERE id = @id AND company_id = @company_id);
