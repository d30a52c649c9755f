-- SpendingLimitPut keeps one limit per company, employee (NULL: the whole
-- company) and period.
-- name: SpendingLimitPut :one
INSERT INTO spending_limits (id, company_id, customer_id, period, amount, currency)
VALUES (@id, @company_id, sqlc.narg(customer_id)::uuid, @period, @amount, @currency)
ON CONFLICT (company_id, customer_id, period)
    DO UPDATE SET amount = excluded.amount, currency = excluded.currency
RETURNING *;

-- name: SpendingLimitListByCompany :many
SELECT * FROM spending_limits
WHERE company_id = @company_id
  AND (created_at, id) > (@after_created_at::timestamptz, @after_id::uuid)
ORDER BY created_at, id
LIMIT @row_limit;

-- SpendingLimitListForCustomer returns the limits that apply to one employee:
-- the company's own and the employee's.
-- name: SpendingLimitListForCustomer :many
SELECT * FROM spending_limits
WHERE company_id = @company_id AND (customer_id IS NULL OR customer_id = @customer_id)
ORDER BY customer_id NULLS LAST, period;

-- name: SpendingLimitDelete :execrows
DELETE FROM spending_limits WHERE id = $1;
