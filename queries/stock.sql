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
-- name: StockReserve :one
UPDATE stock SET reserved = reserved + @quantity
WHERE sku = @sku AND on_hand - reserved >= @quantity
RETURNING sku;

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
