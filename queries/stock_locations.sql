-- name: StockLocationCreate :one
INSERT INTO stock_locations (id, code, name, country, region, postal_prefix, priority)
VALUES (@id, @code, @name, @country, @region, @postal_prefix, @priority)
RETURNING *;

-- name: StockLocationGetByCode :one
SELECT * FROM stock_locations WHERE code = $1;

-- name: StockLocationGet :one
SELECT * FROM stock_locations WHERE id = $1;

-- name: StockLocationGetDefault :one
SELECT * FROM stock_locations WHERE is_default;

-- StockLocationList pages through the locations, oldest first.
-- name: StockLocationList :many
SELECT * FROM stock_locations
WHERE (created_at, id) > (@after_at::timestamptz, @after_id::uuid)
ORDER BY created_at, id
LIMIT @row_limit;

-- StockLocationListByCodes returns the named locations (ERP pulls resolve
-- their codes once per page).
-- name: StockLocationListByCodes :many
SELECT * FROM stock_locations WHERE code = ANY(@codes::text[]);

-- StockLocationCreateUnlessExists creates a location unless one has its ID
-- (demo data, seeded at every start).
-- name: StockLocationCreateUnlessExists :exec
INSERT INTO stock_locations (id, code, name, country, region, postal_prefix, priority)
VALUES (@id, @code, @name, @country, @region, @postal_prefix, @priority)
ON CONFLICT (id) DO NOTHING;
