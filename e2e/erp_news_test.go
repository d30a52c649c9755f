package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/activities/erp"
	"github.com/orderflow/orderflow/erpsandbox"
	"github.com/orderflow/orderflow/testenv"
)

// erpAdmin calls one of the sandbox ERP's admin routes, which stand for what
// the ERP's own users do (invoice, ship, pay an order).
func erpAdmin(t testing.TB, s *testenv.Stack, method, path string, body any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.ERPURL+path, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testenv.ERPToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	require.Less(t, resp.StatusCode, 300, "%s %s: %s", method, path, answer)
}

// The ERP's news comes back as signed webhooks, duplicated and out of order:
// every order is acknowledged, shipped in full, invoiced and paid in the ERP
// (half of them paid before they ship), and every order ends with the ERP
// status paid, one shipment per ERP shipment, its payments equal to its total
// and nothing held, and no webhook event left pending or rejected.
func TestErpNewsDuplicatedAndReorderedReachEveryOrder(t *testing.T) {
	t.Parallel()
	s := testenv.NewStack(t, devServer, testenv.StackOptions{CheckoutSyncWait: time.Minute, ERPWebhooks: true})
	company := testenv.NewCompany(t, s.Pool, "EUR", 100_000_00)
	w := &erpWorld{s: s, company: company, buyer: newBuyerClient(t, s, testenv.NewBuyer(t, s.Pool, company)),
		sku: testenv.NewProduct(t, s.Pool, "EUR", 1000, 1000)}
	// Every event twice; news held for 1.5 s and then sent newest first.
	w.setFaults(t, erpsandbox.Faults{DuplicateRate: 1, ReorderWindowMS: 1500})

	orders := w.placeOrders(t, 6, 3)
	awaitSynced(t, s.Pool, orders, erpSyncDeadline)
	inERP := sandboxOrders(t, s)
	for i, id := range orders {
		number := inERP[erp.Reference(id)].Number
		steps := []string{"/ship", "/invoice", "/pay"}
		if i%2 == 1 {
			steps = []string{"/pay", "/invoice", "/ship"}
		}
		for _, step := range steps {
			erpAdmin(t, s, http.MethodPost, "/admin/orders/"+number+step, nil)
		}
	}

	pollUntil(t, 2*time.Minute, func() (bool, string) {
		var pending, done int
		for _, id := range orders {
			var status string
			var paid, total, held int64
			require.NoError(t, s.Pool.QueryRow(context.Background(),
				`SELECT erp_status, paid_amount, total, erp_payment_held FROM orders WHERE id = $1`, id).Scan(&status, &paid, &total, &held))
			if status == "paid" && paid == total && held == 0 {
				done++
			}
		}
		outbox, err := s.ERPStore.Outbox(context.Background())
		require.NoError(t, err)
		for _, e := range outbox {
			if e.DeliveredAt == nil {
				pending++
			}
		}
		return done == len(orders) && pending == 0 && len(outbox) == 4*len(orders),
			fmt.Sprintf("orders paid in full: %d of %d; ERP news: %d, %d undelivered", done, len(orders), len(outbox), pending)
	})

	for _, id := range orders {
		f := readOrder(t, s.Pool, id)
		require.Equal(t, 1, f.Shipments, "order %s: one shipment, reported twice", id)
		require.Equal(t, "shipped", f.Status)
		require.Equal(t, "paid", f.Payment)
		var total int64
		require.NoError(t, s.Pool.QueryRow(context.Background(), `SELECT total FROM orders WHERE id = $1`, id).Scan(&total))
		require.Equal(t, total, f.invoiced())
		var payments int
		require.NoError(t, s.Pool.QueryRow(context.Background(),
			`SELECT count(*) FROM timeline_events WHERE order_id = $1 AND kind = 'payment_recorded'`, id).Scan(&payments))
		require.Equal(t, 1, payments, "order %s: paid once", id)
	}
	var byStatus = map[string]int{}
	rows, err := s.Pool.Query(context.Background(), `SELECT status, count(*) FROM webhook_events WHERE integration_id = $1 GROUP BY status`,
		s.ERPIntegration.ID)
	require.NoError(t, err)
	for rows.Next() {
		var status string
		var n int
		require.NoError(t, rows.Scan(&status, &n))
		byStatus[status] = n
	}
	require.NoError(t, rows.Err())
	require.Equal(t, map[string]int{"delivered": 4 * len(orders)}, byStatus, "each event recorded once and delivered")

	var held int
	require.NoError(t, s.Pool.QueryRow(context.Background(), `SELECT count(*) FROM timeline_events
		WHERE order_id = ANY($1) AND kind = 'erp_paid' AND detail LIKE '%held until shipments invoice it'`, orders).Scan(&held))
	require.Positive(t, held, "some payment arrived before its shipment and was held, not refused")

	dup, reordered := s.ERP.InjectedWebhookFaults()
	require.EqualValues(t, 4*len(orders), dup, "every event was sent twice")
	require.Positive(t, reordered, "some news was sent before older news")

	o := w.buyer.getOrder(orders[1])
	require.Equal(t, "paid", o.ERPStatus)
	require.Nil(t, o.ERPPaymentHeld)
}
