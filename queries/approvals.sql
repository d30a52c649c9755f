-- name: ApprovalRulesForCompany :many
SELECT * FROM approval_rules WHERE company_id = $1 ORDER BY created_at, id;

-- name: ApprovalRequestInsert :exec
INSERT INTO approval_requests (cart_id, attempt, company_id, customer_id, required_role, reasons, total, currency, deadline)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (cart_id, attempt) DO NOTHING;

-- name: ApprovalRequestClose :execrows
UPDATE approval_requests SET status = @status, decided_by = @decided_by, decided_at = now(), comment = @comment
WHERE cart_id = @cart_id AND attempt = @attempt AND status = 'pending';

-- name: ApprovalRequestGet :one
SELECT * FROM approval_requests WHERE cart_id = $1 AND attempt = $2;

-- name: ApprovalRequestLatest :one
SELECT * FROM approval_requests WHERE cart_id = $1 ORDER BY attempt DESC LIMIT 1;

-- ApprovalRequestsPending lists what waits in a company, oldest first, for a
-- decider with the given roles; nobody is offered their own order.
-- name: ApprovalRequestsPending :many
SELECT ar.*, c.name AS buyer_name
FROM approval_requests ar
JOIN customers c ON c.id = ar.customer_id
WHERE ar.company_id = @company_id AND ar.status = 'pending'
  AND ar.required_role = ANY(@roles::text[])
  AND ar.customer_id <> @decider_id
  AND (ar.created_at, ar.cart_id) > (@after_created_at::timestamptz, @after_cart_id::uuid)
ORDER BY ar.created_at, ar.cart_id
LIMIT @row_limit;

-- name: NotificationInsert :exec
INSERT INTO notification_outbox (dedup_key, kind, company_id, customer_id, to_role, subject, body)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (dedup_key) DO NOTHING;

-- name: NotificationsForCompany :many
SELECT * FROM notification_outbox WHERE company_id = $1 ORDER BY id;
