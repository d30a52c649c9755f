-- ApprovalRequestCreate is a no-op when the checkout attempt already has its
-- request, so a retried activity creates it once.
-- name: ApprovalRequestCreate :exec
INSERT INTO approval_requests (cart_id, attempt, company_id, customer_id, required_role, reasons, buyer_reasons, total, currency, deadline)
VALUES (@cart_id, @attempt, @company_id, @customer_id, @required_role, @reasons, @buyer_reasons, @total, @currency, @deadline)
ON CONFLICT (cart_id, attempt) DO NOTHING;

-- name: ApprovalRequestGet :one
SELECT * FROM approval_requests WHERE cart_id = $1 AND attempt = $2;

-- name: ApprovalRequestGetLatestByCart :one
SELECT * FROM approval_requests WHERE cart_id = $1 ORDER BY attempt DESC LIMIT 1;

-- ApprovalRequestListPending lists what waits in a company, oldest first, for a
-- decider with the given roles; nobody is offered their own order.
-- name: ApprovalRequestListPending :many
SELECT ar.*, c.name AS buyer_name
FROM approval_requests ar
JOIN customers c ON c.id = ar.customer_id
WHERE ar.company_id = @company_id AND ar.status = 'pending'
  AND ar.required_role = ANY(@roles::text[])
  AND ar.customer_id <> @decider_id
  AND (ar.created_at, ar.cart_id) > (@after_created_at::timestamptz, @after_cart_id::uuid)
ORDER BY ar.created_at, ar.cart_id
LIMIT @row_limit;

-- ApprovalRequestClose records the decision on a pending request; a request
-- already decided is left as it is (no row changed).
-- name: ApprovalRequestClose :execrows
UPDATE approval_requests SET status = @status, decided_by = @decided_by, decided_at = now(), comment = @comment
WHERE cart_id = @cart_id AND attempt = @attempt AND status = 'pending';

-- ApprovalRequestCountPending counts the checkouts waiting for an approver
-- and how long the oldest has waited, in seconds (0 when none): for the
-- metrics, at each scrape, from the pending requests' partial index.
-- name: ApprovalRequestCountPending :one
SELECT count(*)::bigint AS waiting,
       COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS oldest_seconds
FROM approval_requests
WHERE status = 'pending';
