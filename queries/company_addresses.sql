-- name: CompanyAddressCreate :one
INSERT INTO company_addresses (id, company_id, label, name, line1, line2, city, postal_code, country,
                               default_ship_to, default_bill_to)
VALUES (@id, @company_id, @label, @name, @line1, @line2, @city, @postal_code, @country,
        @default_ship_to, @default_bill_to)
RETURNING *;

-- CompanyAddressGetInCompany: an address of the caller's company; another
-- company's is not found.
-- name: CompanyAddressGetInCompany :one
SELECT * FROM company_addresses WHERE id = @id AND company_id = @company_id;

-- CompanyAddressLockInCompany locks an address of the company for a change.
-- name: CompanyAddressLockInCompany :one
SELECT * FROM company_addresses WHERE id = @id AND company_id = @company_id FOR UPDATE;

-- name: CompanyAddressListByCompany :many
SELECT * FROM company_addresses
WHERE company_id = @company_id
  AND (created_at, id) > (@after_created_at::timestamptz, @after_id::uuid)
ORDER BY created_at, id
LIMIT @row_limit;

-- name: CompanyAddressUpdate :one
UPDATE company_addresses
SET label = @label, name = @name, line1 = @line1, line2 = @line2, city = @city, postal_code = @postal_code,
    country = @country, default_ship_to = @default_ship_to, default_bill_to = @default_bill_to, updated_at = now()
WHERE id = @id
RETURNING *;

-- CompanyAddressUpdateClearDefaults takes the default ship-to (clear_ship_to)
-- and the default bill-to (clear_bill_to) off the company's other addresses,
-- before keep_id becomes the default.
-- name: CompanyAddressUpdateClearDefaults :exec
UPDATE company_addresses
SET default_ship_to = default_ship_to AND NOT @clear_ship_to::boolean,
    default_bill_to = default_bill_to AND NOT @clear_bill_to::boolean,
    updated_at = now()
WHERE company_id = @company_id AND id <> @keep_id
  AND ((default_ship_to AND @clear_ship_to::boolean) OR (default_bill_to AND @clear_bill_to::boolean));

-- name: CompanyAddressDelete :execrows
DELETE FROM company_addresses WHERE id = @id AND company_id = @company_id;

-- CompanyAddressPut creates the address, or puts it back as given, by its ID
-- (the demo's addresses). The caller takes a default it sets off the
-- company's other addresses first (CompanyAddressUpdateClearDefaults).
-- name: CompanyAddressPut :one
INSERT INTO company_addresses (id, company_id, label, name, line1, line2, city, postal_code, country,
                               default_ship_to, default_bill_to)
VALUES (@id, @company_id, @label, @name, @line1, @line2, @city, @postal_code, @country,
        @default_ship_to, @default_bill_to)
ON CONFLICT (id) DO UPDATE
SET label = excluded.label, name = excluded.name, line1 = excluded.line1, line2 = excluded.line2, city = excluded.city,
    postal_code = excluded.postal_code, country = excluded.country, default_ship_to = excluded.default_ship_to,
    default_bill_to = excluded.default_bill_to, updated_at = now()
RETURNING *;
