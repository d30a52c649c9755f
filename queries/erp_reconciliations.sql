-- ERP reconciliation runs (erp_reconciliations), their findings
-- (erp_reconciliation_findings), the orders each run has found in the ERP so
-- far (erp_reconciliation_seen), and our orders as a run reads them
-- (ErpReconciliationOrder…).

-- ErpReconciliationCreate begins a run; a no-op when it exists, so a retried
-- start begins it once.
-- name: ErpReconciliationCreate :exec
INSERT INTO erp_reconciliations (id, period_from, period_to, trigger)
VALUES (@id, @period_from, @period_to, @trigger)
ON CONFLICT (id) DO NOTHING;

-- name: ErpReconciliationGet :one
SELECT * FROM erp_reconciliations WHERE id = $1;

-- ErpReconciliationList pages newest first with a keyset cursor (started_at, id).
-- name: ErpReconciliationList :many
SELECT * FROM erp_reconciliations
WHERE (started_at, id) < (@before_started_at::timestamptz, @before_id::uuid)
ORDER BY started_at DESC, id DESC
LIMIT @row_limit;

-- ErpReconciliationComplete ends a running run: its counts per kind come from
-- its findings. No row when it was not running.
-- name: ErpReconciliationComplete :one
UPDATE erp_reconciliations r
SET status              = 'completed',
    erp_orders          = @erp_orders,
    our_orders          = @our_orders,
    missing_in_erp      = (SELECT count(*) FROM erp_reconciliation_findings f WHERE f.reconciliation_id = r.id AND f.kind = 'missing_in_erp'),
    unknown_to_us       = (SELECT count(*) FROM erp_reconciliation_findings f WHERE f.reconciliation_id = r.id AND f.kind = 'unknown_to_us'),
    total_mismatch      = (SELECT count(*) FROM erp_reconciliation_findings f WHERE f.reconciliation_id = r.id AND f.kind = 'total_mismatch'),
    status_mismatch     = (SELECT count(*) FROM erp_reconciliation_findings f WHERE f.reconciliation_id = r.id AND f.kind = 'status_mismatch'),
    erp_number_mismatch = (SELECT count(*) FROM erp_reconciliation_findings f WHERE f.reconciliation_id = r.id AND f.kind = 'erp_number_mismatch'),
    finished_at         = now()
WHERE r.id = @id AND r.status = 'running'
RETURNING *;

-- ErpReconciliationFail ends a running run as failed, saying why.
-- name: ErpReconciliationFail :exec
UPDATE erp_reconciliations SET status = 'failed', error = @error, finished_at = now()
WHERE id = @id AND status = 'running';

-- ErpReconciliationFindingCreate stores a finding; a no-op when the run has
-- it already, so a retried page stores it once.
-- name: ErpReconciliationFindingCreate :exec
INSERT INTO erp_reconciliation_findings (reconciliation_id, kind, order_id, reference, erp_number,
                                         our_total, our_currency, our_status, our_sync_status, our_erp_number,
                                         their_total, their_currency, their_status, repair)
VALUES (@reconciliation_id, @kind, @order_id, @reference, @erp_number,
        @our_total, @our_currency, @our_status, @our_sync_status, @our_erp_number,
        @their_total, @their_currency, @their_status, @repair)
ON CONFLICT (reconciliation_id, kind, reference, erp_number) DO NOTHING;

-- ErpReconciliationFindingList pages a run's findings oldest first with a
-- keyset cursor (created_at, id), of one kind or ('') all.
-- name: ErpReconciliationFindingList :many
SELECT * FROM erp_reconciliation_findings
WHERE reconciliation_id = @reconciliation_id
  AND (@kind::text = '' OR kind = @kind)
  AND (created_at, id) > (@after_created_at::timestamptz, @after_id::uuid)
ORDER BY created_at, id
LIMIT @row_limit;

-- name: ErpReconciliationFindingGet :one
SELECT * FROM erp_reconciliation_findings WHERE id = @id AND reconciliation_id = @reconciliation_id;

-- ErpReconciliationFindingRepair records a finding's repair, once: no row
-- when it was repaired already.
-- name: ErpReconciliationFindingRepair :one
UPDATE erp_reconciliation_findings SET repaired_at = now(), repair_note = @repair_note
WHERE id = @id AND repaired_at IS NULL
RETURNING *;

-- ErpReconciliationSeenCreateMany notes orders of ours the run found in the
-- ERP; the ones noted already are skipped.
-- name: ErpReconciliationSeenCreateMany :exec
INSERT INTO erp_reconciliation_seen (reconciliation_id, order_id)
SELECT @reconciliation_id::uuid, unnest(@order_ids::uuid[])
ON CONFLICT DO NOTHING;

-- name: ErpReconciliationSeenDelete :exec
DELETE FROM erp_reconciliation_seen WHERE reconciliation_id = $1;

-- ErpReconciliationOrderListByIDs reads our orders as a reconciliation
-- compares them: total, the ERP number and status we recorded, and the
-- push's sync status ('' when it has none).
-- name: ErpReconciliationOrderListByIDs :many
SELECT o.id, o.placed_at, o.total, o.currency, o.erp_number, o.erp_status,
       COALESCE(s.status, '')::text AS sync_status, s.updated_at AS sync_updated_at
FROM orders o LEFT JOIN erp_syncs s ON s.order_id = o.id
WHERE o.id = ANY(@ids::uuid[]);

-- ErpReconciliationOrderListUnseen pages (keyset (placed_at, id), oldest
-- first) through our orders placed in [period_from, period_to) that the run
-- has not found in the ERP.
-- name: ErpReconciliationOrderListUnseen :many
SELECT o.id, o.placed_at, o.total, o.currency, o.erp_number, o.erp_status,
       COALESCE(s.status, '')::text AS sync_status, s.updated_at AS sync_updated_at
FROM orders o LEFT JOIN erp_syncs s ON s.order_id = o.id
WHERE o.placed_at >= @period_from AND o.placed_at < @period_to
  AND (o.placed_at, o.id) > (@after_placed_at::timestamptz, @after_id::uuid)
  AND NOT EXISTS (SELECT 1 FROM erp_reconciliation_seen v
                  WHERE v.reconciliation_id = @reconciliation_id AND v.order_id = o.id)
ORDER BY o.placed_at, o.id
LIMIT @row_limit;

-- ErpReconciliationOrderCount counts our orders placed in [period_from, period_to).
-- name: ErpReconciliationOrderCount :one
SELECT count(*) FROM orders WHERE placed_at >= @period_from AND placed_at < @period_to;
