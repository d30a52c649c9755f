-- name: CompanyCreate :one
INSERT INTO companies (id, name, currency, credit_limit, customer_group, tax_exempt, approval_timeout_seconds)
VALUES (@id, @name, @currency, @credit_limit, @customer_group, @tax_exempt, @approval_timeout_seconds)
RETURNING *;

-- name: CompanyList :many
SELECT * FROM companies
WHERE (created_at, id) > (@after_created_at::timestamptz, @after_id::uuid)
ORDER BY created_at, id
LIMIT @row_limit;

-- CompanyGetForUpdate locks the company while an admin change is checked and
-- written, so two changes cannot interleave.
-- name: CompanyGetForUpdate :one
SELECT * FROM companies WHERE id = $1 FOR UPDATE;

-- name: CompanyUpdate :one
UPDATE companies
SET name = @name, currency = @currency, credit_limit = @credit_limit, customer_group = @customer_group,
    tax_exempt = @tax_exempt, approval_timeout_seconds = @approval_timeout_seconds, updated_at = now()
WHERE id = @id
RETURNING *;

-- CompanyHasCarts tells whether anything was ever bought in the company's
-- currency, after which the currency is fixed.
-- name: CompanyHasCarts :one
SELECT EXISTS (SELECT 1 FROM carts WHERE company_id = $1);

-- CompanyHasMoneyTermsInOtherCurrency tells whether the company has spending
-- limits, price lists or approval amounts kept in a currency other than the
-- given one (approval rule amounts are in the company's currency).
-- name: CompanyHasMoneyTermsInOtherCurrency :one
SELECT (EXISTS (SELECT 1 FROM spending_limits sl WHERE sl.company_id = @company_id AND sl.currency <> @currency)
     OR EXISTS (SELECT 1 FROM price_lists pl WHERE pl.company_id = @company_id AND pl.currency <> @currency)
     OR EXISTS (SELECT 1 FROM approval_rules ar JOIN companies c ON c.id = ar.company_id
                WHERE ar.company_id = @company_id AND c.currency <> @currency
                  AND (ar.threshold > 0 OR ar.approver_max IS NOT NULL)))::boolean AS has_terms;

-- name: EmployeeCreate :one
INSERT INTO customers (id, company_id, email, name, role)
VALUES (@id, @company_id, @email, @name, @role)
RETURNING *;

-- name: EmployeeListByCompany :many
SELECT * FROM customers
WHERE company_id = @company_id
  AND (created_at, id) > (@after_created_at::timestamptz, @after_id::uuid)
ORDER BY created_at, id
LIMIT @row_limit;

-- name: EmployeeGetForUpdate :one
SELECT * FROM customers WHERE id = $1 FOR UPDATE;

-- name: EmployeeUpdate :one
UPDATE customers SET name = @name, role = @role WHERE id = @id
RETURNING *;

-- name: EmployeeInCompany :one
SELECT EXISTS (SELECT 1 FROM customers WHERE id = @id AND company_id = @company_id);

-- name: StaffCreate :one
INSERT INTO staff (id, email, name, role)
VALUES (@id, @email, @name, @role)
RETURNING *;

-- APITokenIssue stores a new token (its hash only) for exactly one principal:
-- a customer or a staff member.
-- name: APITokenIssue :one
INSERT INTO api_tokens (token_hash, customer_id, staff_id, label)
VALUES (@token_hash, sqlc.narg(customer_id)::uuid, sqlc.narg(staff_id)::uuid, @label)
RETURNING created_at;

-- SpendingLimitUpsert keeps one limit per company, employee (NULL: the whole
-- company) and period.
-- name: SpendingLimitUpsert :one
INSERT INTO spending_limits (id, company_id, customer_id, period, amount, currency)
VALUES (@id, @company_id, sqlc.narg(customer_id)::uuid, @period, @amount, @currency)
ON CONFLICT (company_id, customer_id, period)
    DO UPDATE SET amount = excluded.amount, currency = excluded.currency
RETURNING *;

-- name: SpendingLimitListByCompany :many
SELECT * FROM spending_limits
WHERE company_id = @company_id
  AND (created_at, id) > (@after_created_at::timestamptz, @after_id::uuid)
ORDER BY created_at, id
LIMIT @row_limit;

-- name: SpendingLimitDelete :execrows
DELETE FROM spending_limits WHERE id = $1;

-- name: ApprovalRuleCreate :one
INSERT INTO approval_rules (id, company_id, kind, threshold, skus, approver_max)
VALUES (@id, @company_id, @kind, @threshold, @skus, @approver_max)
RETURNING *;

-- name: ApprovalRuleListByCompany :many
SELECT * FROM approval_rules
WHERE company_id = @company_id
  AND (created_at, id) > (@after_created_at::timestamptz, @after_id::uuid)
ORDER BY created_at, id
LIMIT @row_limit;

-- name: ApprovalRuleDelete :execrows
DELETE FROM approval_rules WHERE id = $1;

-- ProductSKUsExisting returns which of the given SKUs the catalogue has.
-- name: ProductSKUsExisting :many
SELECT sku FROM products WHERE sku = ANY(@skus::text[]);

-- name: PriceListCreate :one
INSERT INTO price_lists (id, name, company_id, customer_group, currency, priority, valid_from, valid_until)
VALUES (@id, @name, sqlc.narg(company_id)::uuid, sqlc.narg(customer_group)::text, @currency, @priority,
        sqlc.narg(valid_from)::timestamptz, sqlc.narg(valid_until)::timestamptz)
RETURNING *;

-- name: PriceListReplace :one
UPDATE price_lists
SET name = @name, company_id = sqlc.narg(company_id)::uuid, customer_group = sqlc.narg(customer_group)::text,
    currency = @currency, priority = @priority, valid_from = sqlc.narg(valid_from)::timestamptz,
    valid_until = sqlc.narg(valid_until)::timestamptz, updated_at = now()
WHERE id = @id
RETURNING *;

-- name: PriceListGet :one
SELECT * FROM price_lists WHERE id = $1;

-- name: PriceListGetForUpdate :one
SELECT * FROM price_lists WHERE id = $1 FOR UPDATE;

-- name: PriceListList :many
SELECT * FROM price_lists
WHERE (created_at, id) > (@after_created_at::timestamptz, @after_id::uuid)
ORDER BY created_at, id
LIMIT @row_limit;

-- name: PriceListDelete :execrows
DELETE FROM price_lists WHERE id = $1;

-- name: PriceListTiers :many
SELECT * FROM price_list_tiers WHERE price_list_id = $1 ORDER BY sku, min_quantity;

-- name: PriceListTiersDelete :exec
DELETE FROM price_list_tiers WHERE price_list_id = $1;

-- PriceListTiersInsert writes all tiers in one statement; the arrays are parallel.
-- name: PriceListTiersInsert :exec
INSERT INTO price_list_tiers (price_list_id, sku, min_quantity, unit_price)
SELECT @price_list_id::uuid, unnest(@skus::text[]), unnest(@min_quantities::integer[]),
       unnest(@unit_prices::bigint[]);

-- name: ProductPut :one
INSERT INTO products (sku, name, weight_grams) VALUES (@sku, @name, @weight_grams)
ON CONFLICT (sku) DO UPDATE SET name = excluded.name, weight_grams = excluded.weight_grams
RETURNING *;

-- ProductPricesDeleteExcept drops the product's prices in every other currency,
-- so that a PUT leaves exactly the prices it names.
-- name: ProductPricesDeleteExcept :exec
DELETE FROM product_prices WHERE sku = @sku AND NOT (currency = ANY(@keep_currencies::text[]));

-- ProductPricesUpsert writes all prices in one statement; the arrays are parallel.
-- name: ProductPricesUpsert :exec
INSERT INTO product_prices (sku, currency, unit_price)
SELECT @sku::text, unnest(@currencies::text[]), unnest(@unit_prices::bigint[])
ON CONFLICT (sku, currency) DO UPDATE SET unit_price = excluded.unit_price;

-- name: ProductPrices :many
SELECT * FROM product_prices WHERE sku = $1 ORDER BY currency;

-- name: StockGetForUpdate :one
SELECT * FROM stock WHERE sku = $1 FOR UPDATE;

-- name: StockPut :one
INSERT INTO stock (sku, on_hand) VALUES (@sku, @on_hand)
ON CONFLICT (sku) DO UPDATE SET on_hand = excluded.on_hand
RETURNING *;

-- name: ShippingMethodPut :one
INSERT INTO shipping_methods (code, name, currency, base_amount, per_kg_amount, free_above)
VALUES (@code, @name, @currency, @base_amount, @per_kg_amount, @free_above)
ON CONFLICT (code) DO UPDATE SET name = excluded.name, currency = excluded.currency,
    base_amount = excluded.base_amount, per_kg_amount = excluded.per_kg_amount, free_above = excluded.free_above
RETURNING *;

-- name: TaxRatePut :one
INSERT INTO tax_rates (country, rate_bp) VALUES (@country, @rate_bp)
ON CONFLICT (country) DO UPDATE SET rate_bp = excluded.rate_bp
RETURNING *;
