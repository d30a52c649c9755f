package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/activities/erp"
	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/erpapi"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/erpsync"
)

// reconcileDeadline bounds the wait for a reconciliation to complete: a few
// ERP pages and queries, on a shared machine.
const reconcileDeadline = time.Minute

// sandboxAdmin calls the stack's sandbox ERP's admin routes, which change
// orders behind Orderflow's back.
func sandboxAdmin(t *testing.T, s *testenv.Stack, method, path string, body any) {
	t.Helper()
	var raw []byte
	if body != nil {
		var err error
		raw, err = json.Marshal(body)
		require.NoError(t, err)
	}
	req, err := http.NewRequest(method, s.ERPURL+path, bytes.NewReader(raw))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testenv.ERPToken)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Less(t, res.StatusCode, 300, "%s %s", method, path)
}

// reconcile runs a reconciliation of [from, to) through the API and waits
// for its report to complete.
func reconcile(t *testing.T, ops buyerClient, from, to time.Time) api.ReconciliationReport {
	t.Helper()
	res := ops.do("POST", "/v1/admin/erp/reconciliations",
		map[string]any{"from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339)})
	require.Equal(t, http.StatusAccepted, res.Status, "body: %s", res.Body)
	var run api.Reconciliation
	res.decode(t, &run)
	require.Equal(t, erp.TriggerOps, run.Trigger)
	var report api.ReconciliationReport
	pollUntil(t, reconcileDeadline, func() (bool, string) {
		r := ops.do("GET", "/v1/admin/erp/reconciliations/"+run.ID.String()+"?limit=100", nil)
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		report = api.ReconciliationReport{}
		r.decode(t, &report)
		require.NotEqual(t, erp.ReconciliationFailed, report.Status, "the run failed: %s", report.Error)
		return report.Status == erp.ReconciliationCompleted, fmt.Sprintf("the reconciliation completed: %s", report.Status)
	})
	return report
}

// findingKey is a finding as the test expects it.
type findingKey struct{ kind, reference string }

func findingKeys(fs []api.ReconciliationFinding) []findingKey {
	out := make([]findingKey, 0, len(fs))
	for _, f := range fs {
		out = append(out, findingKey{f.Kind, f.Reference})
	}
	slices.SortFunc(out, func(a, b findingKey) int {
		if a.kind != b.kind {
			if a.kind < b.kind {
				return -1
			}
			return 1
		}
		if a.reference < b.reference {
			return -1
		}
		return 1
	})
	return out
}

// Reconciliation finds, on the real stack against the sandbox ERP, an order
// the ERP lost, a changed total, a status the ERP never told us and an order
// keyed into the ERP by hand — exactly those; a re-push repairs the lost one
// (the ERP has it again under a new number, recorded on the order), and the
// next reconciliation no longer reports it.
func TestERPReconciliation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newERPWorld(t)
	ops := buyerClient{t: t, base: w.s.API.URL, token: testenv.NewStaff(t, w.s.Pool, "ops").Token}
	from := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)

	orders := w.placeOrders(t, 5, 2)
	awaitSynced(t, w.s.Pool, orders, erpSyncDeadline)
	inERP := sandboxOrders(t, w.s)
	lost, changed, invoiced := orders[0], orders[1], orders[2]
	lostNumber := inERP[erp.Reference(lost)].Number
	sandboxAdmin(t, w.s, "DELETE", "/admin/orders/"+lostNumber, nil)
	sandboxAdmin(t, w.s, "PATCH", "/admin/orders/"+inERP[erp.Reference(changed)].Number, map[string]any{"total_minor": 9999})
	sandboxAdmin(t, w.s, "PATCH", "/admin/orders/"+inERP[erp.Reference(invoiced)].Number, map[string]any{"status": "invoiced"})
	byHand := "keyed-by-hand-" + uuid.NewString()
	handOrder, _, err := w.s.ERPStore.CreateOrder(ctx, "by-hand-"+byHand, erpapi.OrderRequest{Reference: byHand,
		Customer: "walk-in", Currency: "EUR", TotalMinor: 1234, PlacedAt: time.Now().UTC(),
		Lines: []erpapi.OrderLine{{SKU: w.sku, Quantity: 1, UnitPriceMinor: 1234}}})
	require.NoError(t, err)
	to := time.Now().UTC().Add(time.Minute).Truncate(time.Second)

	// A repeated request with its Idempotency-Key is the same run.
	body := map[string]any{"from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339)}
	first := ops.do("POST", "/v1/admin/erp/reconciliations", body, "Idempotency-Key", "recon-"+byHand)
	again := ops.do("POST", "/v1/admin/erp/reconciliations", body, "Idempotency-Key", "recon-"+byHand)
	require.Equal(t, http.StatusAccepted, first.Status, "body: %s", first.Body)
	require.Equal(t, first.Body, again.Body)
	ops.do("POST", "/v1/admin/erp/reconciliations", map[string]any{"from": to.Format(time.RFC3339), "to": from.Format(time.RFC3339)}).
		requireError(t, http.StatusUnprocessableEntity, "invalid_field", "to")

	report := reconcile(t, ops, from, to)
	require.Equal(t, api.ReconciliationCounts{MissingInErp: 1, UnknownToUs: 1, TotalMismatch: 1, StatusMismatch: 1}, report.Counts)
	require.Equal(t, 5, report.OurOrders)
	require.Equal(t, 5, report.ErpOrders, "four of ours and one by hand")
	require.NotNil(t, report.FinishedAt)
	require.Equal(t, []findingKey{
		{"missing_in_erp", erp.Reference(lost)},
		{"status_mismatch", erp.Reference(invoiced)},
		{"total_mismatch", erp.Reference(changed)},
		{"unknown_to_us", byHand},
	}, findingKeys(report.Findings))

	var missing, total, unknown, status api.ReconciliationFinding
	for _, f := range report.Findings {
		switch f.Kind {
		case "status_mismatch":
			status = f
		case "missing_in_erp":
			missing = f
		case "total_mismatch":
			total = f
		case "unknown_to_us":
			unknown = f
		}
	}
	require.Equal(t, "synced", missing.OurSyncStatus, "the ERP had it, and lost it")
	require.Equal(t, lostNumber, missing.ErpNumber)
	require.Equal(t, "repush", missing.Repair)
	require.Equal(t, &lost, missing.OrderID)
	require.Equal(t, int64(9999), total.TheirTotal.Amount)
	require.NotEqual(t, int64(9999), total.OurTotal.Amount)
	require.Empty(t, total.Repair)
	require.Nil(t, unknown.OrderID)
	require.Equal(t, handOrder.Number, unknown.ErpNumber)

	// One kind only.
	var totals api.ReconciliationReport
	ops.do("GET", "/v1/admin/erp/reconciliations/"+report.ID.String()+"?kind=total_mismatch", nil).decode(t, &totals)
	require.Equal(t, []findingKey{{"total_mismatch", erp.Reference(changed)}}, findingKeys(totals.Findings))

	// The repairs: a re-push of the lost order; none for a changed total.
	repairPath := func(f api.ReconciliationFinding) string {
		return "/v1/admin/erp/reconciliations/" + report.ID.String() + "/findings/" + f.ID.String() + "/repair"
	}
	ops.do("POST", repairPath(total), nil).requireError(t, http.StatusConflict, "no_repair", "")
	res := ops.do("POST", repairPath(missing), nil)
	require.Equal(t, http.StatusAccepted, res.Status, "body: %s", res.Body)
	var repaired api.ReconciliationFinding
	res.decode(t, &repaired)
	require.NotNil(t, repaired.RepairedAt)
	require.Contains(t, repaired.RepairNote, "pushed to the ERP again")
	ops.do("POST", repairPath(missing), nil).requireError(t, http.StatusConflict, "already_repaired", "")

	var newNumber string
	pollUntil(t, erpSyncDeadline, func() (bool, string) {
		o, ok := sandboxOrders(t, w.s)[erp.Reference(lost)]
		var recorded string
		require.NoError(t, w.s.Pool.QueryRow(ctx, `SELECT erp_number FROM orders WHERE id = $1`, lost).Scan(&recorded))
		newNumber = o.Number
		return ok && recorded == o.Number, fmt.Sprintf("the ERP has the order again (%v) under the number recorded (%q)", ok, recorded)
	})
	require.NotEqual(t, lostNumber, newNumber, "a new ERP order, with a new number")

	// The ERP's news of the invoiced order never reached us: the resync takes
	// its status as news, and the order's ERP status moves forward to it.
	require.Equal(t, "resync_status", status.Repair)
	res = ops.do("POST", repairPath(status), nil)
	require.Equal(t, http.StatusAccepted, res.Status, "body: %s", res.Body)
	res.decode(t, &repaired)
	require.Contains(t, repaired.RepairNote, "invoiced taken as news")
	var erpStatus string
	require.NoError(t, w.s.Pool.QueryRow(ctx, `SELECT erp_status FROM orders WHERE id = $1`, invoiced).Scan(&erpStatus))
	require.Equal(t, "invoiced", erpStatus)
	var resynced int
	require.NoError(t, w.s.Pool.QueryRow(ctx,
		`SELECT count(*) FROM timeline_events WHERE order_id = $1 AND kind = 'erp_status_resynced'`, invoiced).Scan(&resynced))
	require.Equal(t, 1, resynced)

	second := reconcile(t, ops, from, to)
	require.Equal(t, api.ReconciliationCounts{UnknownToUs: 1, TotalMismatch: 1}, second.Counts, "the lost order and the status are repaired")
	require.Equal(t, 6, second.ErpOrders)

	var list api.ReconciliationPage
	ops.do("GET", "/v1/admin/erp/reconciliations?limit=2", nil).decode(t, &list)
	require.Len(t, list.Reconciliations, 2)
	require.Equal(t, second.ID, list.Reconciliations[0].ID, "newest first")
	require.NotEmpty(t, list.NextCursor)

	// The daily schedule, triggered now, reconciles yesterday (UTC), in a
	// report of its own.
	require.NoError(t, erpsync.EnsureSchedules(ctx, w.s.Temporal))
	require.NoError(t, erpsync.EnsureSchedules(ctx, w.s.Temporal), "ensuring twice is harmless")
	require.NoError(t, w.s.Temporal.ScheduleClient().GetHandle(ctx, erpsync.ReconcileScheduleID).Trigger(ctx, client.ScheduleTriggerOptions{}))
	today := time.Now().UTC().Truncate(24 * time.Hour)
	pollUntil(t, reconcileDeadline, func() (bool, string) {
		var page api.ReconciliationPage
		ops.do("GET", "/v1/admin/erp/reconciliations?limit=1", nil).decode(t, &page)
		r := page.Reconciliations[0]
		if r.Trigger != erp.TriggerSchedule || r.Status != erp.ReconciliationCompleted {
			return false, fmt.Sprintf("the scheduled run completed: newest is %s, %s", r.Trigger, r.Status)
		}
		require.Equal(t, today.Add(-24*time.Hour), r.PeriodFrom)
		require.Equal(t, today, r.PeriodTo)
		return true, ""
	})
}
