-- name: ProductUpsert :exec
INSERT INTO products (sku, name) VALUES ($1, $2)
ON CONFLICT (sku) DO UPDATE SET name = excluded.name;

-- name: ProductPriceUpsert :exec
INSERT INTO product_prices (sku, currency, unit_price) VALUES ($1, $2, $3)
ON CONFLICT (sku, currency) DO UPDATE SET unit_price = excluded.unit_price;

-- ProductsPriced returns the named SKUs with their price in one currency (NULL when
-- the product has no price there) and the units available to reserve.
-- name: ProductsPriced :many
SELECT p.sku, p.name, COALESCE(pp.unit_price, 0)::bigint AS unit_price, (pp.sku IS NOT NULL)::boolean AS priced,
       COALESCE(s.on_hand - s.reserved, 0)::bigint AS available, p.weight_grams
FROM products p
LEFT JOIN product_prices pp ON pp.sku = p.sku AND pp.currency = @currency
LEFT JOIN stock s ON s.sku = p.sku
WHERE p.sku = ANY(@skus::text[])
ORDER BY p.sku;

-- name: ProductListPriced :many
SELECT p.sku, p.name, pp.unit_price,
       COALESCE(s.on_hand - s.reserved, 0)::bigint AS available
FROM products p
JOIN product_prices pp ON pp.sku = p.sku AND pp.currency = @currency
LEFT JOIN stock s ON s.sku = p.sku
WHERE p.sku > @after_sku
ORDER BY p.sku
LIMIT @row_limit;
