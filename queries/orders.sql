-- OrderCreate writes a cart's order once: for a cart that has one already it
-- returns no row. A bill_to left out (nil) is none, {}.
-- name: OrderCreate :one
INSERT INTO orders (id, cart_id, company_id, customer_id, status, currency, subtotal, discount, shipping,
                    tax, tax_rate_bp, total, placed_at, shipping_method, ship_to, po_number, buyer_reference,
                    approved_by, bill_to, placed_by_staff_id)
VALUES (@id, @cart_id, @company_id, @customer_id, @status, @currency, @subtotal, @discount, @shipping,
        @tax, @tax_rate_bp, @total, @placed_at, @shipping_method, @ship_to, @po_number, @buyer_reference,
        @approved_by, COALESCE(@bill_to::jsonb, '{}'::jsonb), @placed_by_staff_id)
ON CONFLICT (cart_id) DO NOTHING
RETURNING *;

-- name: OrderGetByCart :one
SELECT * FROM orders WHERE cart_id = $1;

-- OrderGetInCompany: the caller's company's order, or any order for ops.
-- name: OrderGetInCompany :one
SELECT * FROM orders WHERE id = @id AND (company_id = @company_id OR @all_companies::boolean);

-- OrderDetailGetInCompany is OrderGetInCompany with, in the same round trip,
-- whether the order has shipments, invoices and returns (the order's view
-- reads those lists only when it has them: a new order has none) and its ERP
-- sync (has_erp_sync false: none yet).
-- name: OrderDetailGetInCompany :one
SELECT sqlc.embed(orders),
       EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = orders.id) AS has_shipments,
       EXISTS (SELECT 1 FROM invoices i WHERE i.order_id = orders.id) AS has_invoices,
       EXISTS (SELECT 1 FROM returns r WHERE r.order_id = orders.id) AS has_returns,
       (e.order_id IS NOT NULL)::boolean AS has_erp_sync,
       COALESCE(e.status, '')::text AS erp_sync_status,
       COALESCE(e.attempts, 0)::integer AS erp_sync_attempts,
       COALESCE(e.last_error, '')::text AS erp_sync_last_error,
       COALESCE(e.updated_at, 'epoch')::timestamptz AS erp_sync_updated_at
FROM orders
LEFT JOIN erp_syncs e ON e.order_id = orders.id
WHERE orders.id = @id AND (orders.company_id = @company_id OR @all_companies::boolean);

-- OrderListByCustomer pages newest first with a keyset cursor (placed_at, id).
-- name: OrderListByCustomer :many
SELECT * FROM orders
WHERE customer_id = @customer_id
  AND (placed_at, id) < (@before_placed_at::timestamptz, @before_id::uuid)
ORDER BY placed_at DESC, id DESC
LIMIT @row_limit;

-- OrderLineCreateMany writes all lines in one statement; the arrays are parallel.
-- name: OrderLineCreateMany :exec
INSERT INTO order_lines (order_id, line_no, sku, name, quantity, base_unit_price, unit_price, line_total,
                         price_list_id, price_list_name, tier_min_quantity, quote_id, quote_revision)
SELECT @order_id::uuid, unnest(@line_nos::integer[]), unnest(@skus::text[]), unnest(@names::text[]),
       unnest(@quantities::integer[]), unnest(@base_unit_prices::bigint[]), unnest(@unit_prices::bigint[]),
       unnest(@line_totals::bigint[]), NULLIF(unnest(@price_list_ids::text[]), '')::uuid,
       unnest(@price_list_names::text[]), unnest(@tier_min_quantities::integer[]),
       NULLIF(unnest(@quote_ids::text[]), '')::uuid, unnest(@quote_revisions::integer[]);

-- name: OrderLineListByOrder :many
SELECT * FROM order_lines WHERE order_id = $1 ORDER BY line_no;

-- name: OrderGet :one
SELECT * FROM orders WHERE id = $1;

-- OrderLockToOpen holds the order while its life opens, and reads what that
-- needs besides the order (its checkout attempt, its company's terms) in the
-- same round trip. Only the order row is locked, FOR NO KEY UPDATE: rows that
-- refer to the order (its ERP sync, timeline) need not wait for it.
-- name: OrderLockToOpen :one
SELECT sqlc.embed(orders), carts.checkout_attempt,
       companies.return_window_days, companies.payment_terms_days
FROM orders
JOIN carts ON carts.id = orders.cart_id
JOIN companies ON companies.id = orders.company_id
WHERE orders.id = $1
FOR NO KEY UPDATE OF orders;

-- OrderUpdateFulfilment records what the order's life made of it: statuses,
-- money after checkout and when it was delivered.
-- name: OrderUpdateFulfilment :exec
UPDATE orders SET status = @status, fulfilment_status = @fulfilment_status, payment_status = @payment_status,
                  cancelled_amount = @cancelled_amount, invoiced_amount = @invoiced_amount,
                  paid_amount = @paid_amount, credited_amount = @credited_amount,
                  delivered_at = @delivered_at, updated_at = now()
WHERE id = @id;

-- name: OrderUpdateDeadlines :exec
UPDATE orders SET ship_by = @ship_by, deliver_by = @deliver_by, updated_at = now() WHERE id = @id;

-- OrderFlagLate marks an order that missed a deadline; once.
-- name: OrderFlagLate :execrows
UPDATE orders SET sla_breached = true, updated_at = now() WHERE id = $1 AND NOT sla_breached;

-- OrderLineUpdateQuantities sets what happened to one line, in units.
-- name: OrderLineUpdateQuantities :exec
UPDATE order_lines SET cancelled = @cancelled, shipped = @shipped, delivered = @delivered, returned = @returned
WHERE order_id = @order_id AND sku = @sku;

-- OrderListForOps pages through every company's orders, oldest first, for
-- ops: filtered by status, fulfilment status, company, late orders only
-- (a deadline passed: sla_breached), and the status of the order's ERP push
-- (stuck: the pushes that wait for ops). Each row carries its push's status,
-- attempts, last error and update time ('', 0, '', NULL before the push).
-- name: OrderListForOps :many
SELECT sqlc.embed(orders),
       COALESCE(s.status, '')::text     AS erp_sync_status,
       COALESCE(s.attempts, 0)::integer AS erp_sync_attempts,
       COALESCE(s.last_error, '')::text AS erp_sync_last_error,
       s.updated_at                     AS erp_sync_updated_at
FROM orders
LEFT JOIN erp_syncs s ON s.order_id = orders.id
WHERE (@status::text = '' OR orders.status = @status)
  AND (@fulfilment_status::text = '' OR orders.fulfilment_status = @fulfilment_status)
  AND (NOT @late_only::boolean OR orders.sla_breached)
  AND (sqlc.narg(company_id)::uuid IS NULL OR orders.company_id = sqlc.narg(company_id)::uuid)
  AND (@erp_sync::text = '' OR s.status = @erp_sync)
  AND (orders.placed_at, orders.id) > (@after_placed_at::timestamptz, @after_id::uuid)
ORDER BY orders.placed_at, orders.id
LIMIT @row_limit;

-- OrderUpdateErpNumber records the ERP's number for the order (ERP sync).
-- name: OrderUpdateErpNumber :exec
UPDATE orders SET erp_number = @erp_number, updated_at = now() WHERE id = @id;

-- OrderUpdateErpNews records the ERP's news of an order: erp_status moves
-- only forward ('' < open < invoiced < shipped < paid; cancelled, once
-- reported, stays), so news applied in any order ends the same; an empty
-- erp_status leaves it. erp_payment_held is the ERP payment the order holds.
-- name: OrderUpdateErpNews :exec
UPDATE orders SET
    erp_status = CASE
        WHEN orders.erp_status = 'cancelled' OR @erp_status::text = '' THEN orders.erp_status
        WHEN @erp_status::text = 'cancelled' THEN 'cancelled'
        WHEN array_position(ARRAY['', 'open', 'invoiced', 'shipped', 'paid'], @erp_status::text)
           > array_position(ARRAY['', 'open', 'invoiced', 'shipped', 'paid'], orders.erp_status)
        THEN @erp_status::text
        ELSE orders.erp_status END,
    erp_payment_held = @erp_payment_held,
    updated_at = now()
WHERE id = @id;
