-- name: StockReservationExistsByAttempt :one
SELECT EXISTS (SELECT 1 FROM stock_reservations WHERE cart_id = $1 AND attempt = $2);

-- name: StockReservationListByAttempt :many
SELECT * FROM stock_reservations WHERE cart_id = $1 AND attempt = $2 ORDER BY sku, location_id;

-- name: StockReservationListByCart :many
SELECT * FROM stock_reservations WHERE cart_id = $1 ORDER BY attempt, sku, location_id;

-- StockReservationDeleteByAttempt drops an attempt's reservations and says
-- what each held where, so that the units go back to their location.
-- name: StockReservationDeleteByAttempt :many
DELETE FROM stock_reservations WHERE cart_id = $1 AND attempt = $2 RETURNING sku, location_id, quantity;

-- StockReservationLockBySKU locks an attempt's reservations of one SKU, one
-- per location, in the order units leave them (shipped or cancelled): the
-- locations' priority, then code.
-- name: StockReservationLockBySKU :many
SELECT r.location_id, r.quantity
FROM stock_reservations r JOIN stock_locations l ON l.id = r.location_id
WHERE r.cart_id = @cart_id AND r.attempt = @attempt AND r.sku = @sku
ORDER BY l.priority, l.code
FOR UPDATE OF r;

-- StockReservationTake takes units off one reservation (shipped or cancelled),
-- leaving the rest; StockReservationDeleteTaken drops a reservation taken whole.
-- name: StockReservationTake :execrows
UPDATE stock_reservations SET quantity = quantity - @quantity
WHERE cart_id = @cart_id AND attempt = @attempt AND sku = @sku AND location_id = @location_id AND quantity > @quantity;

-- name: StockReservationDeleteTaken :execrows
DELETE FROM stock_reservations
WHERE cart_id = @cart_id AND attempt = @attempt AND sku = @sku AND location_id = @location_id AND quantity = @quantity;

-- StockReservationSumByCart says, per SKU and location, how many units a
-- cart's reservations hold (an order's detail shows where its lines wait).
-- name: StockReservationSumByCart :many
SELECT r.sku, l.code, l.name, sum(r.quantity)::bigint AS quantity
FROM stock_reservations r JOIN stock_locations l ON l.id = r.location_id
WHERE r.cart_id = $1
GROUP BY r.sku, l.code, l.name, l.priority
ORDER BY r.sku, l.priority, l.code;
