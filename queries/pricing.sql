-- PriceListTiersForCompany returns every tier of every price list that may apply
-- to the company in one currency: its own lists and its customer group's. The
-- rules in package commerce choose among them.
-- name: PriceListTiersForCompany :many
SELECT pl.id, pl.name, pl.company_id, pl.customer_group, pl.currency, pl.priority,
       pl.valid_from, pl.valid_until, t.sku, t.min_quantity, t.unit_price
FROM price_lists pl
JOIN price_list_tiers t ON t.price_list_id = pl.id
WHERE pl.currency = @currency
  AND (pl.company_id = @company_id OR (@customer_group::text <> '' AND pl.customer_group = @customer_group::text))
  AND t.sku = ANY(@skus::text[])
ORDER BY pl.id, t.sku, t.min_quantity;

-- name: ShippingMethodGet :one
SELECT * FROM shipping_methods WHERE code = $1;

-- name: ShippingMethodList :many
SELECT * FROM shipping_methods WHERE currency = $1 ORDER BY code;

-- name: TaxRateGet :one
SELECT * FROM tax_rates WHERE country = $1;
