-- ReturnCreate records a return request once per ID.
-- name: ReturnCreate :execrows
INSERT INTO returns (id, order_id, number, requested_by) VALUES ($1, $2, $3, $4)
ON CONFLICT (id) DO NOTHING;

-- name: ReturnListByOrder :many
SELECT * FROM returns WHERE order_id = $1 ORDER BY number;

-- name: ReturnDecide :execrows
UPDATE returns SET status = @status, decided_by = @decided_by, comment = @comment, credit = @credit, updated_at = now()
WHERE id = @id AND status = 'requested';

-- name: ReturnReceive :execrows
UPDATE returns SET status = 'received', updated_at = now() WHERE id = $1 AND status = 'approved';

-- name: ReturnLineCreateMany :exec
INSERT INTO return_lines (return_id, sku, quantity, reason)
SELECT @return_id::uuid, unnest(@skus::text[]), unnest(@quantities::bigint[]), unnest(@reasons::text[])
ON CONFLICT DO NOTHING;

-- name: ReturnLineUpdateCondition :exec
UPDATE return_lines SET condition = $3 WHERE return_id = $1 AND sku = $2;

-- name: ReturnLineListByOrder :many
SELECT l.* FROM return_lines l JOIN returns r ON r.id = l.return_id WHERE r.order_id = $1 ORDER BY r.number, l.sku;

-- name: ReturnLineSetRestockLocation :exec
UPDATE return_lines SET restock_location_id = $3 WHERE return_id = $1 AND sku = $2;
