package fulfilment_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/activities/activitytest"
	"github.com/orderflow/orderflow/activities/fulfilment"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/testenv"
)

// The ERP's news moves erp_status only forward, whatever order it comes in;
// each piece is recorded once (a retried activity, in one timeline event); a
// paid news pays the order's invoices once and keeps what it holds.
func TestRecordErpNewsForwardOnlyAndOnce(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	ctx := context.Background()
	sku := testenv.NewProduct(t, f.Pool, "EUR", 1_00, 50)
	cartID, orderID := f.PlacedOrder(t, map[string]int32{sku: 10})
	o := open(t, f, orderID)
	step := func(seq int) fulfilment.Step { return fulfilment.Step{OrderID: orderID, CartID: cartID, Seq: seq} }
	status := func() (string, int64) {
		row, err := f.Q.OrderGet(ctx, orderID)
		require.NoError(t, err)
		return row.ErpStatus, row.ErpPaymentHeld
	}

	// Paid first (nothing invoiced yet: all held), then shipped, then the
	// older acknowledged and invoiced: the status stays paid.
	paid := fulfilment.RecordErpNewsInput{Step: step(1), Kind: "erp_paid", Status: commerce.ErpStatusPaid,
		Source: "webhook:erp/e1", Detail: "the ERP reports paid", Held: 500}
	for range 2 {
		require.NoError(t, f.Execute(f.Acts.Fulfilment.RecordErpNews, paid))
	}
	s, held := status()
	require.Equal(t, "paid", s)
	require.EqualValues(t, 500, held)
	for i, st := range []commerce.ErpStatus{commerce.ErpStatusShipped, commerce.ErpStatusOpen, commerce.ErpStatusInvoiced} {
		require.NoError(t, f.Execute(f.Acts.Fulfilment.RecordErpNews, fulfilment.RecordErpNewsInput{Step: step(2 + i),
			Kind: "erp_" + string(st), Status: st, Source: "webhook:erp/x", Detail: "older news", Held: 500}))
	}
	s, _ = status()
	require.Equal(t, "paid", s, "older news never moves the status back")
	require.Equal(t, 1, f.Count(t, `SELECT count(*) FROM timeline_events WHERE order_id = $1 AND kind = 'erp_paid'`, orderID))

	// The shipment invoices the order; the held payment is applied once.
	all := []commerce.ShipLine{{SKU: sku, Quantity: 10}}
	shipped, err := commerce.ApplyShipment(o.Lines, all)
	require.NoError(t, err)
	now := time.Now().UTC().Truncate(time.Second)
	require.NoError(t, f.Execute(f.Acts.Fulfilment.RecordShipment, fulfilment.RecordShipmentInput{Step: step(5), Attempt: o.Attempt,
		CompanyID: f.Company.ID, Currency: "EUR", ShipmentID: uuid.New(), Number: 1, Lines: all, Carrier: "DHL", Tracking: "1",
		ShippedAt: now, Source: "webhook:erp/e2", Invoice: fulfilment.Invoice{Number: "INV-E-1", Amount: 1000, IssuedAt: now, DueAt: now},
		Order: fulfilment.OrderState{Lines: shipped, Status: commerce.OrderShipped, Invoiced: 1000}}))
	apply := fulfilment.RecordErpNewsInput{Step: step(6), Kind: "erp_payment_applied", Source: "webhook:erp/e1",
		Detail: "held ERP payment applied", Payment: 500, PaymentRef: "PAY-1", Held: 0,
		Order: fulfilment.OrderState{Lines: shipped, Status: commerce.OrderShipped, PaymentStatus: commerce.PaymentPartiallyPaid,
			Invoiced: 1000, Paid: 500}}
	for range 2 {
		require.NoError(t, f.Execute(f.Acts.Fulfilment.RecordErpNews, apply))
	}
	s, held = status()
	require.Equal(t, "paid", s)
	require.Zero(t, held)
	row, err := f.Q.OrderGet(ctx, orderID)
	require.NoError(t, err)
	require.EqualValues(t, 500, row.PaidAmount)
	owed, err := f.Q.InvoiceSumOpenByCompany(ctx, f.Company.ID)
	require.NoError(t, err)
	require.EqualValues(t, 500, owed, "the invoice is settled by the held payment, once")
	require.Equal(t, 1, f.Count(t, `SELECT count(*) FROM timeline_events WHERE order_id = $1 AND kind = 'payment_recorded'`, orderID))
}
