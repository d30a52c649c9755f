-- name: CompanyCreate :one
INSERT INTO companies (id, name, currency, credit_limit, customer_group, tax_exempt, approval_timeout_seconds)
VALUES (@id, @name, @currency, @credit_limit, @customer_group, @tax_exempt, @approval_timeout_seconds)
RETURNING *;

-- name: CompanyGet :one
SELECT * FROM companies WHERE id = $1;

-- name: CompanyList :many
SELECT * FROM companies
WHERE (created_at, id) > (@after_created_at::timestamptz, @after_id::uuid)
ORDER BY created_at, id
LIMIT @row_limit;

-- CompanyLock serialises the decisions of one company: an admin change is
-- checked and written, a credit authorization checks the credit left
-- (credit_used), a spending-limit decision reads the spend totals and adds to
-- them, each while holding the row, so two of them never interleave (two
-- authorizations can never both spend the last credit). FOR NO KEY UPDATE
-- excludes the other lockers and every update of the row just as FOR UPDATE
-- would, but not the key-share locks that inserting a row which references
-- the company takes (an order, a cart, a hold of another checkout): nobody
-- changes a company's id.
-- name: CompanyLock :one
SELECT * FROM companies WHERE id = $1 FOR NO KEY UPDATE;

-- CompanyListCreditDrift lists the companies whose running credit total
-- (credit_used) differs from the sum it stands for, added up from the history:
-- every authorized hold plus what open invoices still owe. Empty when every
-- writer kept it: the tests' and ops' check. One statement, so it reads one
-- snapshot and holds while checkouts run.
-- name: CompanyListCreditDrift :many
SELECT id, kept, recounted FROM (
    SELECT c.id, c.credit_used AS kept,
           (COALESCE((SELECT SUM(h.amount) FROM credit_holds h WHERE h.company_id = c.id AND h.status = 'authorized'), 0)
          + COALESCE((SELECT SUM(i.amount - i.paid_amount) FROM invoices i WHERE i.company_id = c.id AND i.status = 'open'), 0))::bigint AS recounted
    FROM companies c
) recount
WHERE kept <> recounted
ORDER BY id;

-- name: CompanyUpdate :one
UPDATE companies
SET name = @name, currency = @currency, credit_limit = @credit_limit, customer_group = @customer_group,
    tax_exempt = @tax_exempt, approval_timeout_seconds = @approval_timeout_seconds, updated_at = now()
WHERE id = @id
RETURNING *;

-- CompanyMoneyTermExistsInOtherCurrency tells whether the company has spending
-- limits, price lists or approval amounts kept in a currency other than the
-- given one (approval rule amounts are in the company's currency).
-- name: CompanyMoneyTermExistsInOtherCurrency :one
SELECT (EXISTS (SELECT 1 FROM spending_limits sl WHERE sl.company_id = @company_id AND sl.currency <> @currency)
     OR EXISTS (SELECT 1 FROM price_lists pl WHERE pl.company_id = @company_id AND pl.currency <> @currency)
     OR EXISTS (SELECT 1 FROM approval_rules ar JOIN companies c ON c.id = ar.company_id
                WHERE ar.company_id = @company_id AND c.currency <> @currency
                  AND (ar.threshold > 0 OR ar.approver_max IS NOT NULL)))::boolean AS has_terms;

-- CompanyUpdateSalesRep sets (or, with NULL, clears) the company's account sales rep.
-- name: CompanyUpdateSalesRep :exec
UPDATE companies SET sales_rep_id = $2, updated_at = now() WHERE id = $1;

-- CompanyUpdateTerms sets the company's payment terms (invoices due net N
-- days) and return window (days after delivery).
-- name: CompanyUpdateTerms :exec
UPDATE companies SET payment_terms_days = $2, return_window_days = $3, updated_at = now() WHERE id = $1;

-- CompanyRecountCredit sets the company's running credit total from its
-- history (what CompanyListCreditDrift compares it with), as migration 0014
-- did: the repair for a total that drifted. Run it holding CompanyLock, so no
-- writer of holds or invoices moves between the count and the write.
-- name: CompanyRecountCredit :exec
UPDATE companies c
SET credit_used = COALESCE((SELECT SUM(h.amount) FROM credit_holds h WHERE h.company_id = c.id AND h.status = 'authorized'), 0)
                + COALESCE((SELECT SUM(i.amount - i.paid_amount) FROM invoices i WHERE i.company_id = c.id AND i.status = 'open'), 0)
WHERE c.id = $1;

-- CompanySetPreferredLocation sets (or, with NULL, forgets) the stock location
-- the company's checkouts draw from first.
-- name: CompanySetPreferredLocation :one
UPDATE companies SET preferred_location_id = $2, updated_at = now() WHERE id = $1 RETURNING *;

-- CompanyUpdateOnBehalfCheckout turns on or off whether the company's sales
-- rep may check a cart out in a buyer's name (migration 0022).
-- name: CompanyUpdateOnBehalfCheckout :one
UPDATE companies SET on_behalf_checkout = @on_behalf_checkout, updated_at = now()
WHERE id = @id
RETURNING *;
