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

-- CustomerLock locks an employee for a change. With company_id set, an
-- employee of another company is not found (company admins act on their own
-- company only); NULL finds any (ops).
-- name: CustomerLock :one
SELECT * FROM customers
WHERE id = @id AND (sqlc.narg(company_id)::uuid IS NULL OR company_id = sqlc.narg(company_id)::uuid)
FOR UPDATE;

-- CustomerLockActiveAdmins locks the company's active admins, in ID order (so
-- two changes never deadlock), and returns their IDs: a change that would
-- leave none is refused, and two concurrent ones are decided one after the
-- other.
-- name: CustomerLockActiveAdmins :many
SELECT id FROM customers
WHERE company_id = @company_id AND role = 'company_admin' AND deactivated_at IS NULL
ORDER BY id
FOR UPDATE;

-- name: CustomerUpdate :one
UPDATE customers SET name = @name, role = @role WHERE id = @id
RETURNING *;

-- CustomerDeactivate deactivates an employee, once: a second time keeps the
-- first time.
-- name: CustomerDeactivate :one
UPDATE customers SET deactivated_at = COALESCE(deactivated_at, now()) WHERE id = @id
RETURNING *;

-- name: CustomerExistsInCompany :one
SELECT EXISTS (SELECT 1 FROM customers WHERE id = @id AND company_id = @company_id);

-- CustomerGet reads an employee without locking it; with company_id set, an
-- employee of another company is not found (as in CustomerLock).
-- name: CustomerGet :one
SELECT * FROM customers
WHERE id = @id AND (sqlc.narg(company_id)::uuid IS NULL OR company_id = sqlc.narg(company_id)::uuid);
