-- QuoteCreate records a requested quote once: a retried activity finds it.
-- name: QuoteCreate :execrows
INSERT INTO quotes (id, company_id, customer_id, currency, assignee_id, source_cart_id, message, target_total)
VALUES (@id, @company_id, @customer_id, @currency, @assignee_id, @source_cart_id, @message, @target_total)
ON CONFLICT (id) DO NOTHING;

-- name: QuoteGet :one
SELECT * FROM quotes WHERE id = $1;

-- QuoteGetInCompany scopes a buyer's read to their company (another company's
-- quote is not found); staff read any quote with all_companies.
-- name: QuoteGetInCompany :one
SELECT * FROM quotes WHERE id = @id AND (company_id = @company_id OR @all_companies::boolean);

-- QuoteLock serialises the quote's steps. FOR NO KEY UPDATE, like every lock
-- of a row whose key never changes: it still excludes the other steps and any
-- update of the row, but lets rows that refer to the quote (the buyer's and
-- sales' messages, which the API writes directly) go in meanwhile.
-- name: QuoteLock :one
SELECT * FROM quotes WHERE id = $1 FOR NO KEY UPDATE;

-- QuoteListByCompany pages through a company's quotes, oldest first, optionally
-- of one status.
-- name: QuoteListByCompany :many
SELECT * FROM quotes
WHERE company_id = @company_id
  AND (@status::text = '' OR status = @status)
  AND (created_at, id) > (@after_created_at::timestamptz, @after_id::uuid)
ORDER BY created_at, id
LIMIT @row_limit;

-- QuoteListForSales pages through the quotes sales staff work on, oldest
-- first: a rep sees the quotes assigned to them and the unassigned queue
-- (all_assignees for managers), filtered by status, assignee ('unassigned' for
-- the queue), company and offers expiring before a moment.
-- name: QuoteListForSales :many
SELECT q.*, c.name AS company_name FROM quotes q JOIN companies c ON c.id = q.company_id
WHERE (@all_assignees::boolean OR q.assignee_id = @viewer_id::uuid OR q.assignee_id IS NULL)
  AND (@status::text = '' OR q.status = @status)
  AND (NOT @filter_assignee::boolean OR q.assignee_id IS NOT DISTINCT FROM sqlc.narg(assignee_id)::uuid)
  AND (sqlc.narg(company_id)::uuid IS NULL OR q.company_id = sqlc.narg(company_id)::uuid)
  AND (sqlc.narg(expiring_before)::timestamptz IS NULL
       OR (q.status = 'offered' AND q.valid_until < sqlc.narg(expiring_before)::timestamptz))
  AND (q.created_at, q.id) > (@after_created_at::timestamptz, @after_id::uuid)
ORDER BY q.created_at, q.id
LIMIT @row_limit;

-- QuoteUpdateStatus moves the quote; the workflow decides, this records.
-- name: QuoteUpdateStatus :exec
UPDATE quotes SET status = $2, updated_at = now() WHERE id = $1;

-- name: QuoteUpdateAssignee :exec
UPDATE quotes SET assignee_id = $2, updated_at = now() WHERE id = $1;

-- QuoteOffer records the revision that goes out and until when it holds.
-- name: QuoteOffer :exec
UPDATE quotes SET status = 'offered', offered_revision = @revision, offered_total = @total,
                  valid_until = @valid_until, updated_at = now()
WHERE id = @id;

-- name: QuoteUpdateValidity :exec
UPDATE quotes SET valid_until = $2, updated_at = now() WHERE id = $1;

-- QuoteAccept records the acceptance and the cart that will become the order.
-- name: QuoteAccept :exec
UPDATE quotes SET status = 'accepted', order_cart_id = @order_cart_id,
                  order_failure_code = '', order_failure_reason = '', updated_at = now()
WHERE id = @id;

-- name: QuoteUpdateOrderFailure :exec
UPDATE quotes SET order_failure_code = @failure_code, order_failure_reason = @failure_reason, updated_at = now()
WHERE id = @id;

-- name: QuoteComplete :exec
UPDATE quotes SET status = 'ordered', order_id = @order_id, order_failure_code = '', order_failure_reason = '',
                  updated_at = now()
WHERE id = @id;

-- name: QuoteRequestLineCreateMany :exec
INSERT INTO quote_request_lines (quote_id, line_no, sku, quantity)
SELECT @quote_id::uuid, unnest(@line_nos::integer[]), unnest(@skus::text[]), unnest(@quantities::integer[])
ON CONFLICT DO NOTHING;

-- name: QuoteRequestLineListByQuote :many
SELECT l.*, p.name FROM quote_request_lines l JOIN products p ON p.sku = l.sku
WHERE l.quote_id = $1 ORDER BY l.line_no;

-- QuoteCountByStatus counts quotes by status, for the metrics at each scrape.
-- It reads the whole table: quotes are negotiated by people, thousands a
-- year rather than orders' millions.
-- name: QuoteCountByStatus :many
SELECT status, count(*)::bigint AS quotes FROM quotes GROUP BY status ORDER BY status;
