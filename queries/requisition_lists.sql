-- name: RequisitionListCreate :one
INSERT INTO requisition_lists (id, company_id, created_by, name, description)
VALUES (@id, @company_id, @created_by, @name, @description)
RETURNING *;

-- RequisitionListGetInCompany: a list of the caller's company; another
-- company's is not found.
-- name: RequisitionListGetInCompany :one
SELECT * FROM requisition_lists WHERE id = @id AND company_id = @company_id;

-- RequisitionListLockInCompany locks a list of the company for a change of it
-- or its lines, so concurrent changes of one list are serialised.
-- name: RequisitionListLockInCompany :one
SELECT * FROM requisition_lists WHERE id = @id AND company_id = @company_id FOR UPDATE;

-- RequisitionListListByCompany pages through the company's lists, oldest
-- first, with how many lines each has.
-- name: RequisitionListListByCompany :many
SELECT sqlc.embed(requisition_lists),
       (SELECT count(*) FROM requisition_list_lines l WHERE l.list_id = requisition_lists.id)::bigint AS line_count
FROM requisition_lists
WHERE company_id = @company_id
  AND (created_at, id) > (@after_created_at::timestamptz, @after_id::uuid)
ORDER BY created_at, id
LIMIT @row_limit;

-- name: RequisitionListUpdate :one
UPDATE requisition_lists SET name = @name, description = @description, updated_at = now()
WHERE id = @id
RETURNING *;

-- RequisitionListUpdateTouch marks a change of the list's lines.
-- name: RequisitionListUpdateTouch :one
UPDATE requisition_lists SET updated_at = now() WHERE id = @id RETURNING *;

-- name: RequisitionListDelete :execrows
DELETE FROM requisition_lists WHERE id = @id;

-- name: RequisitionListLineListByList :many
SELECT * FROM requisition_list_lines WHERE list_id = @list_id ORDER BY added_at, sku;

-- RequisitionListLinePut sets the quantity of the list's line for a SKU,
-- adding the line when the list has none for it.
-- name: RequisitionListLinePut :exec
INSERT INTO requisition_list_lines (list_id, sku, quantity) VALUES (@list_id, @sku, @quantity)
ON CONFLICT (list_id, sku) DO UPDATE SET quantity = excluded.quantity;

-- RequisitionListLineCreateMany writes a new list's lines in one statement;
-- the arrays are parallel.
-- name: RequisitionListLineCreateMany :exec
INSERT INTO requisition_list_lines (list_id, sku, quantity)
SELECT @list_id::uuid, unnest(@skus::text[]), unnest(@quantities::integer[]);

-- name: RequisitionListLineDelete :execrows
DELETE FROM requisition_list_lines WHERE list_id = @list_id AND sku = @sku;

-- name: RequisitionListLineCount :one
SELECT count(*) FROM requisition_list_lines WHERE list_id = @list_id;

-- RequisitionListPut creates the list, or puts its name and description back,
-- by its ID (the demo's lists).
-- name: RequisitionListPut :one
INSERT INTO requisition_lists (id, company_id, created_by, name, description)
VALUES (@id, @company_id, @created_by, @name, @description)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description, updated_at = now()
RETURNING *;

-- name: RequisitionListLineDeleteByList :exec
DELETE FROM requisition_list_lines WHERE list_id = @list_id;
