package erp_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/activities/erp"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/erpapi"
)

// listERP is a fake ERP that lists its orders by placed_at, then number; a
// cursor is the index of the next order.
type listERP struct {
	*fakeERP
	// extra are orders keyed into the ERP by hand.
	extra []erpapi.Order
}

func (e *listERP) Orders(_ context.Context, from, to time.Time, cursor string, limit int) (erpapi.OrderPage, error) {
	e.mu.Lock()
	var all []erpapi.Order
	for _, o := range e.byRef {
		all = append(all, o)
	}
	all = append(all, e.extra...)
	e.mu.Unlock()
	slices.SortFunc(all, func(a, b erpapi.Order) int {
		if c := a.PlacedAt.Compare(b.PlacedAt); c != 0 {
			return c
		}
		return compareNumbers(a.Number, b.Number)
	})
	all = slices.DeleteFunc(all, func(o erpapi.Order) bool { return o.PlacedAt.Before(from) || !o.PlacedAt.Before(to) })
	start := 0
	if cursor != "" {
		start, _ = strconv.Atoi(cursor)
	}
	end := min(start+limit, len(all))
	return erpapi.OrderPage{Items: all[start:end], NextCursor: strconv.Itoa(end)}, nil
}

func compareNumbers(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// change edits the ERP's order with reference ref (delete when edit is nil).
func (e *listERP) change(ref string, edit func(*erpapi.Order)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if edit == nil {
		delete(e.byRef, ref)
		return
	}
	o := e.byRef[ref]
	edit(&o)
	e.byRef[ref] = o
}

// reconcile runs a reconciliation's activities as the workflow does, pages
// of limit, answering its counts.
func (w *world) reconcile(t *testing.T, id uuid.UUID, from, to time.Time, limit int) erp.ReconciliationCounts {
	t.Helper()
	_, err := w.env.ExecuteActivity(w.acts.BeginReconciliation, erp.BeginReconciliationInput{ID: id, From: from, To: to, Trigger: erp.TriggerOps})
	require.NoError(t, err)
	cursor, orders := "", 0
	for {
		val, err := w.env.ExecuteActivity(w.acts.ReconcilePage, erp.ReconcilePageInput{ID: id, From: from, To: to, Cursor: cursor, Limit: limit})
		require.NoError(t, err)
		var page erp.ReconcilePageResult
		require.NoError(t, val.Get(&page))
		// A retried page (its answer lost) stores nothing twice.
		_, err = w.env.ExecuteActivity(w.acts.ReconcilePage, erp.ReconcilePageInput{ID: id, From: from, To: to, Cursor: cursor, Limit: limit})
		require.NoError(t, err)
		orders += page.Orders
		cursor = page.NextCursor
		if !page.More {
			break
		}
	}
	val, err := w.env.ExecuteActivity(w.acts.FinishReconciliation, erp.FinishReconciliationInput{ID: id, ErpOrders: orders})
	require.NoError(t, err)
	var counts erp.ReconciliationCounts
	require.NoError(t, val.Get(&counts))
	return counts
}

// finding is a stored finding reduced to what the test checks.
type finding struct {
	Kind, Reference, ErpNumber, SyncStatus, Repair string
}

func (w *world) findings(t *testing.T, id uuid.UUID) []finding {
	t.Helper()
	rows, err := w.Q.ErpReconciliationFindingList(context.Background(), db.ErpReconciliationFindingListParams{
		ReconciliationID: id, RowLimit: 100})
	require.NoError(t, err)
	out := []finding{}
	for _, r := range rows {
		out = append(out, finding{r.Kind, r.Reference, r.ErpNumber, r.OurSyncStatus, r.Repair})
	}
	slices.SortFunc(out, func(a, b finding) int {
		if a.Kind != b.Kind {
			if a.Kind < b.Kind {
				return -1
			}
			return 1
		}
		if a.Reference < b.Reference {
			return -1
		}
		return 1
	})
	return out
}

// A reconciliation finds an order the ERP lost, one still on its way, a
// changed total, news we missed and an order keyed into the ERP by hand; an
// order whose push ops cancelled is no finding; retried pages and a repeated
// finish store each finding once; the report completes with its counts.
func TestReconcileFindsDrift(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	fake := &listERP{fakeERP: w.erp}
	w.acts.Connector = fake
	ctx := context.Background()

	orders := map[string]uuid.UUID{"agrees": w.orderID}
	for _, name := range []string{"lost", "changed", "news", "pending", "cancelled", "never"} {
		_, id := w.PlacedOrder(t, map[string]int32{w.sku: 1})
		orders[name] = id
	}
	for _, name := range []string{"agrees", "lost", "changed", "news"} {
		_, err := w.env.ExecuteActivity(w.acts.PushOrder, erp.PushOrderInput{OrderID: orders[name], Attempt: 1})
		require.NoError(t, err)
	}
	for name, status := range map[string]string{"pending": erp.SyncPending, "cancelled": erp.SyncCancelled} {
		_, err := w.env.ExecuteActivity(w.acts.RecordSync, erp.RecordSyncInput{OrderID: orders[name], Status: status, Attempts: 1})
		require.NoError(t, err)
	}
	ref := func(name string) string { return erp.Reference(orders[name]) }
	number := func(name string) string {
		o, err := w.Q.OrderGet(ctx, orders[name])
		require.NoError(t, err)
		return o.ErpNumber
	}
	placed, err := w.Q.OrderGet(ctx, w.orderID)
	require.NoError(t, err)
	from := placed.PlacedAt.Truncate(24 * time.Hour)
	to := from.Add(24 * time.Hour)

	fake.change(ref("lost"), nil)
	fake.change(ref("changed"), func(o *erpapi.Order) { o.TotalMinor = 9999 })
	fake.change(ref("news"), func(o *erpapi.Order) { o.Status = erpapi.OrderStatusInvoiced })
	fake.extra = []erpapi.Order{
		{Number: "HAND-1", Reference: "keyed-by-hand", Status: "open", Currency: "EUR", TotalMinor: 500, PlacedAt: from.Add(time.Hour)},
		{Number: "HAND-2", Reference: "another-day", Status: "open", Currency: "EUR", TotalMinor: 500, PlacedAt: to},
	}

	id := uuid.New()
	counts := w.reconcile(t, id, from, to, 2)
	require.Equal(t, erp.ReconciliationCounts{ErpOrders: 4, OurOrders: 7, Findings: map[commerce.ErpDriftKind]int{
		commerce.DriftMissingInErp: 3, commerce.DriftUnknownToUs: 1, commerce.DriftTotalMismatch: 1,
		commerce.DriftStatusMismatch: 1, commerce.DriftErpNumberMismatch: 0,
	}}, counts)
	want := []finding{
		{"missing_in_erp", ref("lost"), number("lost"), erp.SyncSynced, "repush"},
		{"missing_in_erp", ref("never"), "", "", "repush"},
		{"missing_in_erp", ref("pending"), "", erp.SyncPending, "repush"},
		{"status_mismatch", ref("news"), number("news"), erp.SyncSynced, string(commerce.RepairResyncStatus)},
		{"total_mismatch", ref("changed"), number("changed"), erp.SyncSynced, ""},
		{"unknown_to_us", "keyed-by-hand", "HAND-1", "", ""},
	}
	slices.SortFunc(want[:3], func(a, b finding) int {
		if a.Reference < b.Reference {
			return -1
		}
		return 1
	})
	require.Equal(t, want, w.findings(t, id))

	run, err := w.Q.ErpReconciliationGet(ctx, id)
	require.NoError(t, err)
	require.Equal(t, erp.ReconciliationCompleted, run.Status)
	require.NotNil(t, run.FinishedAt)
	require.Zero(t, w.Count(t, `SELECT count(*) FROM erp_reconciliation_seen`), "the run's working set is gone")

	rows, err := w.Q.ErpReconciliationFindingList(ctx, db.ErpReconciliationFindingListParams{
		ReconciliationID: id, Kind: "total_mismatch", RowLimit: 10})
	require.NoError(t, err)
	require.Len(t, rows, 1)
	require.EqualValues(t, 9999, rows[0].TheirTotal.Int64)
	changed, err := w.Q.OrderGet(ctx, orders["changed"])
	require.NoError(t, err)
	require.Equal(t, changed.Total, rows[0].OurTotal.Int64)
	require.Equal(t, uuid.NullUUID{UUID: orders["changed"], Valid: true}, rows[0].OrderID)

	// A repeated finish answers the same counts and changes nothing.
	val, err := w.env.ExecuteActivity(w.acts.FinishReconciliation, erp.FinishReconciliationInput{ID: id, ErpOrders: 4})
	require.NoError(t, err)
	var again erp.ReconciliationCounts
	require.NoError(t, val.Get(&again))
	require.Equal(t, counts, again)
}

// An order whose push synced after the run began is not reported missing:
// the run's pages were read before the ERP had it.
func TestReconcileSkipsOrdersSyncedDuringTheRun(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	fake := &listERP{fakeERP: w.erp}
	w.acts.Connector = fake
	ctx := context.Background()
	o, err := w.Q.OrderGet(ctx, w.orderID)
	require.NoError(t, err)
	from := o.PlacedAt.Truncate(24 * time.Hour)
	to := from.Add(24 * time.Hour)

	id := uuid.New()
	_, err = w.env.ExecuteActivity(w.acts.BeginReconciliation, erp.BeginReconciliationInput{ID: id, From: from, To: to, Trigger: erp.TriggerOps})
	require.NoError(t, err)
	_, err = w.env.ExecuteActivity(w.acts.ReconcilePage, erp.ReconcilePageInput{ID: id, From: from, To: to, Limit: 10})
	require.NoError(t, err)
	_, err = w.env.ExecuteActivity(w.acts.PushOrder, erp.PushOrderInput{OrderID: w.orderID, Attempt: 1})
	require.NoError(t, err)
	val, err := w.env.ExecuteActivity(w.acts.FinishReconciliation, erp.FinishReconciliationInput{ID: id})
	require.NoError(t, err)
	var counts erp.ReconciliationCounts
	require.NoError(t, val.Get(&counts))
	require.Zero(t, counts.Findings[commerce.DriftMissingInErp])
	require.Equal(t, 1, counts.OurOrders)
}

// A failed run keeps what it found, says why, and cannot be completed after.
func TestFailReconciliation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	id := uuid.New()
	from := time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)
	_, err := w.env.ExecuteActivity(w.acts.BeginReconciliation, erp.BeginReconciliationInput{ID: id, From: from, To: from.Add(time.Hour), Trigger: erp.TriggerSchedule})
	require.NoError(t, err)
	_, err = w.env.ExecuteActivity(w.acts.FailReconciliation, erp.FailReconciliationInput{ID: id, Error: "the ERP refused"})
	require.NoError(t, err)
	_, err = w.env.ExecuteActivity(w.acts.FinishReconciliation, erp.FinishReconciliationInput{ID: id})
	require.NoError(t, err)
	run, err := w.Q.ErpReconciliationGet(ctx, id)
	require.NoError(t, err)
	require.Equal(t, erp.ReconciliationFailed, run.Status)
	require.Equal(t, "the ERP refused", run.Error)
	require.Equal(t, erp.TriggerSchedule, run.Trigger)
}

// A re-push of an order the ERP lost creates it again under a key of its own,
// and records the ERP's new number.
func TestPushOrderRepushUsesAKeyOfItsOwn(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	first, err := w.push(t, 1)
	require.NoError(t, err)
	fake := &listERP{fakeERP: w.erp}
	fake.change(erp.Reference(w.orderID), nil) // lost by the ERP; its key still answers the lost order

	val, err := w.env.ExecuteActivity(w.acts.PushOrder, erp.PushOrderInput{OrderID: w.orderID, Attempt: 1, Repush: "finding-1"})
	require.NoError(t, err)
	var again erp.PushOrderResult
	require.NoError(t, val.Get(&again))
	require.True(t, again.Created)
	require.NotEqual(t, first.ERPNumber, again.ERPNumber)
	o, err := w.Q.OrderGet(context.Background(), w.orderID)
	require.NoError(t, err)
	require.Equal(t, again.ERPNumber, o.ErpNumber)
	require.Len(t, w.erp.created(), 2)

	// The same re-push again finds the order by reference: nothing more.
	val, err = w.env.ExecuteActivity(w.acts.PushOrder, erp.PushOrderInput{OrderID: w.orderID, Attempt: 1, Repush: "finding-2"})
	require.NoError(t, err)
	require.NoError(t, val.Get(&again))
	require.False(t, again.Created)
	require.Len(t, w.erp.created(), 2)
}
