-- name: StockReservationExistsByAttempt :one
SELECT EXISTS (SELECT 1 FROM stock_reservations WHERE cart_id = $1 AND attempt = $2);

-- name: StockReservationListByAttempt :many
SELECT * FROM stock_reservations WHERE cart_id = $1 AND attempt = $2 ORDER BY sku;

-- name: StockReservationListByCart :many
SELECT * FROM stock_reservations WHERE cart_id = $1 ORDER BY attempt, sku;

-- name: StockReservationDeleteByAttempt :many
DELETE FROM stock_reservations WHERE cart_id = $1 AND attempt = $2 RETURNING sku, quantity;

-- StockReservationTake takes units off one reservation (shipped or cancelled),
-- leaving the rest; StockReservationDeleteTaken drops a reservation taken whole.
-- name: StockReservationTake :execrows
UPDATE stock_reservations SET quantity = quantity - @quantity
WHERE cart_id = @cart_id AND attempt = @attempt AND sku = @sku AND quantity > @quantity;

-- name: StockReservationDeleteTaken :execrows
DELETE FROM stock_reservations WHERE cart_id = @cart_id AND attempt = @attempt AND sku = @sku AND quantity = @quantity;
