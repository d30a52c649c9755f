-- ShipmentCreate records a shipment once: the ID comes from whoever reported
-- it (ops' request, the warehouse's event), so a retried report finds it.
-- name: ShipmentCreate :execrows
INSERT INTO shipments (id, order_id, number, carrier, tracking, source, shipped_at)
VALUES (@id, @order_id, @number, @carrier, @tracking, @source, @shipped_at)
ON CONFLICT (id) DO NOTHING;

-- name: ShipmentGet :one
SELECT * FROM shipments WHERE id = $1;

-- name: ShipmentCountByOrder :one
SELECT count(*) FROM shipments WHERE order_id = $1;

-- name: ShipmentListByOrder :many
SELECT * FROM shipments WHERE order_id = $1 ORDER BY number;

-- name: ShipmentDeliver :execrows
UPDATE shipments SET delivered_at = $2 WHERE id = $1 AND delivered_at IS NULL;

-- ShipmentLineCreateMany writes a shipment's lines in one statement; the
-- arrays are parallel.
-- name: ShipmentLineCreateMany :exec
INSERT INTO shipment_lines (shipment_id, sku, quantity)
SELECT @shipment_id::uuid, unnest(@skus::text[]), unnest(@quantities::bigint[]);

-- name: ShipmentLineListByOrder :many
SELECT l.* FROM shipment_lines l JOIN shipments s ON s.id = l.shipment_id
WHERE s.order_id = $1 ORDER BY s.number, l.sku;

-- ShipmentStockCreate records that units of a shipment's SKU left one location.
-- name: ShipmentStockCreate :exec
INSERT INTO shipment_stock (shipment_id, sku, location_id, quantity) VALUES ($1, $2, $3, $4);

-- ShipmentStockSumByOrder says, per SKU and location, how many of an order's
-- units shipped from there.
-- name: ShipmentStockSumByOrder :many
SELECT st.sku, l.code, l.name, sum(st.quantity)::bigint AS quantity
FROM shipment_stock st
JOIN shipments s ON s.id = st.shipment_id
JOIN stock_locations l ON l.id = st.location_id
WHERE s.order_id = $1
GROUP BY st.sku, l.code, l.name, l.priority
ORDER BY st.sku, l.priority, l.code;

-- ShipmentStockRestockLocation is where a returned unit of an order's SKU goes
-- back: the location it shipped from (of several, the one that shipped the
-- most of it, then by priority and code).
-- name: ShipmentStockRestockLocation :one
SELECT st.location_id
FROM shipment_stock st
JOIN shipments s ON s.id = st.shipment_id
JOIN stock_locations l ON l.id = st.location_id
WHERE s.order_id = @order_id AND st.sku = @sku
GROUP BY st.location_id, l.priority, l.code
ORDER BY sum(st.quantity) DESC, l.priority, l.code
LIMIT 1;
