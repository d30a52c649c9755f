package order_test

import (
	"context"
	"log/slog"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/activities/fulfilment"
	"github.com/orderflow/orderflow/activities/payment"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/workflows"
	"github.com/orderflow/orderflow/workflows/erpsync"
	"github.com/orderflow/orderflow/workflows/order"
	"github.com/orderflow/orderflow/workflows/workflowtest"
)

var (
	orderID   = uuid.MustParse("4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d")
	cartID    = uuid.MustParse("0b7d4f0e-3c1a-4c55-9a0e-5d1f2b7c9a01")
	companyID = uuid.MustParse("1c8e5a1f-4d2b-4d66-8b1f-6e2a3c8d0b02")
	buyerID   = uuid.MustParse("2d9f6b2a-5e3c-4e77-9c2a-7f3b4d9e1c03")
	colleague = uuid.MustParse("8d5f2b8a-1e9c-4edd-8c8a-3f9b0d5e7c09")

	buyer = order.Actor{ID: buyerID, Role: commerce.RoleBuyer, CompanyID: companyID}
	ops   = order.Actor{ID: uuid.MustParse("9e6a3c9b-2f0d-4fee-9d9b-4a0c1e6f8d10"), Role: commerce.RoleOps}
)

const day = 24 * time.Hour

// testOrder is 10 bolts at 1.00 and 4 nuts at 2.50, shipping 2.00, no tax:
// total 20.00; ship within 2 days, deliver within 5, returns for 30.
func testOrder(placedAt time.Time) fulfilment.Order {
	eur := func(a int64) commerce.Money { return commerce.Money{Amount: a, Currency: "EUR"} }
	return fulfilment.Order{
		OrderID: orderID, CartID: cartID, CompanyID: companyID, CustomerID: buyerID, Attempt: 1,
		PaymentKey: payment.CheckoutKey(cartID, 1), Currency: "EUR",
		Lines:    []commerce.OrderLine{{SKU: "BOLT", UnitPrice: 100, Ordered: 10}, {SKU: "NUT", UnitPrice: 250, Ordered: 4}},
		Totals:   commerce.Totals{Subtotal: eur(2000), Discount: eur(0), Shipping: eur(200), Tax: eur(0), Total: eur(2200)},
		PlacedAt: placedAt, ShipBy: placedAt.Add(2 * day), DeliverBy: placedAt.Add(5 * day),
		ReturnWindow: 30 * day, PaymentTermsDays: 30,
	}
}

// fakeActs stands in for the fulfilment and payment activities the order
// calls, recording every call.
type fakeActs struct {
	mu    sync.Mutex
	calls []string
	ins   map[string][]any
	order fulfilment.Order
	// shipFails is the error the next RecordShipment fails with, once.
	shipFails error
}

func (f *fakeActs) record(name string, in any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, name)
	if f.ins == nil {
		f.ins = map[string][]any{}
	}
	f.ins[name] = append(f.ins[name], in)
}

func (f *fakeActs) names() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeActs) inputs(name string) []any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]any(nil), f.ins[name]...)
}

func (f *fakeActs) OpenOrder(_ context.Context, in fulfilment.OpenOrderInput) (fulfilment.Order, error) {
	f.record("OpenOrder", in)
	return f.order, nil
}

func (f *fakeActs) RecordShipment(_ context.Context, in fulfilment.RecordShipmentInput) error {
	f.record("RecordShipment", in)
	f.mu.Lock()
	defer f.mu.Unlock()
	err := f.shipFails
	f.shipFails = nil
	return workflowtest.FromWorker(err)
}

func (f *fakeActs) RecordDelivery(_ context.Context, in fulfilment.RecordDeliveryInput) error {
	f.record("RecordDelivery", in)
	return nil
}

func (f *fakeActs) CancelLines(_ context.Context, in fulfilment.CancelLinesInput) error {
	f.record("CancelLines", in)
	return nil
}

func (f *fakeActs) FlagLate(_ context.Context, in fulfilment.FlagLateInput) error {
	f.record("FlagLate", in)
	return nil
}

func (f *fakeActs) CompleteOrder(_ context.Context, in fulfilment.CompleteOrderInput) error {
	f.record("CompleteOrder", in)
	return nil
}

func (f *fakeActs) RequestReturn(_ context.Context, in fulfilment.RequestReturnInput) error {
	f.record("RequestReturn", in)
	return nil
}

func (f *fakeActs) DecideReturn(_ context.Context, in fulfilment.DecideReturnInput) error {
	f.record("DecideReturn", in)
	return nil
}

func (f *fakeActs) ReceiveReturn(_ context.Context, in fulfilment.ReceiveReturnInput) error {
	f.record("ReceiveReturn", in)
	return nil
}

func (f *fakeActs) RecordPayment(_ context.Context, in fulfilment.RecordPaymentInput) error {
	f.record("RecordPayment", in)
	return nil
}

func (f *fakeActs) RecordErpNews(_ context.Context, in fulfilment.RecordErpNewsInput) error {
	f.record("RecordErpNews", in)
	return nil
}

func (f *fakeActs) CapturePayment(_ context.Context, in payment.AdjustPaymentInput) error {
	f.record("CapturePayment", in)
	return nil
}

func (f *fakeActs) RefundPayment(_ context.Context, in payment.AdjustPaymentInput) error {
	f.record("RefundPayment", in)
	return nil
}

func (f *fakeActs) ReleasePayment(_ context.Context, in payment.AdjustPaymentInput) error {
	f.record("ReleasePayment", in)
	return nil
}

// The payment activities of checkout are the payment capability's too; the
// order never calls them.
func (f *fakeActs) AuthorizePayment(context.Context, payment.AuthorizePaymentInput) (payment.AuthorizePaymentResult, error) {
	return payment.AuthorizePaymentResult{}, nil
}

func (f *fakeActs) VoidPayment(context.Context, payment.VoidPaymentInput) error { return nil }

type orderRun struct {
	t     *testing.T
	env   *testsuite.TestWorkflowEnvironment
	fake  *fakeActs
	start time.Time
	n     int

	mu sync.Mutex
	// pushed are the ERP pushes the order started.
	pushed []erpsync.Input
}

func newOrderRun(t *testing.T) *orderRun {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(t.Output(), nil))))
	env := suite.NewTestWorkflowEnvironment()
	r := &orderRun{t: t, env: env, start: env.Now().UTC()}
	r.fake = &fakeActs{order: testOrder(r.start)}
	env.RegisterWorkflowWithOptions(order.Order, workflow.RegisterOptions{Name: order.WorkflowName})
	env.RegisterActivity(r.fake)
	// The start of the order's ERP push, which the order starts when it opens.
	env.RegisterActivityWithOptions(func(_ context.Context, in erpsync.Input) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.pushed = append(r.pushed, in)
		return nil
	}, activity.RegisterOptions{Name: "StartPush"})
	return r
}

// erpPushes are the ERP pushes the order started.
func (r *orderRun) erpPushes() []erpsync.Input {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.pushed)
}

type outcome struct {
	mu       sync.Mutex
	done     bool
	rejected error
	err      error
	state    order.State
}

func (r *orderRun) update(at time.Duration, name string, arg any) *outcome {
	o := &outcome{}
	r.n++
	id := name + "-" + string(rune('a'+r.n))
	r.env.RegisterDelayedCallback(func() {
		r.env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) {
				o.mu.Lock()
				defer o.mu.Unlock()
				o.rejected, o.done = err, true
			},
			OnComplete: func(v any, err error) {
				o.mu.Lock()
				defer o.mu.Unlock()
				o.err, o.done = err, true
				if st, ok := v.(order.State); ok {
					o.state = st
				}
			},
		}, arg)
	}, at)
	return o
}

func (o *outcome) requireState(t *testing.T) order.State {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	require.True(t, o.done)
	require.NoError(t, o.rejected)
	require.NoError(t, o.err)
	return o.state
}

func (o *outcome) requireRefused(t *testing.T, code commerce.RejectionCode) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	require.True(t, o.done)
	require.Error(t, o.rejected, "refused by the validator, before history")
	r, ok := workflows.RefusalOf(o.rejected)
	require.True(t, ok, "%v", o.rejected)
	require.Equal(t, code, r.Code, r.Message)
}

func (r *orderRun) execute() order.State {
	r.t.Helper()
	r.env.ExecuteWorkflow(order.WorkflowName, order.Input{OrderID: orderID, CompanyID: companyID, CustomerID: buyerID})
	require.True(r.t, r.env.IsWorkflowCompleted())
	require.NoError(r.t, r.env.GetWorkflowError())
	var st order.State
	require.NoError(r.t, r.env.GetWorkflowResult(&st))
	return st
}

func shipment(ref string, shippedAt time.Time, lines ...order.Line) order.ShipmentInput {
	return order.ShipmentInput{ShipmentID: order.ShipmentIDFor("webhook:wh", ref), Lines: lines, Carrier: "DHL",
		Tracking: "JD" + ref, ShippedAt: shippedAt, Source: "webhook:wh/" + ref}
}

// Two partial shipments on time, each invoiced and captured, both delivered;
// the order completes when the return window closes, and its invoices add up
// to its total.
func TestOrderShippedDeliveredCompleted(t *testing.T) {
	t.Parallel()
	r := newOrderRun(t)
	first := shipment("s1", r.start.Add(time.Hour), order.Line{SKU: "BOLT", Quantity: 6})
	second := shipment("s2", r.start.Add(2*time.Hour), order.Line{SKU: "BOLT", Quantity: 4}, order.Line{SKU: "NUT", Quantity: 4})
	s1 := r.update(time.Hour, order.RecordShipmentUpdate, first)
	again := r.update(time.Hour+time.Minute, order.RecordShipmentUpdate, first)
	s2 := r.update(2*time.Hour, order.RecordShipmentUpdate, second)
	over := r.update(2*time.Hour+time.Minute, order.RecordShipmentUpdate, shipment("s3", r.start, order.Line{SKU: "NUT", Quantity: 1}))
	r.update(day, order.RecordDeliveryUpdate, order.DeliveryInput{ShipmentID: first.ShipmentID, DeliveredAt: r.start.Add(day), Source: "webhook:wh/d1"})
	d2 := r.update(2*day, order.RecordDeliveryUpdate, order.DeliveryInput{ShipmentID: second.ShipmentID, DeliveredAt: r.start.Add(2 * day), Source: "webhook:wh/d2"})

	st := r.execute()

	require.Equal(t, commerce.OrderPartiallyShipped, s1.requireState(t).Status)
	require.Equal(t, 1, again.requireState(t).Shipments, "a repeated report records the shipment once")
	shipped := s2.requireState(t)
	require.Equal(t, commerce.OrderShipped, shipped.Status)
	require.Equal(t, int64(2200), shipped.Invoiced)
	over.requireRefused(t, commerce.CodeOverShipment)
	require.Equal(t, commerce.OrderDelivered, d2.requireState(t).Status)
	require.Equal(t, commerce.OrderCompleted, st.Status)
	require.False(t, st.SlaBreached)

	require.Equal(t, []string{"OpenOrder", "RecordShipment", "CapturePayment", "RecordShipment", "CapturePayment",
		"RecordDelivery", "RecordDelivery", "CompleteOrder"}, r.fake.names())
	var captured int64
	for _, in := range r.fake.inputs("CapturePayment") {
		captured += in.(payment.AdjustPaymentInput).Amount.Amount
	}
	require.Equal(t, int64(2200), captured, "the invoices add up to the order's total")
	require.Equal(t, []erpsync.Input{{OrderID: orderID, CompanyID: companyID}}, r.erpPushes(), "the order hands itself to the ERP once")
	ships := r.fake.inputs("RecordShipment")
	require.Equal(t, order.InvoiceNumber(orderID, 1), ships[0].(fulfilment.RecordShipmentInput).Invoice.Number)
	require.Equal(t, r.start.Add(time.Hour+30*day), ships[0].(fulfilment.RecordShipmentInput).Invoice.DueAt, "net 30")
}

// Not shipped by its ship-by deadline: the order is flagged late at the
// deadline; delivered after its deliver-by deadline, it is flagged for that
// too.
func TestOrderLateIsFlaggedAtTheDeadline(t *testing.T) {
	t.Parallel()
	r := newOrderRun(t)
	var beforeFlag, afterFlag int
	r.env.RegisterDelayedCallback(func() { beforeFlag = len(r.fake.inputs("FlagLate")) }, 2*day-time.Minute)
	r.env.RegisterDelayedCallback(func() { afterFlag = len(r.fake.inputs("FlagLate")) }, 2*day+time.Minute)
	all := shipment("late", r.start.Add(3*day), order.Line{SKU: "BOLT", Quantity: 10}, order.Line{SKU: "NUT", Quantity: 4})
	r.update(3*day, order.RecordShipmentUpdate, all)
	r.update(6*day, order.RecordDeliveryUpdate, order.DeliveryInput{ShipmentID: all.ShipmentID, DeliveredAt: r.start.Add(6 * day), Source: "ops:x"})

	st := r.execute()

	require.Equal(t, 0, beforeFlag)
	require.Equal(t, 1, afterFlag, "flagged at the ship-by deadline")
	require.True(t, st.SlaBreached)
	flags := r.fake.inputs("FlagLate")
	require.Len(t, flags, 2, "late to ship, and (delivered on day 6) late to deliver")
	require.Equal(t, "ship_by", flags[0].(fulfilment.FlagLateInput).Deadline)
	require.Equal(t, "deliver_by", flags[1].(fulfilment.FlagLateInput).Deadline)
	require.Equal(t, commerce.OrderCompleted, st.Status)
}

// The buyer cancels part of an unshipped order, then the rest: stock and
// authorization are released for each, and the order ends cancelled. A
// colleague may not cancel; nothing shipped may be cancelled.
func TestOrderCancelledInTwoSteps(t *testing.T) {
	t.Parallel()
	r := newOrderRun(t)
	byColleague := r.update(time.Hour, order.CancelUpdate, order.CancelInput{Actor: order.Actor{ID: colleague, Role: commerce.RoleBuyer, CompanyID: companyID}})
	part := r.update(2*time.Hour, order.CancelUpdate, order.CancelInput{Actor: buyer, Lines: []order.Line{{SKU: "NUT", Quantity: 4}}, Reason: "not needed"})
	tooMuch := r.update(3*time.Hour, order.CancelUpdate, order.CancelInput{Actor: buyer, Lines: []order.Line{{SKU: "BOLT", Quantity: 11}}})
	rest := r.update(4*time.Hour, order.CancelUpdate, order.CancelInput{Actor: ops, Reason: "customer called"})

	st := r.execute()

	byColleague.requireRefused(t, commerce.CodeNotAllowed)
	require.Equal(t, commerce.OrderProcessing, part.requireState(t).Status)
	tooMuch.requireRefused(t, commerce.CodeOverCancellation)
	require.Equal(t, commerce.OrderCancelled, rest.requireState(t).Status)
	require.Equal(t, commerce.OrderCancelled, st.Status)
	var released int64
	for _, in := range r.fake.inputs("ReleasePayment") {
		released += in.(payment.AdjustPaymentInput).Amount.Amount
	}
	require.Equal(t, int64(2200), released, "the whole authorization released, in two parts")
	cancels := r.fake.inputs("CancelLines")
	require.Len(t, cancels, 2)
	require.Equal(t, []commerce.ShipLine{{SKU: "BOLT", Quantity: 10}}, cancels[1].(fulfilment.CancelLinesInput).Lines, "the rest")
}

// After part of the order shipped, the rest may still be cancelled, not what
// shipped; the order is shipped once what is left is cancelled.
func TestOrderCancelAfterPartialShipment(t *testing.T) {
	t.Parallel()
	r := newOrderRun(t)
	s := shipment("p1", r.start.Add(time.Hour), order.Line{SKU: "BOLT", Quantity: 10})
	r.update(time.Hour, order.RecordShipmentUpdate, s)
	shippedToo := r.update(2*time.Hour, order.CancelUpdate, order.CancelInput{Actor: buyer, Lines: []order.Line{{SKU: "BOLT", Quantity: 1}}})
	rest := r.update(3*time.Hour, order.CancelUpdate, order.CancelInput{Actor: buyer})
	r.update(day, order.RecordDeliveryUpdate, order.DeliveryInput{ShipmentID: s.ShipmentID, DeliveredAt: r.start.Add(day), Source: "ops:x"})

	st := r.execute()

	shippedToo.requireRefused(t, commerce.CodeOverCancellation)
	require.Equal(t, commerce.OrderShipped, rest.requireState(t).Status)
	require.Equal(t, commerce.OrderCompleted, st.Status)
	var captured, released int64
	for _, in := range r.fake.inputs("CapturePayment") {
		captured += in.(payment.AdjustPaymentInput).Amount.Amount
	}
	for _, in := range r.fake.inputs("ReleasePayment") {
		released += in.(payment.AdjustPaymentInput).Amount.Amount
	}
	require.Equal(t, int64(2200), captured+released, "invoiced and released add up to the authorization")
}

// The fake stands in for every activity the order calls under the same name
// and signature.
func TestFakeStandsInForTheRealActivities(t *testing.T) {
	t.Parallel()
	fake := reflect.ValueOf(&fakeActs{})
	for _, real := range []any{&fulfilment.Activities{}, &payment.Activities{}} {
		v := reflect.ValueOf(real)
		for i := range v.NumMethod() {
			name := v.Type().Method(i).Name
			m := fake.MethodByName(name)
			require.True(t, m.IsValid(), "the fake has %s", name)
			require.Equal(t, v.Method(i).Type(), m.Type(), "fake %s has another signature", name)
		}
	}
}

// shipAll ships and delivers the whole order in the first day.
func (r *orderRun) shipAll() order.ShipmentInput {
	s := shipment("all", r.start.Add(time.Hour), order.Line{SKU: "BOLT", Quantity: 10}, order.Line{SKU: "NUT", Quantity: 4})
	r.update(time.Hour, order.RecordShipmentUpdate, s)
	r.update(day, order.RecordDeliveryUpdate, order.DeliveryInput{ShipmentID: s.ShipmentID, DeliveredAt: r.start.Add(day), Source: "ops:x"})
	return s
}

// A return within the window: asked by the buyer (the same units cannot be
// asked for twice), approved by ops, received (part restocked, part written
// off) with a credit note of the returned units' share; the order is
// partially returned, then completes when the window closes. A second
// request after the window is refused.
func TestOrderReturnPath(t *testing.T) {
	t.Parallel()
	r := newOrderRun(t)
	r.shipAll()
	retID := uuid.New()
	ask := r.update(2*day, order.RequestReturnUpdate, order.ReturnRequestInput{Actor: buyer, ReturnID: retID,
		Lines: []order.ReturnLine{{SKU: "BOLT", Quantity: 5, Reason: "wrong size"}}})
	twice := r.update(2*day+time.Minute, order.RequestReturnUpdate, order.ReturnRequestInput{Actor: buyer, ReturnID: uuid.New(),
		Lines: []order.ReturnLine{{SKU: "BOLT", Quantity: 6, Reason: "again"}}})
	byBuyer := r.update(2*day+2*time.Minute, order.DecideReturnUpdate, order.ReturnDecisionInput{Actor: buyer, ReturnID: retID, Approve: true})
	approve := r.update(3*day, order.DecideReturnUpdate, order.ReturnDecisionInput{Actor: ops, ReturnID: retID, Approve: true})
	receive := r.update(4*day, order.ReceiveReturnUpdate, order.ReturnReceiptInput{ReturnID: retID, ReceivedAt: r.start.Add(4 * day),
		Source: "webhook:wh/r1", Lines: []order.ReceivedLine{{SKU: "BOLT", Condition: "write_off"}}})
	late := r.update(32*day, order.RequestReturnUpdate, order.ReturnRequestInput{Actor: buyer, ReturnID: uuid.New(),
		Lines: []order.ReturnLine{{SKU: "NUT", Quantity: 1, Reason: "late"}}})

	st := r.execute()

	require.Len(t, ask.requireState(t).Returns, 1)
	twice.requireRefused(t, commerce.CodeOverReturn)
	byBuyer.requireRefused(t, commerce.CodeNotAllowed)
	approved := approve.requireState(t)
	require.Equal(t, commerce.OrderPartiallyReturned, approved.Status)
	require.Equal(t, int64(500+50), approved.Returns[0].Credit, "5 bolts at 1.00 and their share of shipping: half the bolt line's 1.00")
	received := receive.requireState(t)
	require.Equal(t, "received", received.Returns[0].Status)
	require.Equal(t, approved.Returns[0].Credit, received.Credited)
	// The return window closed 30 days after the delivery on day 1: the order
	// completed on day 31, and nothing more is taken on day 32.
	late.mu.Lock()
	require.True(t, late.rejected != nil || !late.done, "no return after the window")
	late.mu.Unlock()
	require.Equal(t, commerce.OrderCompleted, st.Status)
	recv := r.fake.inputs("ReceiveReturn")[0].(fulfilment.ReceiveReturnInput)
	require.Equal(t, []fulfilment.ReceivedLine{{SKU: "BOLT", Quantity: 5, Condition: "write_off"}}, recv.Lines)
	require.Equal(t, order.CreditNoteNumber(orderID, 1), recv.CreditNote)
}

// A rejected return changes nothing of the order; returning everything ends
// the order as returned once the goods are in.
func TestOrderReturnRejectedThenEverythingReturned(t *testing.T) {
	t.Parallel()
	r := newOrderRun(t)
	r.shipAll()
	first, second := uuid.New(), uuid.New()
	all := []order.ReturnLine{{SKU: "BOLT", Quantity: 10, Reason: "damaged"}, {SKU: "NUT", Quantity: 4, Reason: "damaged"}}
	r.update(2*day, order.RequestReturnUpdate, order.ReturnRequestInput{Actor: buyer, ReturnID: first, Lines: all})
	noComment := r.update(2*day+time.Minute, order.DecideReturnUpdate, order.ReturnDecisionInput{Actor: ops, ReturnID: first})
	reject := r.update(2*day+2*time.Minute, order.DecideReturnUpdate, order.ReturnDecisionInput{Actor: ops, ReturnID: first, Comment: "photos first"})
	r.update(3*day, order.RequestReturnUpdate, order.ReturnRequestInput{Actor: buyer, ReturnID: second, Lines: all})
	r.update(3*day+time.Minute, order.DecideReturnUpdate, order.ReturnDecisionInput{Actor: ops, ReturnID: second, Approve: true})
	r.update(4*day, order.ReceiveReturnUpdate, order.ReturnReceiptInput{ReturnID: second, ReceivedAt: r.start.Add(4 * day), Source: "ops:x"})

	st := r.execute()

	noComment.mu.Lock()
	require.Error(t, noComment.rejected, "a rejection needs a comment")
	noComment.mu.Unlock()
	require.Equal(t, commerce.OrderDelivered, reject.requireState(t).Status)
	require.Equal(t, commerce.OrderReturned, st.Status)
	require.Equal(t, int64(2200), st.Credited, "everything invoiced is credited")
}

// Payments settle the invoices; paying more than is due is refused.
func TestOrderPayments(t *testing.T) {
	t.Parallel()
	r := newOrderRun(t)
	r.shipAll()
	over := r.update(2*day, order.RecordPaymentUpdate, order.PaymentInput{Actor: ops, Amount: 2201, Ref: "bank 1"})
	byBuyer := r.update(2*day+time.Minute, order.RecordPaymentUpdate, order.PaymentInput{Actor: buyer, Amount: 100, Ref: "x"})
	part := r.update(3*day, order.RecordPaymentUpdate, order.PaymentInput{Actor: ops, Amount: 1200, Ref: "bank 2"})
	rest := r.update(4*day, order.RecordPaymentUpdate, order.PaymentInput{Actor: ops, Amount: 1000, Ref: "bank 3"})

	st := r.execute()

	over.requireRefused(t, commerce.CodeOverPayment)
	byBuyer.requireRefused(t, commerce.CodeNotAllowed)
	require.Equal(t, commerce.PaymentPartiallyPaid, part.requireState(t).PaymentStatus)
	require.Equal(t, commerce.PaymentPaid, rest.requireState(t).PaymentStatus)
	require.Equal(t, int64(2200), st.Paid)
}

// An order whose history grows past its limit continues as a new run,
// carrying its state: the new run does not read the order again, knows the
// shipments of the old one (a delivery of one of them is taken), and goes on
// to completion.
func TestOrderContinuesAsNew(t *testing.T) {
	t.Parallel()
	r := newOrderRun(t)
	first := shipment("c1", r.start.Add(time.Hour), order.Line{SKU: "BOLT", Quantity: 10})
	r.update(time.Hour, order.RecordShipmentUpdate, first)
	r.env.ExecuteWorkflow(order.WorkflowName, order.Input{OrderID: orderID, CompanyID: companyID, CustomerID: buyerID, StepLimit: 1})
	require.True(t, r.env.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, r.env.GetWorkflowError(), &can)
	var next order.Input
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.NotNil(t, next.Carried)
	require.Len(t, next.Carried.Shipments, 1)
	require.Equal(t, int64(10), next.Carried.State.Lines[0].Shipped)

	r2 := newOrderRun(t)
	rest := shipment("c2", r2.start.Add(time.Hour), order.Line{SKU: "NUT", Quantity: 4})
	r2.update(time.Minute, order.RecordDeliveryUpdate, order.DeliveryInput{ShipmentID: first.ShipmentID, DeliveredAt: r2.start, Source: "ops:x"})
	again := r2.update(2*time.Minute, order.RecordShipmentUpdate, first)
	r2.update(time.Hour, order.RecordShipmentUpdate, rest)
	r2.update(day, order.RecordDeliveryUpdate, order.DeliveryInput{ShipmentID: rest.ShipmentID, DeliveredAt: r2.start.Add(day), Source: "ops:x"})
	r2.env.ExecuteWorkflow(order.WorkflowName, next)
	require.True(t, r2.env.IsWorkflowCompleted())
	require.NoError(t, r2.env.GetWorkflowError())
	var st order.State
	require.NoError(t, r2.env.GetWorkflowResult(&st))
	require.Equal(t, commerce.OrderCompleted, st.Status)
	require.Equal(t, 1, again.requireState(t).Shipments, "the old run's shipment is known: reported again, recorded once")
	require.NotContains(t, r2.fake.names(), "OpenOrder")
	require.Len(t, r.erpPushes(), 1, "the first run pushes the order to the ERP")
	require.Empty(t, r2.erpPushes(), "a continued run does not push it again")
	require.Equal(t, int64(2200), st.Invoiced)
}

// An update that arrives before the order is read (right after checkout's
// hand-over) waits for it instead of being refused; a run that starts over an
// order with shipments already (ops reset it) knows them.
func TestOrderEarlyUpdateAndKnownShipments(t *testing.T) {
	t.Parallel()
	r := newOrderRun(t)
	known := shipment("k1", r.start, order.Line{SKU: "BOLT", Quantity: 10})
	r.fake.order.Recorded = []fulfilment.RecordedShipment{{ID: known.ShipmentID, Number: 1, Lines: []commerce.ShipLine{{SKU: "BOLT", Quantity: 10}}}}
	r.fake.order.Lines[0].Shipped = 10
	r.fake.order.Payment = commerce.PaymentState{Invoiced: 1100}
	early := r.update(0, order.RecordShipmentUpdate, shipment("e1", r.start, order.Line{SKU: "NUT", Quantity: 4}))
	again := r.update(time.Minute, order.RecordShipmentUpdate, known)
	r.update(day, order.RecordDeliveryUpdate, order.DeliveryInput{ShipmentID: known.ShipmentID, DeliveredAt: r.start.Add(day), Source: "ops:x"})
	r.update(day, order.RecordDeliveryUpdate, order.DeliveryInput{ShipmentID: shipment("e1", r.start).ShipmentID, DeliveredAt: r.start.Add(day), Source: "ops:x"})

	st := r.execute()

	require.Equal(t, commerce.OrderShipped, early.requireState(t).Status)
	require.Equal(t, 2, again.requireState(t).Shipments, "the known shipment is not recorded again")
	require.Equal(t, commerce.OrderCompleted, st.Status)
	require.Len(t, r.fake.inputs("RecordShipment"), 1)
	require.Equal(t, int64(2200), st.Invoiced, "1100 before the reset and the nuts' share after")
}

// A step whose input Postgres refuses (a shipment's, past the validators) is
// not retried: the update is answered with the invalid_input refusal, nothing
// of it is recorded (no capture), and the order goes on: the same shipment
// reported again, fixed, is recorded, and the order completes.
func TestOrderStepWithInputPostgresRefusesIsRefusedOnce(t *testing.T) {
	t.Parallel()
	r := newOrderRun(t)
	r.fake.shipFails = activities.Classify(&pgconn.PgError{Code: "22021", Message: `invalid byte sequence for encoding "UTF8": 0x00`})
	all := shipment("s1", r.start.Add(time.Hour), order.Line{SKU: "BOLT", Quantity: 10}, order.Line{SKU: "NUT", Quantity: 4})
	refused := r.update(time.Hour, order.RecordShipmentUpdate, all)
	again := r.update(2*time.Hour, order.RecordShipmentUpdate, all)
	r.update(day, order.RecordDeliveryUpdate, order.DeliveryInput{ShipmentID: all.ShipmentID, DeliveredAt: r.start.Add(day), Source: "webhook:wh/d1"})

	st := r.execute()

	refused.mu.Lock()
	require.True(t, refused.done)
	require.NoError(t, refused.rejected, "the validator let it through")
	rej, ok := workflows.RefusalOf(refused.err)
	refused.mu.Unlock()
	require.True(t, ok, "a refusal, not a retry: %v", refused.err)
	require.Equal(t, commerce.CodeInvalidInput, rej.Code)
	require.Equal(t, commerce.OrderShipped, again.requireState(t).Status)
	require.Equal(t, commerce.OrderCompleted, st.Status)
	require.Equal(t, []string{"OpenOrder", "RecordShipment", "RecordShipment", "CapturePayment", "RecordDelivery", "CompleteOrder"},
		r.fake.names(), "the refused shipment ran once and captured nothing")
}
