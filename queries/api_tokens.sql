-- APITokenCreate stores a new token (its hash only) for exactly one principal:
-- a customer or a staff member, with an optional expiry.
-- name: APITokenCreate :one
INSERT INTO api_tokens (token_hash, customer_id, staff_id, label, expires_at)
VALUES (@token_hash, sqlc.narg(customer_id)::uuid, sqlc.narg(staff_id)::uuid, @label, sqlc.narg(expires_at)::timestamptz)
RETURNING id, created_at, expires_at;

-- PrincipalGetByTokenHash resolves a token to its customer (with company and
-- account currency) or staff member, with what may stop it working: its
-- revocation, its expiry, its customer's deactivation. The caller refuses a
-- revoked, expired or deactivated one, each with its own answer.
-- name: PrincipalGetByTokenHash :one
SELECT COALESCE(c.id, s.id)::uuid        AS principal_id,
       c.company_id                       AS company_id,
       COALESCE(c.role, s.role)::text     AS role,
       COALESCE(c.name, s.name)::text     AS name,
       COALESCE(co.currency, '')::text    AS currency,
       t.revoked_at,
       t.expires_at,
       c.deactivated_at
FROM api_tokens t
LEFT JOIN customers c  ON c.id = t.customer_id
LEFT JOIN staff s      ON s.id = t.staff_id
LEFT JOIN companies co ON co.id = c.company_id
WHERE t.token_hash = $1;

-- APITokenListByCompany pages through the tokens of a company's employees,
-- oldest first, revoked and expired ones included (never their hashes).
-- name: APITokenListByCompany :many
SELECT t.id, t.customer_id, t.label, t.created_at, t.expires_at, t.revoked_at
FROM api_tokens t
JOIN customers c ON c.id = t.customer_id
WHERE c.company_id = @company_id
  AND (t.created_at, t.id) > (@after_created_at::timestamptz, @after_id::uuid)
ORDER BY t.created_at, t.id
LIMIT @row_limit;

-- APITokenRevoke revokes a token of an employee of the company (any token
-- when company_id is NULL: ops), once: a second revocation keeps the first
-- time. No row: no such token there.
-- name: APITokenRevoke :one
UPDATE api_tokens t SET revoked_at = COALESCE(t.revoked_at, now())
WHERE t.id = @id
  AND (sqlc.narg(company_id)::uuid IS NULL
       OR EXISTS (SELECT 1 FROM customers c WHERE c.id = t.customer_id AND c.company_id = sqlc.narg(company_id)::uuid))
RETURNING t.id, t.customer_id, t.staff_id, t.label, t.created_at, t.expires_at, t.revoked_at;
