-- ProductPut creates or updates a SKU. A new SKU becomes the one variant of a
-- catalog product of its own, with the SKU as its handle; an existing one stays
-- where it is. A handle already taken by another product leaves product_id
-- NULL: a not-null violation.
-- name: ProductPut :one
WITH parent AS (
  INSERT INTO catalog_products (id, handle, name)
  SELECT gen_random_uuid(), @sku, @name
  WHERE NOT EXISTS (SELECT 1 FROM products WHERE sku = @sku)
  ON CONFLICT (handle) DO NOTHING
  RETURNING id
)
INSERT INTO products (sku, name, weight_grams, product_id)
VALUES (@sku, @name, @weight_grams,
        COALESCE((SELECT id FROM parent), (SELECT product_id FROM products WHERE sku = @sku)))
ON CONFLICT (sku) DO UPDATE SET name = excluded.name, weight_grams = excluded.weight_grams
RETURNING *;

-- ProductListPricedBySKUs returns the named SKUs the company may see (its
-- assortment) with their price in one currency (NULL when the product has no
-- price there), the units available to reserve, and the SKU's quantity rule
-- and the company's own (NULL where there is none; both by primary key, so
-- every reader of the catalogue has the rules without a statement of its own).
-- A SKU outside the company's assortment is absent, as an unknown one.
-- name: ProductListPricedBySKUs :many
SELECT p.sku, p.name, COALESCE(pp.unit_price, 0)::bigint AS unit_price, (pp.sku IS NOT NULL)::boolean AS priced,
       COALESCE(a.available, 0)::bigint AS available, p.weight_grams,
       d.min_quantity AS sku_min_quantity, d.increment AS sku_increment, d.max_quantity AS sku_max_quantity,
       c.min_quantity AS company_min_quantity, c.increment AS company_increment, c.max_quantity AS company_max_quantity
FROM products p
LEFT JOIN product_prices pp ON pp.sku = p.sku AND pp.currency = @currency
LEFT JOIN sku_availability a ON a.sku = p.sku
LEFT JOIN quantity_rules d ON d.sku = p.sku
LEFT JOIN company_quantity_rules c ON c.company_id = @company_id::uuid AND c.sku = p.sku
WHERE p.sku = ANY(@skus::text[]) AND catalog_product_visible(@company_id::uuid, p.product_id)
ORDER BY p.sku;

-- ProductListPriced pages through the catalogue's SKUs that have a price in
-- one currency and the company may see, by SKU. The joins repeat the cursor
-- (pp.sku and a.sku > after_sku follow from the joins, but Postgres carries
-- only equalities over to the other side): without it, a merge join read the
-- prices or the stock from the first SKU up to the page, half of 100,000 rows
-- for a page half-way through.
-- name: ProductListPriced :many
SELECT p.sku, p.name, pp.unit_price,
       COALESCE(a.available, 0)::bigint AS available
FROM products p
JOIN product_prices pp ON pp.sku = p.sku AND pp.currency = @currency AND pp.sku > @after_sku
LEFT JOIN sku_availability a ON a.sku = p.sku AND a.sku > @after_sku
WHERE p.sku > @after_sku AND catalog_product_visible(@company_id::uuid, p.product_id)
ORDER BY p.sku
LIMIT @row_limit;

-- ProductListExistingSKUs returns which of the given SKUs the catalogue has.
-- name: ProductListExistingSKUs :many
SELECT sku FROM products WHERE sku = ANY(@skus::text[]);

-- ProductListVisibleSKUs returns which of the given SKUs a company may see
-- and buy: the catalogue's, within its assortment when it has one (one
-- outside it is absent, as an unknown one).
-- name: ProductListVisibleSKUs :many
SELECT p.sku FROM products p
WHERE p.sku = ANY(@skus::text[]) AND catalog_product_visible(@company_id::uuid, p.product_id);

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
-- one currency: name, base price (when priced there) and cost price. SKUs
-- outside the company's assortment are absent, as unknown ones.
-- name: ProductListForQuote :many
SELECT p.sku, p.name, COALESCE(pp.unit_price, 0)::bigint AS unit_price, (pp.sku IS NOT NULL)::boolean AS priced,
       pp.cost_price
FROM products p
LEFT JOIN product_prices pp ON pp.sku = p.sku AND pp.currency = @currency
WHERE p.sku = ANY(@skus::text[]) AND catalog_product_visible(@company_id::uuid, p.product_id)
ORDER BY p.sku;

-- ProductPriceUpdateCost sets (or, with NULL, forgets) what a unit costs us in
-- one currency the product has a price in.
-- name: ProductPriceUpdateCost :execrows
UPDATE product_prices SET cost_price = $3 WHERE sku = $1 AND currency = $2;
