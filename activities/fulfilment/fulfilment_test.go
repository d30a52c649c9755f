package fulfilment_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/orderflow/orderflow/activities/activitytest"
	"github.com/orderflow/orderflow/activities/fulfilment"
	"github.com/orderflow/orderflow/activities/payment"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/telemetry"
	"github.com/orderflow/orderflow/testenv"
)

func open(t *testing.T, f *activitytest.Fixture, orderID uuid.UUID) fulfilment.Order {
	t.Helper()
	o, err := activitytest.ExecuteFor[fulfilment.Order](t, f, f.Acts.Fulfilment.OpenOrder, fulfilment.OpenOrderInput{OrderID: orderID})
	require.NoError(t, err)
	return o
}

// A shipment recorded twice (a retried activity) changes the order once: the
// stock leaves (on hand and reserved down), the reservation shrinks, the
// invoice is issued, the order's quantities and statuses are written; the
// capture that follows shrinks the hold and the invoice counts against the
// company's credit instead.
func TestRecordShipmentOnce(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	ctx := context.Background()
	sku := testenv.NewProduct(t, f.Pool, "EUR", 1_00, 50)
	cartID, orderID := f.PlacedOrder(t, map[string]int32{sku: 10})
	o := open(t, f, orderID)
	require.Equal(t, o.PlacedAt.Add(commerce.DefaultShipWithin), o.ShipBy)
	require.Equal(t, []commerce.OrderLine{{SKU: sku, UnitPrice: 1_00, Ordered: 10}}, o.Lines)

	ship := []commerce.ShipLine{{SKU: sku, Quantity: 6}}
	next, err := commerce.ApplyShipment(o.Lines, ship)
	require.NoError(t, err)
	amount, err := commerce.ShipmentAmount(o.Lines, o.Totals, ship)
	require.NoError(t, err)
	now := time.Now().UTC().Truncate(time.Second)
	in := fulfilment.RecordShipmentInput{
		Step: fulfilment.Step{OrderID: orderID, CartID: cartID, Seq: 1}, Attempt: o.Attempt, CompanyID: f.Company.ID,
		Currency: "EUR", ShipmentID: uuid.New(), Number: 1, Lines: ship, Carrier: "DHL", Tracking: "JD1", ShippedAt: now,
		Source: "ops:test", Invoice: fulfilment.Invoice{Number: "INV-T-1", Amount: amount.Total, IssuedAt: now, DueAt: now.Add(30 * 24 * time.Hour)},
		Order: fulfilment.OrderState{Lines: next, Status: commerce.OrderPartiallyShipped, FulfilmentStatus: commerce.FulfilmentPartiallyShipped,
			PaymentStatus: commerce.PaymentPartiallyInvoiced, Invoiced: amount.Total},
	}
	for range 2 {
		require.NoError(t, f.Execute(f.Acts.Fulfilment.RecordShipment, in))
	}
	stock := f.Stock(t, sku)
	require.EqualValues(t, 44, stock.OnHand, "6 left the warehouse, once")
	require.EqualValues(t, 4, stock.Reserved)
	require.Equal(t, 1, f.Count(t, `SELECT count(*) FROM stock_reservations WHERE cart_id = $1 AND quantity = 4`, cartID))
	invoices, err := f.Q.InvoiceListByOrder(ctx, orderID)
	require.NoError(t, err)
	require.Len(t, invoices, 1)
	require.Equal(t, amount.Total, invoices[0].Amount)
	row, err := f.Q.OrderGet(ctx, orderID)
	require.NoError(t, err)
	require.Equal(t, "partially_shipped", row.Status)
	require.Equal(t, amount.Total, row.InvoicedAmount)
	require.Equal(t, 1, f.Count(t, `SELECT count(*) FROM order_lines WHERE order_id = $1 AND shipped = 6`, orderID))

	usedBefore := f.CreditUsed(t)
	for range 2 {
		require.NoError(t, f.Execute(f.Acts.Payment.CapturePayment, payment.AdjustPaymentInput{PaymentKey: o.PaymentKey,
			ID: "INV-T-1", Amount: commerce.Money{Amount: amount.Total, Currency: "EUR"}, CartID: cartID, OrderID: orderID}))
	}
	owed, err := f.Q.InvoiceSumOpenByCompany(ctx, f.Company.ID)
	require.NoError(t, err)
	require.Equal(t, amount.Total, owed)
	require.Equal(t, usedBefore-amount.Total, f.CreditUsed(t), "the hold shrank by the invoice, once")
}

// A cancellation recorded twice releases its stock once.
func TestCancelLinesOnce(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	sku := testenv.NewProduct(t, f.Pool, "EUR", 1_00, 50)
	cartID, orderID := f.PlacedOrder(t, map[string]int32{sku: 10})
	o := open(t, f, orderID)
	cancel := []commerce.ShipLine{{SKU: sku, Quantity: 3}}
	next, err := commerce.ApplyCancellation(o.Lines, cancel)
	require.NoError(t, err)
	in := fulfilment.CancelLinesInput{Step: fulfilment.Step{OrderID: orderID, CartID: cartID, Seq: 1}, Attempt: o.Attempt,
		Actor: "customer:" + f.Buyer.ID.String(), Lines: cancel, Reason: "fewer needed",
		Order: fulfilment.OrderState{Lines: next, Status: commerce.OrderProcessing, FulfilmentStatus: commerce.FulfilmentUnfulfilled,
			PaymentStatus: commerce.PaymentAuthorized, Cancelled: 300}}
	for range 2 {
		require.NoError(t, f.Execute(f.Acts.Fulfilment.CancelLines, in))
	}
	stock := f.Stock(t, sku)
	require.EqualValues(t, 50, stock.OnHand)
	require.EqualValues(t, 7, stock.Reserved, "3 released, once")
	require.Contains(t, f.TimelineKinds(t, cartID), "order_cancelled")
}

// A late order is flagged once, ops are told once, and it is counted once
// (orderflow_orders_late_total), however often the step runs and whichever
// deadline comes next.
func TestFlagLateOnce(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	sku := testenv.NewProduct(t, f.Pool, "EUR", 1_00, 50)
	cartID, orderID := f.PlacedOrder(t, map[string]int32{sku: 1})
	in := fulfilment.FlagLateInput{Step: fulfilment.Step{OrderID: orderID, CartID: cartID, Seq: 1}, CompanyID: f.Company.ID,
		Deadline: "ship_by", At: time.Now()}
	metrics := telemetry.NewMetrics()
	var suite testsuite.WorkflowTestSuite
	suite.SetMetricsHandler(metrics.Temporal.Handler())
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(f.Acts.Fulfilment)
	for range 2 {
		_, err := env.ExecuteActivity(f.Acts.Fulfilment.FlagLate, in)
		require.NoError(t, err)
	}
	row, err := f.Q.OrderGet(context.Background(), orderID)
	require.NoError(t, err)
	require.True(t, row.SlaBreached)
	require.Equal(t, 1, f.Count(t, `SELECT count(*) FROM notification_outbox WHERE kind = 'order_late' AND to_role = 'ops'`))
	// The next deadline missed tells ops again, but the order turned late once.
	later := in
	later.Step.Seq, later.Deadline = 2, "deliver_by"
	_, err = env.ExecuteActivity(f.Acts.Fulfilment.FlagLate, later)
	require.NoError(t, err)

	families, err := metrics.Registry.Gather()
	require.NoError(t, err)
	late := map[string]float64{}
	for _, fam := range families {
		if fam.GetName() != fulfilment.OrdersLateMetric+"_total" {
			continue
		}
		for _, m := range fam.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "deadline" {
					late[l.GetValue()] += m.GetCounter().GetValue()
				}
			}
		}
	}
	require.Equal(t, map[string]float64{"ship_by": 1}, late, "late orders counted")
}

// A return received once: restocked goods back on hand (written off ones
// not), the credit note issued and settling the order's open invoice; then a
// payment settles the rest, once.
func TestReturnReceivedAndPaymentSettleInvoices(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	ctx := context.Background()
	bolt := testenv.NewProduct(t, f.Pool, "EUR", 1_00, 50)
	nut := testenv.NewProduct(t, f.Pool, "EUR", 2_00, 50)
	cartID, orderID := f.PlacedOrder(t, map[string]int32{bolt: 10, nut: 5})
	o := open(t, f, orderID)
	all := []commerce.ShipLine{{SKU: bolt, Quantity: 10}, {SKU: nut, Quantity: 5}}
	shipped, err := commerce.ApplyShipment(o.Lines, all)
	require.NoError(t, err)
	now := time.Now().UTC().Truncate(time.Second)
	step := func(seq int) fulfilment.Step { return fulfilment.Step{OrderID: orderID, CartID: cartID, Seq: seq} }
	require.NoError(t, f.Execute(f.Acts.Fulfilment.RecordShipment, fulfilment.RecordShipmentInput{Step: step(1), Attempt: o.Attempt,
		CompanyID: f.Company.ID, Currency: "EUR", ShipmentID: uuid.New(), Number: 1, Lines: all, Carrier: "DHL", Tracking: "1",
		ShippedAt: now, Source: "ops:t", Invoice: fulfilment.Invoice{Number: "INV-R-1", Amount: 2000, IssuedAt: now, DueAt: now},
		Order: fulfilment.OrderState{Lines: shipped, Status: commerce.OrderShipped}}))
	stockBolt, stockNut := f.Stock(t, bolt).OnHand, f.Stock(t, nut).OnHand

	retID := uuid.New()
	ret := []commerce.ReturnLine{{SKU: bolt, Quantity: 4, Reason: "wrong"}, {SKU: nut, Quantity: 1, Reason: "broken"}}
	require.NoError(t, f.Execute(f.Acts.Fulfilment.RequestReturn, fulfilment.RequestReturnInput{Step: step(2), CompanyID: f.Company.ID,
		ReturnID: retID, Number: 1, Actor: "customer:x", Lines: ret}))
	require.NoError(t, f.Execute(f.Acts.Fulfilment.DecideReturn, fulfilment.DecideReturnInput{Step: step(3), ReturnID: retID, Number: 1,
		Approve: true, Actor: "staff:ops", Credit: 600, Order: fulfilment.OrderState{Lines: shipped, Status: commerce.OrderShipped}}))
	receive := fulfilment.ReceiveReturnInput{Step: step(4), CompanyID: f.Company.ID, Currency: "EUR", ReturnID: retID, Number: 1,
		Lines:  []fulfilment.ReceivedLine{{SKU: bolt, Quantity: 4, Condition: "restock"}, {SKU: nut, Quantity: 1, Condition: "write_off"}},
		Source: "ops:t", CreditNote: "CN-R-1", Credit: 600, ReceivedAt: now, Order: fulfilment.OrderState{Lines: shipped, Status: commerce.OrderShipped, Credited: 600}}
	for range 2 {
		require.NoError(t, f.Execute(f.Acts.Fulfilment.ReceiveReturn, receive))
	}
	require.Equal(t, stockBolt+4, f.Stock(t, bolt).OnHand, "restocked, once")
	require.Equal(t, stockNut, f.Stock(t, nut).OnHand, "written off")
	owed, err := f.Q.InvoiceSumOpenByCompany(ctx, f.Company.ID)
	require.NoError(t, err)
	require.EqualValues(t, 2000-600, owed, "the credit note settled part of the invoice")

	pay := fulfilment.RecordPaymentInput{Step: step(5), Actor: "staff:ops", Amount: 1400, Ref: "bank",
		Order: fulfilment.OrderState{Lines: shipped, Status: commerce.OrderShipped, Paid: 1400, Credited: 600}}
	for range 2 {
		require.NoError(t, f.Execute(f.Acts.Fulfilment.RecordPayment, pay))
	}
	owed, err = f.Q.InvoiceSumOpenByCompany(ctx, f.Company.ID)
	require.NoError(t, err)
	require.Zero(t, owed, "paid, once")
	invoices, err := f.Q.InvoiceListByOrder(ctx, orderID)
	require.NoError(t, err)
	require.Equal(t, "paid", invoices[0].Status)
}

// Units leave from the location that holds the order's reservation, the
// shipment records it, and a return is restocked there.
func TestShipmentAndReturnUseTheReservationsLocation(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	ctx := context.Background()
	bolt := testenv.NewProduct(t, f.Pool, "EUR", 1_00, 0) // none at the default location
	loc, err := f.Q.StockLocationCreate(ctx, db.StockLocationCreateParams{ID: uuid.New(),
		Code: "far-" + uuid.NewString()[:8], Name: "Far away", Priority: 100})
	require.NoError(t, err)
	_, err = f.Q.StockPutAt(ctx, db.StockPutAtParams{Sku: bolt, LocationID: loc.ID, OnHand: 10})
	require.NoError(t, err)
	at := func() (onHand, reserved int64) {
		require.NoError(t, f.Pool.QueryRow(ctx, `SELECT on_hand, reserved FROM stock WHERE sku = $1 AND location_id = $2`,
			bolt, loc.ID).Scan(&onHand, &reserved))
		return onHand, reserved
	}
	cartID, orderID := f.PlacedOrder(t, map[string]int32{bolt: 6})
	onHand, reserved := at()
	require.Equal(t, [2]int64{10, 6}, [2]int64{onHand, reserved}, "reserved where the units are")

	o := open(t, f, orderID)
	all := []commerce.ShipLine{{SKU: bolt, Quantity: 6}}
	shipped, err := commerce.ApplyShipment(o.Lines, all)
	require.NoError(t, err)
	now := time.Now().UTC().Truncate(time.Second)
	step := func(seq int) fulfilment.Step { return fulfilment.Step{OrderID: orderID, CartID: cartID, Seq: seq} }
	shipmentID := uuid.New()
	require.NoError(t, f.Execute(f.Acts.Fulfilment.RecordShipment, fulfilment.RecordShipmentInput{Step: step(1), Attempt: o.Attempt,
		CompanyID: f.Company.ID, Currency: "EUR", ShipmentID: shipmentID, Number: 1, Lines: all, Carrier: "DHL", Tracking: "1",
		ShippedAt: now, Source: "ops:t", Invoice: fulfilment.Invoice{Number: "INV-L-" + uuid.NewString()[:8], Amount: 600, IssuedAt: now, DueAt: now},
		Order: fulfilment.OrderState{Lines: shipped, Status: commerce.OrderShipped}}))
	onHand, reserved = at()
	require.Equal(t, [2]int64{4, 0}, [2]int64{onHand, reserved}, "shipped from there")
	require.Equal(t, 1, f.Count(t, `SELECT count(*) FROM shipment_stock WHERE shipment_id = $1 AND location_id = $2 AND quantity = 6`,
		shipmentID, loc.ID))

	retID := uuid.New()
	require.NoError(t, f.Execute(f.Acts.Fulfilment.RequestReturn, fulfilment.RequestReturnInput{Step: step(2), CompanyID: f.Company.ID,
		ReturnID: retID, Number: 1, Actor: "customer:x", Lines: []commerce.ReturnLine{{SKU: bolt, Quantity: 2, Reason: "wrong"}}}))
	require.NoError(t, f.Execute(f.Acts.Fulfilment.DecideReturn, fulfilment.DecideReturnInput{Step: step(3), ReturnID: retID, Number: 1,
		Approve: true, Actor: "staff:ops", Credit: 200, Order: fulfilment.OrderState{Lines: shipped, Status: commerce.OrderShipped}}))
	require.NoError(t, f.Execute(f.Acts.Fulfilment.ReceiveReturn, fulfilment.ReceiveReturnInput{Step: step(4), CompanyID: f.Company.ID,
		Currency: "EUR", ReturnID: retID, Number: 1, Lines: []fulfilment.ReceivedLine{{SKU: bolt, Quantity: 2, Condition: "restock"}},
		Source: "ops:t", CreditNote: "CN-L-" + uuid.NewString()[:8], Credit: 200, ReceivedAt: now,
		Order: fulfilment.OrderState{Lines: shipped, Status: commerce.OrderShipped, Credited: 200}}))
	onHand, _ = at()
	require.EqualValues(t, 6, onHand, "restocked where it shipped from")
	require.EqualValues(t, 0, f.Stock(t, bolt).OnHand-onHand, "nothing went to the default location")
	require.Equal(t, 1, f.Count(t, `SELECT count(*) FROM return_lines WHERE return_id = $1 AND restock_location_id = $2`, retID, loc.ID))
}
