-- name: CompanyInsert :one
INSERT INTO companies (id, name, currency, credit_limit)
VALUES ($1, $2, $3, $4)
RETURNING *;

-- name: CompanyGet :one
SELECT * FROM companies WHERE id = $1;

-- CompanyLockForCredit serialises credit decisions of one company: concurrent
-- authorizations wait here, so two of them can never both spend the last credit.
-- name: CompanyLockForCredit :one
SELECT id, currency, credit_limit FROM companies WHERE id = $1 FOR UPDATE;

-- name: CompanyCreditUsed :one
SELECT COALESCE(SUM(amount), 0)::bigint AS used
FROM credit_holds
WHERE company_id = $1 AND status = 'authorized';

-- name: CompanyUpsert :exec
INSERT INTO companies (id, name, currency, credit_limit) VALUES ($1, $2, $3, $4)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, currency = excluded.currency,
                               credit_limit = excluded.credit_limit;

-- CompanyLockForSpend serialises spending-limit decisions of one company.
-- name: CompanyLockForSpend :one
SELECT * FROM companies WHERE id = $1 FOR UPDATE;
