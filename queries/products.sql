-- name: ProductPut :one
INSERT INTO products (sku, name, weight_grams) VALUES (@sku, @name, @weight_grams)
ON CONFLICT (sku) DO UPDATE SET name = excluded.name, weight_grams = excluded.weight_grams
RETURNING *;

-- ProductListPricedBySKUs returns the named SKUs with their price in one
-- currency (NULL when the product has no price there) and the units available
-- to reserve.
-- name: ProductListPricedBySKUs :many
SELECT p.sku, p.name, COALESCE(pp.unit_price, 0)::bigint AS unit_price, (pp.sku IS NOT NULL)::boolean AS priced,
       COALESCE(s.on_hand - s.reserved, 0)::bigint AS available, p.weight_grams
FROM products p
LEFT JOIN product_prices pp ON pp.sku = p.sku AND pp.currency = @currency
LEFT JOIN stock s ON s.sku = p.sku
WHERE p.sku = ANY(@skus::text[])
ORDER BY p.sku;

-- ProductListPriced pages through the catalogue's products that have a price in
-- one currency, by SKU. The joins repeat the cursor (pp.sku and s.sku >
-- after_sku follow from the joins, but Postgres carries only equalities over
-- to the other side): without it, a merge join read the prices or the stock
-- from the first SKU up to the page, half of 100,000 rows for a page half-way
-- through.
-- name: ProductListPriced :many
SELECT p.sku, p.name, pp.unit_price,
       COALESCE(s.on_hand - s.reserved, 0)::bigint AS available
FROM products p
JOIN product_prices pp ON pp.sku = p.sku AND pp.currency = @currency AND pp.sku > @after_sku
LEFT JOIN stock s ON s.sku = p.sku AND s.sku > @after_sku
WHERE p.sku > @after_sku
ORDER BY p.sku
LIMIT @row_limit;

-- ProductListExistingSKUs returns which of the given SKUs the catalogue has.
-- name: ProductListExistingSKUs :many
SELECT sku FROM products WHERE sku = ANY(@skus::text[]);

-- ProductPricePutMany writes all of a product's prices in one statement; the
-- arrays are parallel.
-- name: ProductPricePutMany :exec
INSERT INTO product_prices (sku, currency, unit_price)
SELECT @sku::text, unnest(@currencies::text[]), unnest(@unit_prices::bigint[])
ON CONFLICT (sku, currency) DO UPDATE SET unit_price = excluded.unit_price;

-- name: ProductPriceListBySKU :many
SELECT * FROM product_prices WHERE sku = $1 ORDER BY currency;

-- ProductPriceDeleteOtherCurrencies drops the product's prices in every other
-- currency, so that a PUT leaves exactly the prices it names.
-- name: ProductPriceDeleteOtherCurrencies :exec
DELETE FROM product_prices WHERE sku = @sku AND NOT (currency = ANY(@keep_currencies::text[]));

-- ProductListForQuote returns what a quote revision needs of the named SKUs in
-- one currency: name, base price (when priced there) and cost price.
-- name: ProductListForQuote :many
SELECT p.sku, p.name, COALESCE(pp.unit_price, 0)::bigint AS unit_price, (pp.sku IS NOT NULL)::boolean AS priced,
       pp.cost_price
FROM products p
LEFT JOIN product_prices pp ON pp.sku = p.sku AND pp.currency = @currency
WHERE p.sku = ANY(@skus::text[])
ORDER BY p.sku;

-- ProductPriceUpdateCost sets (or, with NULL, forgets) what a unit costs us in
-- one currency the product has a price in.
-- name: ProductPriceUpdateCost :execrows
UPDATE product_prices SET cost_price = $3 WHERE sku = $1 AND currency = $2;
