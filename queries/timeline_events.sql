-- TimelineEventCreate records an event once per dedup key, so a retried
-- activity records it once.
-- name: TimelineEventCreate :execrows
INSERT INTO timeline_events (cart_id, order_id, kind, actor, detail, dedup_key)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (dedup_key) DO NOTHING;

-- name: TimelineEventListByCart :many
SELECT * FROM timeline_events WHERE cart_id = $1 ORDER BY occurred_at, id;
