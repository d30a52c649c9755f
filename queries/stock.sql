-- name: StockSet :exec
INSERT INTO stock (sku, on_hand) VALUES ($1, $2)
ON CONFLICT (sku) DO UPDATE SET on_hand = excluded.on_hand;

-- name: StockGet :one
SELECT * FROM stock WHERE sku = $1;

-- StockReserve takes units only while enough are available; no row back means not enough.
-- name: StockReserve :one
UPDATE stock SET reserved = reserved + @quantity
WHERE sku = @sku AND on_hand - reserved >= @quantity
RETURNING sku;

-- name: StockRelease :exec
UPDATE stock SET reserved = reserved - @quantity WHERE sku = @sku;

-- name: StockReservationInsert :exec
INSERT INTO stock_reservations (cart_id, attempt, sku, quantity) VALUES ($1, $2, $3, $4);

-- name: StockReservationsExist :one
SELECT EXISTS (SELECT 1 FROM stock_reservations WHERE cart_id = $1 AND attempt = $2);

-- name: StockReservationsByCart :many
SELECT * FROM stock_reservations WHERE cart_id = $1 ORDER BY attempt, sku;

-- name: StockReservationsDelete :many
DELETE FROM stock_reservations WHERE cart_id = $1 AND attempt = $2 RETURNING sku, quantity;

-- name: StockInsertIfMissing :exec
INSERT INTO stock (sku, on_hand) VALUES ($1, $2) ON CONFLICT (sku) DO NOTHING;

-- name: StockReservationsForAttempt :many
SELECT * FROM stock_reservations WHERE cart_id = $1 AND attempt = $2 ORDER BY sku;
