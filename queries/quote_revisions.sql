-- QuoteRevisionPut saves a draft revision: a new one, or the draft (or the
-- revision a manager sent back) with the same number again. A sent revision is
-- never overwritten: the WHERE leaves it as it is, and no row comes back.
-- name: QuoteRevisionPut :execrows
INSERT INTO quote_revisions (quote_id, revision, status, author_id, author_role, currency, shipping, subtotal, total,
                             valid_days, note, needs_manager, authority_reasons)
VALUES (@quote_id, @revision, 'draft', @author_id, @author_role, @currency, @shipping, @subtotal, @total,
        @valid_days, @note, @needs_manager, @authority_reasons)
ON CONFLICT (quote_id, revision) DO UPDATE SET
    status = 'draft', author_id = excluded.author_id, author_role = excluded.author_role,
    shipping = excluded.shipping, subtotal = excluded.subtotal, total = excluded.total,
    valid_days = excluded.valid_days, note = excluded.note, needs_manager = excluded.needs_manager,
    authority_reasons = excluded.authority_reasons, decided_by = NULL, decision_comment = '', updated_at = now()
WHERE quote_revisions.status <> 'sent';

-- name: QuoteRevisionGet :one
SELECT * FROM quote_revisions WHERE quote_id = $1 AND revision = $2;

-- name: QuoteRevisionListByQuote :many
SELECT * FROM quote_revisions WHERE quote_id = $1 ORDER BY revision;

-- QuoteRevisionAwaitManager marks the draft as waiting for a sales manager.
-- name: QuoteRevisionAwaitManager :execrows
UPDATE quote_revisions SET status = 'awaiting_manager', updated_at = now()
WHERE quote_id = $1 AND revision = $2 AND status = 'draft';

-- QuoteRevisionDecide records a manager's decision; a rejected revision goes
-- back to draft.
-- name: QuoteRevisionDecide :execrows
UPDATE quote_revisions SET status = CASE WHEN @approve::boolean THEN status ELSE 'draft' END,
                           decided_by = @decided_by, decision_comment = @decision_comment, updated_at = now()
WHERE quote_id = @quote_id AND revision = @revision AND status = 'awaiting_manager';

-- QuoteRevisionSend makes the revision immutable and records until when it holds.
-- name: QuoteRevisionSend :execrows
UPDATE quote_revisions SET status = 'sent', sent_at = @sent_at, valid_until = @valid_until, updated_at = now()
WHERE quote_id = @quote_id AND revision = @revision AND status <> 'sent';

-- name: QuoteRevisionUpdateValidity :exec
UPDATE quote_revisions SET valid_until = $3, updated_at = now() WHERE quote_id = $1 AND revision = $2;

-- name: QuoteRevisionLineDeleteByRevision :exec
DELETE FROM quote_revision_lines WHERE quote_id = $1 AND revision = $2;

-- QuoteRevisionLineCreateMany writes all of a revision's lines in one
-- statement; the arrays are parallel.
-- name: QuoteRevisionLineCreateMany :exec
INSERT INTO quote_revision_lines (quote_id, revision, line_no, sku, name, quantity, list_unit_price, unit_price,
                                  cost_price, line_total)
SELECT @quote_id::uuid, @revision::integer, unnest(@line_nos::integer[]), unnest(@skus::text[]),
       unnest(@names::text[]), unnest(@quantities::integer[]), unnest(@list_unit_prices::bigint[]),
       unnest(@unit_prices::bigint[]), NULLIF(unnest(@cost_prices::bigint[]), -1), unnest(@line_totals::bigint[]);

-- name: QuoteRevisionLineListByQuote :many
SELECT * FROM quote_revision_lines WHERE quote_id = $1 ORDER BY revision, line_no;

-- name: QuoteRevisionLineListByRevision :many
SELECT * FROM quote_revision_lines WHERE quote_id = $1 AND revision = $2 ORDER BY line_no;
