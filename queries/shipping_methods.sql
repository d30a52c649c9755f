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

-- ShippingMethodUpdateDeadlines sets how long an order shipped by the method
-- has to ship and to be delivered after it is placed; a NULL keeps what is
-- set.
-- name: ShippingMethodUpdateDeadlines :one
UPDATE shipping_methods
SET ship_within_hours    = coalesce(sqlc.narg(ship_within_hours), ship_within_hours),
    deliver_within_hours = coalesce(sqlc.narg(deliver_within_hours), deliver_within_hours)
WHERE code = @code
RETURNING *;
