-- QuantityRulePut creates or replaces a SKU's quantity rule (for every company).
-- name: QuantityRulePut :one
INSERT INTO quantity_rules (sku, min_quantity, increment, max_quantity)
VALUES (@sku, @min_quantity, @increment, sqlc.narg(max_quantity))
ON CONFLICT (sku) DO UPDATE SET min_quantity = excluded.min_quantity, increment = excluded.increment,
    max_quantity = excluded.max_quantity, updated_at = now()
RETURNING *;

-- name: QuantityRuleGet :one
SELECT * FROM quantity_rules WHERE sku = $1;

-- name: QuantityRuleDelete :execrows
DELETE FROM quantity_rules WHERE sku = $1;

-- QuantityRulePutForCompany creates or replaces a company's own quantity rule
-- for a SKU, which replaces the SKU's rule for that company.
-- name: QuantityRulePutForCompany :one
INSERT INTO company_quantity_rules (company_id, sku, min_quantity, increment, max_quantity)
VALUES (@company_id, @sku, @min_quantity, @increment, sqlc.narg(max_quantity))
ON CONFLICT (company_id, sku) DO UPDATE SET min_quantity = excluded.min_quantity, increment = excluded.increment,
    max_quantity = excluded.max_quantity, updated_at = now()
RETURNING *;

-- name: QuantityRuleGetForCompany :one
SELECT * FROM company_quantity_rules WHERE company_id = $1 AND sku = $2;

-- name: QuantityRuleDeleteForCompany :execrows
DELETE FROM company_quantity_rules WHERE company_id = $1 AND sku = $2;

-- QuantityRuleListForCompany returns, for each of the named SKUs that has
-- one, the SKU's rule and the company's own rule (its columns NULL where
-- there is none); commerce.EffectiveQuantityRule picks the one that applies.
-- Both lookups are by primary key.
-- name: QuantityRuleListForCompany :many
SELECT s.sku::text AS sku,
       d.min_quantity AS sku_min_quantity, d.increment AS sku_increment, d.max_quantity AS sku_max_quantity,
       c.min_quantity AS company_min_quantity, c.increment AS company_increment, c.max_quantity AS company_max_quantity
FROM unnest(@skus::text[]) AS s (sku)
LEFT JOIN quantity_rules d ON d.sku = s.sku
LEFT JOIN company_quantity_rules c ON c.company_id = @company_id AND c.sku = s.sku
WHERE d.sku IS NOT NULL OR c.sku IS NOT NULL;
