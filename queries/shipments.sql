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
