-- name: AssortmentCreate :one
INSERT INTO assortments (id, name) VALUES (@id, @name) RETURNING *;

-- name: AssortmentGet :one
SELECT * FROM assortments WHERE id = $1;

-- name: AssortmentLock :one
SELECT * FROM assortments WHERE id = $1 FOR UPDATE;

-- name: AssortmentUpdate :one
UPDATE assortments SET name = @name, updated_at = now() WHERE id = @id RETURNING *;

-- name: AssortmentDelete :execrows
DELETE FROM assortments WHERE id = $1;

-- name: AssortmentList :many
SELECT * FROM assortments
WHERE (created_at, id) > (@after_created_at::timestamptz, @after_id::uuid)
ORDER BY created_at, id
LIMIT @row_limit;

-- name: AssortmentProductDeleteAll :exec
DELETE FROM assortment_products WHERE assortment_id = $1;

-- name: AssortmentProductCreateMany :exec
INSERT INTO assortment_products (assortment_id, product_id)
SELECT @assortment_id::uuid, unnest(@product_ids::uuid[])
ON CONFLICT DO NOTHING;

-- AssortmentProductHandles lists the handles of an assortment's products.
-- name: AssortmentProductHandles :many
SELECT cp.handle FROM assortment_products ap JOIN catalog_products cp ON cp.id = ap.product_id
WHERE ap.assortment_id = $1
ORDER BY cp.handle;

-- name: AssortmentCompanyCount :one
SELECT count(*) FROM companies WHERE assortment_id = $1;

-- name: CompanyUpdateAssortment :one
UPDATE companies SET assortment_id = sqlc.narg(assortment_id)::uuid WHERE id = @id RETURNING *;
