-- Stock is counted per SKU and location (migration 0020). The queries without
-- a location act on the default location (StockCreate, StockPut, StockLock),
-- where stock lived before there were locations.

-- StockCreate gives a SKU its stock row at the default location unless it has
-- one: unlike StockPut, it never overwrites counts that reservations already
-- changed.
-- name: StockCreate :exec
INSERT INTO stock (sku, location_id, on_hand)
SELECT @sku, l.id, @on_hand FROM stock_locations l WHERE l.is_default
ON CONFLICT (sku, location_id) DO NOTHING;

-- StockGet sums a SKU's stock over every location.
-- name: StockGet :one
SELECT @sku::text AS sku, COALESCE(sum(on_hand), 0)::bigint AS on_hand, COALESCE(sum(reserved), 0)::bigint AS reserved
FROM stock WHERE sku = @sku;

-- StockLock locks a SKU's stock row at the default location.
-- name: StockLock :one
SELECT s.* FROM stock s JOIN stock_locations l ON l.id = s.location_id
WHERE s.sku = $1 AND l.is_default FOR UPDATE OF s;

-- StockPut sets a SKU's units on hand at the default location.
-- name: StockPut :one
INSERT INTO stock (sku, location_id, on_hand)
SELECT @sku, l.id, @on_hand FROM stock_locations l WHERE l.is_default
ON CONFLICT (sku, location_id) DO UPDATE SET on_hand = excluded.on_hand
RETURNING *;

-- StockLockAt locks a SKU's stock row at one location (no row: none there yet).
-- name: StockLockAt :one
SELECT * FROM stock WHERE sku = @sku AND location_id = @location_id FOR UPDATE;

-- StockPutAt sets a SKU's units on hand at one location.
-- name: StockPutAt :one
INSERT INTO stock (sku, location_id, on_hand) VALUES (@sku, @location_id, @on_hand)
ON CONFLICT (sku, location_id) DO UPDATE SET on_hand = excluded.on_hand
RETURNING *;

-- StockListBySKU lists a SKU's stock at every location that has a row for it,
-- with the location, in location order (priority, code).
-- name: StockListBySKU :many
SELECT s.sku, s.on_hand, s.reserved, l.id AS location_id, l.code, l.name
FROM stock s JOIN stock_locations l ON l.id = s.location_id
WHERE s.sku = @sku
ORDER BY l.priority, l.code;

-- StockLockBySKUs locks every stock row of the named SKUs, in one statement,
-- in (SKU in byte order, location ID) order: every checkout locks (sku,
-- location) rows in one global order, the order releases take too, so
-- concurrent checkouts cannot deadlock. Each row comes with what the
-- allocation rule needs of its location.
-- name: StockLockBySKUs :many
SELECT s.sku, s.location_id, s.on_hand, s.reserved, l.code, l.country, l.postal_prefix, l.priority
FROM stock s JOIN stock_locations l ON l.id = s.location_id
WHERE s.sku = ANY(@skus::text[])
ORDER BY s.sku COLLATE "C", s.location_id
FOR UPDATE OF s;

-- StockReserveFor holds units of one SKU at one location for one checkout
-- attempt and records the reservation, in one round trip: the reservation row
-- is written only if the stock row had the units (no row back: not enough
-- stock). The reservation records the units the attempt (cart, attempt) took
-- there, so that releasing the attempt gives back exactly that, where it was.
-- name: StockReserveFor :one
WITH held AS (
  UPDATE stock SET reserved = stock.reserved + @quantity
  WHERE stock.sku = @sku AND stock.location_id = @location_id AND stock.on_hand - stock.reserved >= @quantity
  RETURNING stock.sku, stock.location_id
)
INSERT INTO stock_reservations (cart_id, attempt, sku, location_id, quantity)
SELECT @cart_id, @attempt, held.sku, held.location_id, @quantity FROM held
RETURNING stock_reservations.sku;

-- name: StockRelease :exec
UPDATE stock SET reserved = reserved - @quantity WHERE sku = @sku AND location_id = @location_id;

-- StockShip records units that left a location: they were reserved there, and
-- are no longer on hand.
-- name: StockShip :execrows
UPDATE stock SET on_hand = on_hand - @quantity, reserved = reserved - @quantity
WHERE sku = @sku AND location_id = @location_id AND reserved >= @quantity;

-- StockRestock puts returned units back on hand at a location.
-- name: StockRestock :exec
INSERT INTO stock (sku, location_id, on_hand) VALUES (@sku, @location_id, @quantity)
ON CONFLICT (sku, location_id) DO UPDATE SET on_hand = stock.on_hand + excluded.on_hand;

-- StockSetOnHandFromERP takes the ERP's count of a SKU at a location, but
-- never below what is reserved there: units promised to orders stay promised.
-- A SKU without a row at the location gets one when Orderflow has the product
-- and the SKU has stock somewhere; no row back means it has neither (skipped).
-- name: StockSetOnHandFromERP :one
INSERT INTO stock (sku, location_id, on_hand)
SELECT p.sku, @location_id, @on_hand::bigint FROM products p
WHERE p.sku = @sku AND EXISTS (SELECT 1 FROM stock s WHERE s.sku = p.sku)
ON CONFLICT (sku, location_id) DO UPDATE SET on_hand = GREATEST(excluded.on_hand, stock.reserved)
RETURNING *;

-- StockCreateAt gives a SKU its stock row at one location unless it has one.
-- name: StockCreateAt :exec
INSERT INTO stock (sku, location_id, on_hand) VALUES (@sku, @location_id, @on_hand)
ON CONFLICT (sku, location_id) DO NOTHING;
