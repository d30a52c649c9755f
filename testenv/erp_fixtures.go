package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orderflow/orderflow/db"
)

// ErpReconciliation is a stored reconciliation report with one finding.
type ErpReconciliation struct {
	ID      uuid.UUID
	Finding uuid.UUID
}

// NewErpReconciliation stores a report of an ops reconciliation (still
// running) with one finding of kind unknown_to_us (an ERP order keyed in by
// hand, which has no one-call repair), through the queries the run uses.
func NewErpReconciliation(t testing.TB, pool *pgxpool.Pool) ErpReconciliation {
	t.Helper()
	ctx, q := context.Background(), db.New(pool)
	id := uuid.New()
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := q.ErpReconciliationCreate(ctx, db.ErpReconciliationCreateParams{
		ID: id, PeriodFrom: from, PeriodTo: from.Add(24 * time.Hour), Trigger: "ops"}); err != nil {
		t.Fatalf("reconciliation: %v", err)
	}
	if err := q.ErpReconciliationFindingCreate(ctx, db.ErpReconciliationFindingCreateParams{
		ReconciliationID: id, Kind: "unknown_to_us", Reference: "keyed-by-hand-" + id.String(), ErpNumber: "HAND-1",
		TheirTotal: pgtype.Int8{Int64: 500, Valid: true}, TheirCurrency: "EUR", TheirStatus: "open"}); err != nil {
		t.Fatalf("reconciliation finding: %v", err)
	}
	rows, err := q.ErpReconciliationFindingList(ctx, db.ErpReconciliationFindingListParams{ReconciliationID: id, RowLimit: 1})
	if err != nil || len(rows) != 1 {
		t.Fatalf("reconciliation finding: %v (%d rows)", err, len(rows))
	}
	return ErpReconciliation{ID: id, Finding: rows[0].ID}
}
