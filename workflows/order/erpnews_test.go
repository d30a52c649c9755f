package order_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities/fulfilment"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/workflows/order"
)

func erpNews(status commerce.ErpStatus, ref string, amount int64, at time.Time) order.ErpNewsInput {
	in := order.ErpNewsInput{Status: status, Ref: ref, Amount: amount, At: at, Source: "webhook:erp/" + ref}
	if status != commerce.ErpStatusOpen {
		in.Currency = "EUR"
	}
	return in
}

func erpShipment(ref string, shippedAt time.Time, lines ...order.Line) order.ShipmentInput {
	return order.ShipmentInput{ShipmentID: order.ShipmentIDFor("webhook:erp", ref), Lines: lines, Carrier: "DHL",
		Tracking: "JD" + ref, ShippedAt: shippedAt, Source: "webhook:erp/" + ref, FromERP: true}
}

// The ERP's news out of order: paid before anything is invoiced is held,
// not refused; the ERP's shipments invoice the order and the held payment
// pays them; news sent again changes nothing, and older news never moves the
// ERP status back.
func TestOrderErpNewsOutOfOrder(t *testing.T) {
	t.Parallel()
	r := newOrderRun(t)
	paid := erpNews(commerce.ErpStatusPaid, "PAY-1", 2200, r.start)
	first := erpShipment("S1", r.start.Add(time.Hour), order.Line{SKU: "BOLT", Quantity: 6})
	rest := erpShipment("S2", r.start.Add(2*time.Hour), order.Line{SKU: "BOLT", Quantity: 4}, order.Line{SKU: "NUT", Quantity: 4})

	held := r.update(time.Minute, order.RecordErpNewsUpdate, paid)
	again := r.update(2*time.Minute, order.RecordErpNewsUpdate, paid)
	shipped := r.update(time.Hour, order.RecordShipmentUpdate, rest)
	twice := r.update(time.Hour+time.Minute, order.RecordShipmentUpdate, rest)
	invoiced := r.update(2*time.Hour, order.RecordErpNewsUpdate, erpNews(commerce.ErpStatusInvoiced, "INV-9", 2200, r.start))
	acked := r.update(3*time.Hour, order.RecordErpNewsUpdate, erpNews(commerce.ErpStatusOpen, "SO-000001", 0, r.start))
	all := r.update(4*time.Hour, order.RecordShipmentUpdate, first)
	wrongCurrency := r.update(5*time.Hour, order.RecordErpNewsUpdate, order.ErpNewsInput{Status: commerce.ErpStatusPaid,
		Ref: "PAY-2", Amount: 1, Currency: "USD", At: r.start, Source: "webhook:erp/x"})
	r.deliverAll(day, first, rest)

	st := r.execute()

	h := held.requireState(t)
	require.Equal(t, commerce.ErpStatusPaid, h.ErpStatus)
	require.EqualValues(t, 2200, h.ErpPaymentHeld, "nothing invoiced yet: all of it held")
	require.Zero(t, h.Paid)
	require.Equal(t, h, again.requireState(t), "the same payment sent again changes nothing")

	s := shipped.requireState(t)
	require.EqualValues(t, 1540, s.Invoiced, "4 bolts, 4 nuts and their share of shipping")
	require.EqualValues(t, 1540, s.Paid, "the held payment pays the invoice")
	require.EqualValues(t, 660, s.ErpPaymentHeld)
	require.Equal(t, 1, twice.requireState(t).Shipments)
	require.Equal(t, commerce.ErpStatusPaid, invoiced.requireState(t).ErpStatus, "older news does not move the status back")
	require.Equal(t, commerce.ErpStatusPaid, acked.requireState(t).ErpStatus)

	done := all.requireState(t)
	require.EqualValues(t, 2200, done.Invoiced)
	require.EqualValues(t, 2200, done.Paid)
	require.Zero(t, done.ErpPaymentHeld)
	require.Equal(t, commerce.PaymentPaid, done.PaymentStatus)
	wrongCurrency.mu.Lock()
	require.Error(t, wrongCurrency.rejected, "a payment in another currency is refused before history")
	wrongCurrency.mu.Unlock()
	require.Equal(t, commerce.ErpStatusPaid, st.ErpStatus)

	var news []fulfilment.RecordErpNewsInput
	for _, in := range r.fake.inputs("RecordErpNews") {
		news = append(news, in.(fulfilment.RecordErpNewsInput))
	}
	require.Len(t, news, 5, "paid, shipped, invoiced, acknowledged, shipped: each once")
	require.Equal(t, "erp_paid", news[0].Kind)
	require.Zero(t, news[0].Payment)
	require.Equal(t, "erp_shipped", news[1].Kind)
	require.EqualValues(t, 1540, news[1].Payment)
	require.EqualValues(t, 660, news[1].Held)
	require.EqualValues(t, 660, news[4].Payment)
	require.Zero(t, news[4].Held)
	var paidTotal int64
	for _, n := range news {
		paidTotal += n.Payment
	}
	require.EqualValues(t, 2200, paidTotal, "the ERP's payment is paid in full, never more")
	require.Empty(t, r.fake.inputs("RecordPayment"), "ERP payments go through RecordErpNews")
}

// A payment within what is invoiced is paid at once; a warehouse's shipment
// (not the ERP's) still applies a held payment but leaves the ERP status.
func TestOrderErpPaymentAppliedByAnyShipment(t *testing.T) {
	t.Parallel()
	r := newOrderRun(t)
	r.update(time.Minute, order.RecordShipmentUpdate, shipment("w1", r.start, order.Line{SKU: "BOLT", Quantity: 10}))
	part := r.update(time.Hour, order.RecordErpNewsUpdate, erpNews(commerce.ErpStatusPaid, "PAY-1", 1500, r.start))
	rest := r.update(2*time.Hour, order.RecordShipmentUpdate, shipment("w2", r.start, order.Line{SKU: "NUT", Quantity: 4}))
	r.deliverAll(day, shipment("w1", r.start), shipment("w2", r.start))

	r.execute()

	p := part.requireState(t)
	require.EqualValues(t, 1100, p.Paid, "what the bolts' invoice owes")
	require.EqualValues(t, 400, p.ErpPaymentHeld)
	d := rest.requireState(t)
	require.EqualValues(t, 1500, d.Paid)
	require.Zero(t, d.ErpPaymentHeld)
	require.Equal(t, commerce.ErpStatusPaid, d.ErpStatus)
}

// A held ERP payment and the news taken are carried into the next run: the
// payment sent again is still taken once, and it pays the next run's
// shipment.
func TestOrderContinuesAsNewWithHeldErpPayment(t *testing.T) {
	t.Parallel()
	r := newOrderRun(t)
	paid := erpNews(commerce.ErpStatusPaid, "PAY-1", 2200, r.start)
	r.update(time.Hour, order.RecordErpNewsUpdate, paid)
	r.env.ExecuteWorkflow(order.WorkflowName, order.Input{OrderID: orderID, CompanyID: companyID, CustomerID: buyerID, StepLimit: 1})
	require.True(t, r.env.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, r.env.GetWorkflowError(), &can)
	var next order.Input
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.NotNil(t, next.Carried)
	require.EqualValues(t, 2200, next.Carried.State.ErpPaymentHeld)
	require.Equal(t, []string{paid.Key()}, next.Carried.ErpNews)

	r2 := newOrderRun(t)
	again := r2.update(time.Minute, order.RecordErpNewsUpdate, paid)
	s1 := erpShipment("S1", r2.start, order.Line{SKU: "BOLT", Quantity: 10}, order.Line{SKU: "NUT", Quantity: 4})
	ship := r2.update(time.Hour, order.RecordShipmentUpdate, s1)
	r2.deliverAll(day, s1)
	r2.env.ExecuteWorkflow(order.WorkflowName, next)
	require.True(t, r2.env.IsWorkflowCompleted())
	require.NoError(t, r2.env.GetWorkflowError())

	require.EqualValues(t, 2200, again.requireState(t).ErpPaymentHeld, "sent again after the new run: taken once")
	s := ship.requireState(t)
	require.EqualValues(t, 2200, s.Paid)
	require.Zero(t, s.ErpPaymentHeld)
	require.Len(t, r2.fake.inputs("RecordErpNews"), 1, "only the shipment's news; the repeated payment recorded nothing")
}

// deliverAll delivers the shipments at the time given, so the order can end.
func (r *orderRun) deliverAll(at time.Duration, shipments ...order.ShipmentInput) {
	for _, s := range shipments {
		r.update(at, order.RecordDeliveryUpdate, order.DeliveryInput{ShipmentID: s.ShipmentID, DeliveredAt: r.start.Add(at), Source: "ops:x"})
	}
}

// Ops' resync of a status mismatch moves the ERP status forward to what the
// reconciliation found (shipped too), records no money, and is taken once; a
// resync with an amount is refused before history.
func TestOrderErpStatusResync(t *testing.T) {
	t.Parallel()
	r := newOrderRun(t)
	resync := order.ErpNewsInput{Status: commerce.ErpStatusShipped, Ref: "resync/F1", At: r.start,
		Source: "reconciliation:F1/ops:o1", Resync: true}
	first := r.update(time.Minute, order.RecordErpNewsUpdate, resync)
	again := r.update(2*time.Minute, order.RecordErpNewsUpdate, resync)
	withAmount := resync
	withAmount.Ref, withAmount.Amount = "resync/F2", 100
	refused := r.update(3*time.Minute, order.RecordErpNewsUpdate, withAmount)
	cancelled := resync
	cancelled.Ref, cancelled.Status = "resync/F3", commerce.ErpStatusCancelled
	refusedStatus := r.update(4*time.Minute, order.RecordErpNewsUpdate, cancelled)
	r.update(time.Hour, order.RecordShipmentUpdate, shipment("w1", r.start, order.Line{SKU: "BOLT", Quantity: 10}, order.Line{SKU: "NUT", Quantity: 4}))
	r.deliverAll(day, shipment("w1", r.start))

	st := r.execute()

	s := first.requireState(t)
	require.Equal(t, commerce.ErpStatusShipped, s.ErpStatus)
	require.Zero(t, s.Paid)
	require.Zero(t, s.Invoiced, "a resync records no invoice")
	require.Equal(t, s, again.requireState(t), "taken once")
	for _, o := range []*outcome{refused, refusedStatus} {
		o.mu.Lock()
		require.Error(t, o.rejected)
		o.mu.Unlock()
	}
	require.Equal(t, commerce.ErpStatusShipped, st.ErpStatus)
	news := r.fake.inputs("RecordErpNews")
	require.Len(t, news, 1)
	rec := news[0].(fulfilment.RecordErpNewsInput)
	require.Equal(t, "erp_status_resynced", rec.Kind)
	require.Equal(t, commerce.ErpStatusShipped, rec.Status)
	require.Zero(t, rec.Payment)
}
