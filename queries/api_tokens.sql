-- APITokenCreate stores a new token (its hash only) for exactly one principal:
-- a customer or a staff member.
-- name: APITokenCreate :one
INSERT INTO api_tokens (token_hash, customer_id, staff_id, label)
VALUES (@token_hash, sqlc.narg(customer_id)::uuid, sqlc.narg(staff_id)::uuid, @label)
RETURNING created_at;

-- PrincipalGetByTokenHash resolves a token to its customer (with company and
-- account currency) or staff member.
-- name: PrincipalGetByTokenHash :one
SELECT COALESCE(c.id, s.id)::uuid        AS principal_id,
       c.company_id                       AS company_id,
       COALESCE(c.role, s.role)::text     AS role,
       COALESCE(c.name, s.name)::text     AS name,
       COALESCE(co.currency, '')::text    AS currency
FROM api_tokens t
LEFT JOIN customers c  ON c.id = t.customer_id
LEFT JOIN staff s      ON s.id = t.staff_id
LEFT JOIN companies co ON co.id = c.company_id
WHERE t.token_hash = $1 AND t.revoked_at IS NULL;
