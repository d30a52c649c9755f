-- Running totals, so that a checkout's credit and spending-limit decisions read
-- a few rows instead of adding up the company's history.
--
-- companies.credit_used is what the company's credit carries: every credit hold
-- still authorized, plus what open invoices still owe. The queries that write
-- holds and invoices (CreditHoldCreate, CreditHoldRelease, CreditHoldReduce,
-- InvoiceCreate, InvoiceSettle) change it in the same statement.
ALTER TABLE companies ADD COLUMN credit_used bigint NOT NULL DEFAULT 0 CHECK (credit_used >= 0);

UPDATE companies c
SET credit_used = COALESCE((SELECT SUM(h.amount) FROM credit_holds h
                            WHERE h.company_id = c.id AND h.status = 'authorized'), 0)
                + COALESCE((SELECT SUM(i.amount - i.paid_amount) FROM invoices i
                            WHERE i.company_id = c.id AND i.status = 'open'), 0);

-- spend_totals is the spend reserved or committed (not released) per UTC
-- calendar month: one row for the whole company (customer_id NULL) and one per
-- employee. A monthly limit reads one row, a quarterly limit three. The queries
-- that write spend_reservations (SpendReservationCreate, SpendReservationRelease)
-- change both rows in the same statement; committing changes nothing.
CREATE TABLE spend_totals (
    company_id  uuid        NOT NULL REFERENCES companies (id),
    customer_id uuid REFERENCES customers (id),
    month       timestamptz NOT NULL CHECK (month = date_trunc('month', month, 'UTC')),
    amount      bigint      NOT NULL CHECK (amount >= 0),
    CONSTRAINT spend_totals_key UNIQUE NULLS NOT DISTINCT (company_id, customer_id, month)
);

INSERT INTO spend_totals (company_id, customer_id, month, amount)
SELECT company_id, NULL, date_trunc('month', reserved_at, 'UTC'), SUM(amount)
FROM spend_reservations WHERE status <> 'released'
GROUP BY company_id, date_trunc('month', reserved_at, 'UTC')
UNION ALL
SELECT company_id, customer_id, date_trunc('month', reserved_at, 'UTC'), SUM(amount)
FROM spend_reservations WHERE status <> 'released'
GROUP BY company_id, customer_id, date_trunc('month', reserved_at, 'UTC');
