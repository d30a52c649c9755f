-- name: PriceListCreate :one
INSERT INTO price_lists (id, name, code, company_id, customer_group, currency, priority, valid_from, valid_until)
VALUES (@id, @name, sqlc.narg(code)::text, sqlc.narg(company_id)::uuid, sqlc.narg(customer_group)::text, @currency, @priority,
        sqlc.narg(valid_from)::timestamptz, sqlc.narg(valid_until)::timestamptz)
RETURNING *;

-- name: PriceListGet :one
SELECT * FROM price_lists WHERE id = $1;

-- PriceListGetByCode finds the list the ERP's price feed names by its code.
-- name: PriceListGetByCode :one
SELECT * FROM price_lists WHERE code = @code::text;

-- name: PriceListList :many
SELECT * FROM price_lists
WHERE (created_at, id) > (@after_created_at::timestamptz, @after_id::uuid)
ORDER BY created_at, id
LIMIT @row_limit;

-- name: PriceListLock :one
SELECT * FROM price_lists WHERE id = $1 FOR UPDATE;

-- name: PriceListUpdate :one
UPDATE price_lists
SET name = @name, code = sqlc.narg(code)::text, company_id = sqlc.narg(company_id)::uuid, customer_group = sqlc.narg(customer_group)::text,
    currency = @currency, priority = @priority, valid_from = sqlc.narg(valid_from)::timestamptz,
    valid_until = sqlc.narg(valid_until)::timestamptz, updated_at = now()
WHERE id = @id
RETURNING *;

-- name: PriceListDelete :execrows
DELETE FROM price_lists WHERE id = $1;

-- PriceListTierCreateMany writes all tiers in one statement; the arrays are parallel.
-- name: PriceListTierCreateMany :exec
INSERT INTO price_list_tiers (price_list_id, sku, min_quantity, unit_price)
SELECT @price_list_id::uuid, unnest(@skus::text[]), unnest(@min_quantities::integer[]),
       unnest(@unit_prices::bigint[]);

-- PriceListTierPut sets the unit price of one tier, creating it if missing.
-- name: PriceListTierPut :exec
INSERT INTO price_list_tiers (price_list_id, sku, min_quantity, unit_price)
VALUES (@price_list_id, @sku, @min_quantity, @unit_price)
ON CONFLICT (price_list_id, sku, min_quantity) DO UPDATE SET unit_price = excluded.unit_price;

-- name: PriceListTierListByPriceList :many
SELECT * FROM price_list_tiers WHERE price_list_id = $1 ORDER BY sku, min_quantity;

-- PriceListTierListForCompany returns every tier of every price list that may
-- apply to the company in one currency: its own lists and its customer group's.
-- The rules in package commerce choose among them.
-- name: PriceListTierListForCompany :many
SELECT pl.id, pl.name, pl.company_id, pl.customer_group, pl.currency, pl.priority,
       pl.valid_from, pl.valid_until, t.sku, t.min_quantity, t.unit_price
FROM price_lists pl
JOIN price_list_tiers t ON t.price_list_id = pl.id
WHERE pl.currency = @currency
  AND (pl.company_id = @company_id OR (@customer_group::text <> '' AND pl.customer_group = @customer_group::text))
  AND t.sku = ANY(@skus::text[])
ORDER BY pl.id, t.sku, t.min_quantity;

-- name: PriceListTierDeleteByPriceList :exec
DELETE FROM price_list_tiers WHERE price_list_id = $1;
