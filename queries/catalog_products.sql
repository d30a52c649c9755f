-- name: CatalogProductCreate :one
INSERT INTO catalog_products (id, handle, name, description, category, options, attributes)
VALUES (@id, @handle, @name, @description, @category, @options, @attributes)
RETURNING *;

-- name: CatalogProductUpdate :one
UPDATE catalog_products
SET handle = @handle, name = @name, description = @description, category = @category,
    options = @options, attributes = @attributes, updated_at = now()
WHERE id = @id
RETURNING *;

-- name: CatalogProductGet :one
SELECT * FROM catalog_products WHERE id = $1;

-- name: CatalogProductGetByHandle :one
SELECT * FROM catalog_products WHERE handle = $1;

-- name: CatalogProductLock :one
SELECT * FROM catalog_products WHERE id = $1 FOR UPDATE;

-- CatalogProductListVisible pages through the catalog products a company may
-- see (all of them, or its assortment's), by handle, filtered: category ('':
-- any), search (a regular expression on the lower-cased search text, '':
-- none: commerce.ParseSearch) and attributes (a JSON object every match
-- contains, served by the GIN index). A search with words is
-- CatalogProductSearchVisible, a numeric range filter
-- CatalogProductListVisibleInRange.
-- name: CatalogProductListVisible :many
SELECT p.* FROM catalog_products p
WHERE p.handle > @after_handle::text
  AND (@category::text = '' OR p.category = @category::text)
  AND (@search::text = '' OR p.search_text ~ @search::text)
  AND (@attributes::jsonb = '{}'::jsonb OR p.attributes @> @attributes::jsonb)
  AND (sqlc.narg(assortment_id)::uuid IS NULL OR p.id IN (
        SELECT ap.product_id FROM assortment_products ap WHERE ap.assortment_id = sqlc.narg(assortment_id)::uuid))
ORDER BY p.handle
LIMIT @row_limit;

-- CatalogProductSearchVisible is CatalogProductListVisible for a search by
-- up to three words (commerce.ParseSearch: its longest words; a query of one
-- or two words repeats the first): each word is a prefix of a word of the
-- product (catalog_search_prefixes, migration 0024), whose entries of one
-- prefix are in handle order, so the planner walks the first word's entries
-- from the cursor and merges or probes the others', and reads a product row
-- only for a handle that has every word. The pattern then checks the whole
-- query, and the other filters apply as in CatalogProductListVisible. The
-- pattern is regexp_like(), not ~: the same match, but one the planner does
-- not try to serve from the trigram index (deriving its conditions from the
-- pattern at every planning), which the words have made pointless here.
-- name: CatalogProductSearchVisible :many
SELECT p.* FROM catalog_search_prefixes a
JOIN catalog_search_prefixes b ON b.handle = a.handle AND b.prefix = @word2::text AND b.handle > @after_handle::text
JOIN catalog_search_prefixes c ON c.handle = a.handle AND c.prefix = @word3::text AND c.handle > @after_handle::text
JOIN catalog_products p ON p.handle = a.handle
WHERE a.prefix = @word1::text AND a.handle > @after_handle::text
  AND regexp_like(p.search_text, @search::text)
  AND (@category::text = '' OR p.category = @category::text)
  AND (@attributes::jsonb = '{}'::jsonb OR p.attributes @> @attributes::jsonb)
  AND (sqlc.narg(assortment_id)::uuid IS NULL OR p.id IN (
        SELECT ap.product_id FROM assortment_products ap WHERE ap.assortment_id = sqlc.narg(assortment_id)::uuid))
ORDER BY a.handle
LIMIT @row_limit;

-- CatalogProductListVisibleInRange is CatalogProductListVisible with one
-- numeric range (a number attribute's value from range_min to range_max),
-- read from the attribute's range rows in handle order
-- (catalog_product_numbers_handle, migration 0025): the planner walks them
-- from the cursor, tests each value in the index and reads a product row
-- only for a value in range (a range most products match), or reads a
-- narrow range's rows by value and sorts the few matches. A product has one
-- value per attribute name, so the join adds no rows.
-- name: CatalogProductListVisibleInRange :many
SELECT p.* FROM catalog_product_numbers n
JOIN catalog_products p ON p.id = n.product_id
WHERE n.name = @range_name::text AND n.handle > @after_handle::text
  AND n.value >= @range_min::numeric AND n.value <= @range_max::numeric
  AND (@category::text = '' OR p.category = @category::text)
  AND (@search::text = '' OR p.search_text ~ @search::text)
  AND (@attributes::jsonb = '{}'::jsonb OR p.attributes @> @attributes::jsonb)
  AND (sqlc.narg(assortment_id)::uuid IS NULL OR p.id IN (
        SELECT ap.product_id FROM assortment_products ap WHERE ap.assortment_id = sqlc.narg(assortment_id)::uuid))
ORDER BY n.handle
LIMIT @row_limit;

-- CatalogVariantListByProducts returns the variants of a page of products in
-- one query, each with its base price in one currency (priced false: none)
-- and the units available.
-- name: CatalogVariantListByProducts :many
SELECT v.product_id, v.sku, v.name, v.option_values, v.unit, v.pack_size, v.weight_grams, v.position,
       COALESCE(pp.unit_price, 0)::bigint AS base_price, (pp.sku IS NOT NULL)::boolean AS priced,
       COALESCE(a.available, 0)::bigint AS available
FROM products v
LEFT JOIN product_prices pp ON pp.sku = v.sku AND pp.currency = @currency
LEFT JOIN sku_availability a ON a.sku = v.sku
WHERE v.product_id = ANY(@product_ids::uuid[])
ORDER BY v.product_id, v.position, v.sku;

-- CatalogVariantListForAdmin returns a product's variants with their stock,
-- as ops see them: on hand at the default location (what a product's PUT
-- sets as on_hand) and available over every location (what buyers may draw
-- on), one row per variant however many locations stock it, and its prices
-- by currency, so that a product of many variants is one query.
-- name: CatalogVariantListForAdmin :many
SELECT v.sku, v.name, v.option_values, v.unit, v.pack_size, v.weight_grams, v.position,
       COALESCE(s.on_hand, 0)::bigint AS on_hand, COALESCE(a.available, 0)::bigint AS available,
       (SELECT COALESCE(jsonb_object_agg(pp.currency, pp.unit_price), '{}'::jsonb)
        FROM product_prices pp WHERE pp.sku = v.sku)::jsonb AS prices
FROM products v
LEFT JOIN (stock s JOIN stock_locations l ON l.id = s.location_id AND l.is_default) ON s.sku = v.sku
LEFT JOIN sku_availability a ON a.sku = v.sku
WHERE v.product_id = @product_id
ORDER BY v.position, v.sku;

-- CatalogVariantPut creates a variant of a product or updates one it has. No
-- row back: the SKU is another product's variant.
-- name: CatalogVariantPut :one
INSERT INTO products (sku, name, weight_grams, product_id, option_values, unit, pack_size, position)
VALUES (@sku, @name, @weight_grams, @product_id, @option_values, @unit, @pack_size, @position)
ON CONFLICT (sku) DO UPDATE
SET name = excluded.name, weight_grams = excluded.weight_grams, option_values = excluded.option_values,
    unit = excluded.unit, pack_size = excluded.pack_size, position = excluded.position
WHERE products.product_id = excluded.product_id
RETURNING *;

-- name: CatalogVariantListSKUsByProduct :many
SELECT sku FROM products WHERE product_id = $1 ORDER BY sku;

-- name: CatalogProductNumberDeleteByProduct :exec
DELETE FROM catalog_product_numbers WHERE product_id = $1;

-- CatalogProductNumberCreateFromAttributes writes the range-filter rows of a
-- product from its number attributes.
-- name: CatalogProductNumberCreateFromAttributes :exec
INSERT INTO catalog_product_numbers (name, value, product_id, handle)
SELECT e.key, (e.value #>> '{}')::numeric, p.id, p.handle
FROM catalog_products p, jsonb_each(p.attributes) e
WHERE p.id = @product_id AND jsonb_typeof(e.value) = 'number';

-- CatalogAttributeCreateMany records the kind of attributes not seen before;
-- the kind of a known one stays.
-- name: CatalogAttributeCreateMany :exec
INSERT INTO catalog_attributes (name, kind)
SELECT unnest(@names::text[]), unnest(@kinds::text[])
ON CONFLICT (name) DO NOTHING;

-- name: CatalogAttributeListByNames :many
SELECT * FROM catalog_attributes WHERE name = ANY(@names::text[]) ORDER BY name;

-- name: CatalogProductListIDsByHandles :many
SELECT id, handle FROM catalog_products WHERE handle = ANY(@handles::text[]);

-- name: CatalogProductIDBySKU :one
SELECT product_id FROM products WHERE sku = $1;

-- name: CatalogProductVisible :one
SELECT catalog_product_visible(@company_id::uuid, @product_id::uuid)::boolean AS visible;
