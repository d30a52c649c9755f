-- InvoiceCreate issues an invoice once per number (0 rows: issued before);
-- what it owes is added to the company's credit used in the same statement.
-- name: InvoiceCreate :execrows
WITH invoice AS (
    INSERT INTO invoices (number, order_id, shipment_id, company_id, amount, currency, issued_at, due_at)
    VALUES (@number, @order_id, @shipment_id, @company_id, @amount, @currency, @issued_at, @due_at)
    ON CONFLICT (number) DO NOTHING
    RETURNING company_id, amount
)
UPDATE companies c SET credit_used = c.credit_used + invoice.amount
FROM invoice WHERE c.id = invoice.company_id;

-- name: InvoiceListByOrder :many
SELECT * FROM invoices WHERE order_id = $1 ORDER BY issued_at, number;

-- InvoiceSumOpenByCompany is what the company owes on open invoices (it
-- counts against its credit limit until paid), added up from the invoices: the
-- running total (companies.credit_used) is checked against it.
-- name: InvoiceSumOpenByCompany :one
SELECT COALESCE(SUM(amount - paid_amount), 0)::bigint AS owed FROM invoices WHERE company_id = $1 AND status = 'open';

-- InvoiceListOpenByOrder are the order's invoices still owed, oldest first:
-- payments and credit notes settle them in that order.
-- name: InvoiceListOpenByOrder :many
SELECT * FROM invoices WHERE order_id = $1 AND status = 'open' ORDER BY issued_at, number FOR UPDATE;

-- InvoiceSettle records part of an invoice paid or credited, which gives the
-- company that much credit back in the same statement.
-- name: InvoiceSettle :exec
WITH invoice AS (
    UPDATE invoices SET paid_amount = paid_amount + @amount,
                        status = CASE WHEN paid_amount + @amount = amount THEN 'paid' ELSE status END
    WHERE number = @number
    RETURNING company_id
)
UPDATE companies c SET credit_used = c.credit_used - @amount
FROM invoice WHERE c.id = invoice.company_id;
