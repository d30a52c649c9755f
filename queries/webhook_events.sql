-- WebhookEventCreate records an event as pending. A no-op (no row) when the
-- integration already has an event with this event ID: a replay, concurrent or
-- not, is recorded once.
-- name: WebhookEventCreate :one
INSERT INTO webhook_events (id, integration_id, event_id, type, order_id, payload)
VALUES (@id, @integration_id, @event_id, @type, @order_id, @payload)
ON CONFLICT (integration_id, event_id) DO NOTHING
RETURNING *;

-- WebhookEventGetByEventID finds the event an integration posted with this
-- event ID (the first of a replay).
-- name: WebhookEventGetByEventID :one
SELECT * FROM webhook_events WHERE integration_id = @integration_id AND event_id = @event_id;

-- WebhookEventSettle records what became of a pending event's delivery:
-- delivered (with the time), unmatched or rejected, or still pending with the
-- error of the failed attempt. An event no longer pending is left alone (no
-- row).
-- name: WebhookEventSettle :one
UPDATE webhook_events
SET status = @status,
    delivered_at = CASE WHEN @status = 'delivered' THEN now() END,
    error = @error
WHERE id = @id AND status = 'pending'
RETURNING *;

-- WebhookEventList pages through events, oldest first, with their
-- integration's name; status and integration_id filter when given.
-- name: WebhookEventList :many
SELECT e.*, i.name AS integration_name
FROM webhook_events e
JOIN integrations i ON i.id = e.integration_id
WHERE (sqlc.narg(status)::text IS NULL OR e.status = sqlc.narg(status)::text)
  AND (sqlc.narg(integration_id)::uuid IS NULL OR e.integration_id = sqlc.narg(integration_id)::uuid)
  AND (e.received_at, e.id) > (@after_received_at::timestamptz, @after_id::uuid)
ORDER BY e.received_at, e.id
LIMIT @row_limit;
