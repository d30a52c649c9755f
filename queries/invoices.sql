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
