-- InvoiceCreate issues an invoice once per number.
-- name: InvoiceCreate :execrows
INSERT INTO invoices (number, order_id, shipment_id, company_id, amount, currency, issued_at, due_at)
VALUES (@number, @order_id, @shipment_id, @company_id, @amount, @currency, @issued_at, @due_at)
ON CONFLICT (number) DO NOTHING;

-- name: InvoiceListByOrder :many
SELECT * FROM invoices WHERE order_id = $1 ORDER BY issued_at, number;

-- InvoiceSumOpenByCompany is what the company owes on open invoices: it
-- counts against its credit limit until paid.
-- name: InvoiceSumOpenByCompany :one
SELECT COALESCE(SUM(amount - paid_amount), 0)::bigint AS owed FROM invoices WHERE company_id = $1 AND status = 'open';

-- InvoiceListOpenByOrder are the order's invoices still owed, oldest first:
-- payments and credit notes settle them in that order.
-- name: InvoiceListOpenByOrder :many
SELECT * FROM invoices WHERE order_id = $1 AND status = 'open' ORDER BY issued_at, number FOR UPDATE;

-- InvoiceSettle records part of an invoice paid or credited.
-- name: InvoiceSettle :exec
UPDATE invoices SET paid_amount = paid_amount + @amount,
                    status = CASE WHEN paid_amount + @amount = amount THEN 'paid' ELSE status END
WHERE number = @number;
