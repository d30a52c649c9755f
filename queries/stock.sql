-- StockCreate gives a SKU its stock row unless it has one: unlike StockPut, it
-- never overwrites counts that reservations already changed.
-- name: StockCreate :exec
INSERT INTO stock (sku, on_hand) VALUES ($1, $2) ON CONFLICT (sku) DO NOTHING;

-- name: StockGet :one
SELECT * FROM stock WHERE sku = $1;

-- name: StockLock :one
SELECT * FROM stock WHERE sku = $1 FOR UPDATE;

-- name: StockPut :one
INSERT INTO stock (sku, on_hand) VALUES (@sku, @on_hand)
ON CONFLICT (sku) DO UPDATE SET on_hand = excluded.on_hand
RETURNING *;

-- StockReserve takes units only while enough are available; no row back means not enough.
-- StockReserveFor holds units of one SKU for one checkout attempt and records
-- the reservation, in one round trip: the reservation row is written only if
-- the stock row had the units (no row back: not enough stock). The reservation
-- records the units the attempt (cart, attempt) took, so that releasing the
-- attempt gives back exactly that.
-- name: StockReserveFor :one
WITH held AS (
  UPDATE stock SET reserved = stock.reserved + @quantity
  WHERE stock.sku = @sku AND stock.on_hand - stock.reserved >= @quantity
  RETURNING stock.sku
)
INSERT INTO stock_reservations (cart_id, attempt, sku, quantity)
SELECT @cart_id, @attempt, held.sku, @quantity FROM held
RETURNING stock_reservations.sku;

-- name: StockRelease :exec
UPDATE stock SET reserved = reserved - @quantity WHERE sku = @sku;

-- StockShip records units that left the warehouse: they were reserved, and
-- are no longer on hand.
-- name: StockShip :execrows
UPDATE stock SET on_hand = on_hand - @quantity, reserved = reserved - @quantity
WHERE sku = @sku AND reserved >= @quantity;

-- StockRestock puts returned units back on hand.
-- name: StockRestock :exec
UPDATE stock SET on_hand = on_hand + @quantity WHERE sku = @sku;

-- StockSetOnHandFromERP takes the ERP's count of a SKU, but never below what
-- is reserved: units promised to orders stay promised. No row back means
-- Orderflow has no stock row for the SKU.
-- name: StockSetOnHandFromERP :one
UPDATE stock SET on_hand = GREATEST(@on_hand::bigint, reserved)
WHERE sku = @sku
RETURNING *;
