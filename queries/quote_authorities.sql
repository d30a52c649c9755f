-- name: QuoteAuthorityList :many
SELECT * FROM quote_authorities ORDER BY role;

-- name: QuoteAuthorityPut :one
INSERT INTO quote_authorities (role, max_discount_bp, min_margin_bp) VALUES ($1, $2, $3)
ON CONFLICT (role) DO UPDATE SET max_discount_bp = excluded.max_discount_bp,
                                 min_margin_bp = excluded.min_margin_bp, updated_at = now()
RETURNING *;
