-- name: ShippingMethodGet :one
SELECT * FROM shipping_methods WHERE code = $1;

-- name: ShippingMethodListByCurrency :many
SELECT * FROM shipping_methods WHERE currency = $1 ORDER BY code;

-- name: ShippingMethodPut :one
INSERT INTO shipping_methods (code, name, currency, base_amount, per_kg_amount, free_above)
VALUES (@code, @name, @currency, @base_amount, @per_kg_amount, @free_above)
ON CONFLICT (code) DO UPDATE SET name = excluded.name, currency = excluded.currency,
    base_amount = excluded.base_amount, per_kg_amount = excluded.per_kg_amount, free_above = excluded.free_above
RETURNING *;
