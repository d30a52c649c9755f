-- name: ErpSyncGet :one
SELECT * FROM erp_syncs WHERE order_id = $1;

-- ErpSyncRecord writes an order's sync status, and counts a new stuck
-- episode when the status turns stuck from anything else, so that a retried
-- activity (stuck → stuck) counts it once. The ERP number is left alone: only
-- ErpSyncMarkSynced writes it.
-- name: ErpSyncRecord :one
INSERT INTO erp_syncs (order_id, status, attempts, last_error, stuck_episodes)
VALUES (@order_id, @status, @attempts, @last_error, CASE WHEN @status::text = 'stuck' THEN 1 ELSE 0 END)
ON CONFLICT (order_id) DO UPDATE
SET status         = excluded.status,
    attempts       = excluded.attempts,
    last_error     = excluded.last_error,
    stuck_episodes = erp_syncs.stuck_episodes
        + CASE WHEN excluded.status = 'stuck' AND erp_syncs.status <> 'stuck' THEN 1 ELSE 0 END,
    updated_at     = now()
RETURNING *;

-- ErpSyncMarkSynced records that the ERP has the order, under its number.
-- name: ErpSyncMarkSynced :exec
INSERT INTO erp_syncs (order_id, status, attempts, erp_number)
VALUES (@order_id, 'synced', @attempts, @erp_number)
ON CONFLICT (order_id) DO UPDATE
SET status     = 'synced',
    attempts   = GREATEST(erp_syncs.attempts, excluded.attempts),
    last_error = '',
    erp_number = excluded.erp_number,
    updated_at = now();

-- ErpSyncCountUnsynced counts the ERP pushes not synced, by status (pending,
-- stuck, cancelled), with the age in seconds of each status's oldest change:
-- for the metrics at each scrape, from the partial index of unsynced pushes.
-- name: ErpSyncCountUnsynced :many
SELECT status, count(*)::bigint AS syncs,
       EXTRACT(EPOCH FROM now() - min(updated_at))::float8 AS oldest_seconds
FROM erp_syncs
WHERE status <> 'synced'
GROUP BY status ORDER BY status;
