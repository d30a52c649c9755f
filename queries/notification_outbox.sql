-- NotificationCreate queues a notification once per dedup key, so a retried
-- activity sends it once.
-- name: NotificationCreate :exec
INSERT INTO notification_outbox (dedup_key, kind, company_id, customer_id, staff_id, to_role, subject, body)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (dedup_key) DO NOTHING;

-- name: NotificationListByCompany :many
SELECT * FROM notification_outbox WHERE company_id = $1 ORDER BY id;
