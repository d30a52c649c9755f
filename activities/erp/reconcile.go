package erp

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"go.temporal.io/sdk/activity"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/erpapi"
)

// Statuses of a reconciliation run (erp_reconciliations.status).
const (
	ReconciliationRunning   = "running"
	ReconciliationCompleted = "completed"
	ReconciliationFailed    = "failed"
)

// Triggers of a reconciliation run: who asked for it.
const (
	TriggerSchedule = "schedule"
	TriggerOps      = "ops"
)

// unseenPageSize is how many of our orders the last pass of a run reads at a
// time, so that memory stays bounded whatever the period.
const unseenPageSize = 500

// BeginReconciliationInput names a run and its period, [From, To).
type BeginReconciliationInput struct {
	ID       uuid.UUID
	From, To time.Time
	Trigger  string
}

// BeginReconciliation records that a run began (status running); a retried or
// repeated begin records it once.
func (a *Activities) BeginReconciliation(ctx context.Context, in BeginReconciliationInput) error {
	return db.New(a.DB).ErpReconciliationCreate(ctx, db.ErpReconciliationCreateParams{
		ID: in.ID, PeriodFrom: in.From, PeriodTo: in.To, Trigger: in.Trigger})
}

// ReconcilePageInput is one page of the ERP's orders of a run's period.
type ReconcilePageInput struct {
	ID       uuid.UUID
	From, To time.Time
	// Cursor is where the page starts ("" the first page).
	Cursor string
	Limit  int
}

// ReconcilePageResult is what one page found.
type ReconcilePageResult struct {
	// NextCursor is where the next page starts.
	NextCursor string
	// Orders counts the ERP orders of the page; Findings the findings they gave.
	Orders, Findings int
	// More says the page was full: the ERP may have more after it.
	More bool
}

// ReconcilePage reads a page of the ERP's orders placed in the period,
// compares them with ours under the same references (read in one query), and
// stores the findings, noting which of our orders the ERP has, all in one
// transaction. A retried page stores each finding once. Memory holds one
// page. A refusal is non-retryable ("ErpRefused"); other ERP errors retry.
func (a *Activities) ReconcilePage(ctx context.Context, in ReconcilePageInput) (ReconcilePageResult, error) {
	page, err := a.Connector.Orders(ctx, in.From, in.To, in.Cursor, in.Limit)
	if err != nil {
		return ReconcilePageResult{}, classify(err)
	}
	theirs := make([]commerce.TheirErpOrder, 0, len(page.Items))
	var ids []uuid.UUID
	for _, o := range page.Items {
		theirs = append(theirs, theirOrder(o))
		if id, err := uuid.Parse(o.Reference); err == nil && Reference(id) == o.Reference {
			ids = append(ids, id)
		}
	}
	res := ReconcilePageResult{NextCursor: page.NextCursor, Orders: len(page.Items),
		More: in.Limit > 0 && len(page.Items) >= in.Limit}
	err = db.InTx(ctx, a.DB, func(q *db.Queries) error {
		rows, err := q.ErpReconciliationOrderListByIDs(ctx, ids)
		if err != nil {
			return err
		}
		ours := make(map[string]commerce.OurErpOrder, len(rows))
		seen := make([]uuid.UUID, 0, len(rows))
		for _, r := range rows {
			ours[Reference(r.ID)] = ourOrder(db.ErpReconciliationOrderListUnseenRow(r))
			seen = append(seen, r.ID)
		}
		drifts := commerce.CompareErpOrders(theirs, ours)
		res.Findings = len(drifts)
		if err := storeFindings(ctx, q, in.ID, drifts); err != nil {
			return err
		}
		return q.ErpReconciliationSeenCreateMany(ctx, db.ErpReconciliationSeenCreateManyParams{
			ReconciliationID: in.ID, OrderIds: seen})
	})
	if err != nil {
		return ReconcilePageResult{}, err
	}
	activity.GetLogger(ctx).Info("erp reconciliation page compared", "reconciliation", in.ID,
		"orders", res.Orders, "findings", res.Findings, "more", res.More)
	return res, nil
}

// FinishReconciliationInput ends a run whose ERP pages are all compared.
type FinishReconciliationInput struct {
	ID uuid.UUID
	// ErpOrders counts the ERP orders the run's pages read.
	ErpOrders int
}

// ReconciliationCounts are a finished run's totals.
type ReconciliationCounts struct {
	ErpOrders, OurOrders int
	// Findings counts the findings per kind.
	Findings map[commerce.ErpDriftKind]int
}

// FinishReconciliation finds our orders of the period that the ERP lacks (a
// page at a time, so memory stays bounded), stores them as findings, and
// completes the run with its counts. It may be retried: the findings are
// stored once, and a run completed already answers its counts.
func (a *Activities) FinishReconciliation(ctx context.Context, in FinishReconciliationInput) (ReconciliationCounts, error) {
	q := db.New(a.DB)
	run, err := q.ErpReconciliationGet(ctx, in.ID)
	if err != nil {
		return ReconciliationCounts{}, err
	}
	if run.Status == ReconciliationRunning {
		if err := a.findMissingInErp(ctx, run); err != nil {
			return ReconciliationCounts{}, err
		}
		ours, err := q.ErpReconciliationOrderCount(ctx, db.ErpReconciliationOrderCountParams{
			PeriodFrom: run.PeriodFrom, PeriodTo: run.PeriodTo})
		if err != nil {
			return ReconciliationCounts{}, err
		}
		err = db.InTx(ctx, a.DB, func(q *db.Queries) error {
			_, err := q.ErpReconciliationComplete(ctx, db.ErpReconciliationCompleteParams{
				ID: in.ID, ErpOrders: int32(in.ErpOrders), OurOrders: int32(ours)})
			if db.IsNotFound(err) {
				return nil // no longer running: a repeated finish completed it
			}
			if err != nil {
				return err
			}
			return q.ErpReconciliationSeenDelete(ctx, in.ID)
		})
		if err != nil {
			return ReconciliationCounts{}, err
		}
		if run, err = q.ErpReconciliationGet(ctx, in.ID); err != nil {
			return ReconciliationCounts{}, err
		}
	}
	return CountsOf(run), nil
}

// findMissingInErp pages through our orders of the run's period that no page
// found in the ERP, and stores those that are drift.
func (a *Activities) findMissingInErp(ctx context.Context, run db.ErpReconciliation) error {
	q := db.New(a.DB)
	var afterAt time.Time
	var afterID uuid.UUID
	for {
		rows, err := q.ErpReconciliationOrderListUnseen(ctx, db.ErpReconciliationOrderListUnseenParams{
			PeriodFrom: run.PeriodFrom, PeriodTo: run.PeriodTo, AfterPlacedAt: afterAt, AfterID: afterID,
			ReconciliationID: run.ID, RowLimit: unseenPageSize})
		if err != nil {
			return err
		}
		var drifts []commerce.ErpDrift
		for _, r := range rows {
			if d, ok := commerce.MissingInErp(ourOrder(r), run.StartedAt); ok {
				drifts = append(drifts, d)
			}
		}
		if err := storeFindings(ctx, q, run.ID, drifts); err != nil {
			return err
		}
		if len(rows) < unseenPageSize {
			return nil
		}
		last := rows[len(rows)-1]
		afterAt, afterID = last.PlacedAt, last.ID
		activity.RecordHeartbeat(ctx, afterID)
	}
}

// FailReconciliationInput ends a run that could not finish.
type FailReconciliationInput struct {
	ID    uuid.UUID
	Error string
}

// FailReconciliation records that a run failed, and why; the findings it
// stored stay, for what they are worth.
func (a *Activities) FailReconciliation(ctx context.Context, in FailReconciliationInput) error {
	return db.InTx(ctx, a.DB, func(q *db.Queries) error {
		if err := q.ErpReconciliationFail(ctx, db.ErpReconciliationFailParams{ID: in.ID, Error: in.Error}); err != nil {
			return err
		}
		return q.ErpReconciliationSeenDelete(ctx, in.ID)
	})
}

// CountsOf are the counts a stored run holds.
func CountsOf(r db.ErpReconciliation) ReconciliationCounts {
	return ReconciliationCounts{ErpOrders: int(r.ErpOrders), OurOrders: int(r.OurOrders),
		Findings: map[commerce.ErpDriftKind]int{
			commerce.DriftMissingInErp:      int(r.MissingInErp),
			commerce.DriftUnknownToUs:       int(r.UnknownToUs),
			commerce.DriftTotalMismatch:     int(r.TotalMismatch),
			commerce.DriftStatusMismatch:    int(r.StatusMismatch),
			commerce.DriftErpNumberMismatch: int(r.ErpNumberMismatch),
		}}
}

// theirOrder is an ERP order as the comparison reads it.
func theirOrder(o erpapi.Order) commerce.TheirErpOrder {
	return commerce.TheirErpOrder{Number: o.Number, Reference: o.Reference, Status: o.Status,
		Total: commerce.Money{Amount: o.TotalMinor, Currency: o.Currency}}
}

// ourOrder is one of our orders as the comparison reads it.
func ourOrder(r db.ErpReconciliationOrderListUnseenRow) commerce.OurErpOrder {
	o := commerce.OurErpOrder{Reference: Reference(r.ID), Total: commerce.Money{Amount: r.Total, Currency: r.Currency},
		ERPNumber: r.ErpNumber, ErpStatus: r.ErpStatus, SyncStatus: r.SyncStatus}
	if r.SyncUpdatedAt != nil {
		o.SyncUpdatedAt = *r.SyncUpdatedAt
	}
	return o
}

// storeFindings stores a run's findings; each once.
func storeFindings(ctx context.Context, q *db.Queries, runID uuid.UUID, drifts []commerce.ErpDrift) error {
	for _, d := range drifts {
		p := db.ErpReconciliationFindingCreateParams{ReconciliationID: runID, Kind: string(d.Kind),
			Reference: d.Reference, Repair: string(d.Repair)}
		if o := d.Ours; o != nil {
			id, err := uuid.Parse(o.Reference)
			if err != nil {
				return fmt.Errorf("erp: reconciliation: our order's reference %q is no order ID: %w", o.Reference, err)
			}
			p.OrderID = uuid.NullUUID{UUID: id, Valid: true}
			p.OurTotal = pgtype.Int8{Int64: o.Total.Amount, Valid: true}
			p.OurCurrency, p.OurStatus, p.OurSyncStatus, p.OurErpNumber = o.Total.Currency, o.ErpStatus, o.SyncStatus, o.ERPNumber
			p.ErpNumber = o.ERPNumber
		}
		if t := d.Theirs; t != nil {
			p.TheirTotal = pgtype.Int8{Int64: t.Total.Amount, Valid: true}
			p.TheirCurrency, p.TheirStatus, p.ErpNumber = t.Total.Currency, t.Status, t.Number
		}
		if err := q.ErpReconciliationFindingCreate(ctx, p); err != nil {
			return err
		}
	}
	return nil
}
