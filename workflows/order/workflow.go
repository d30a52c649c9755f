package order

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities/fulfilment"
	"github.com/orderflow/orderflow/activities/payment"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/workflows"
	"github.com/orderflow/orderflow/workflows/erpsync"
)

// The activities an order calls, referenced through nil pointers.
var (
	fulfilmentActs *fulfilment.Activities
	paymentActs    *payment.Activities
	erpStarter     *erpsync.Starter
)

// Order runs an order's life from checkout's hand-over: shipments (each
// invoices its share of the order against the company's credit), deliveries,
// cancellations of what has not shipped (stock and authorization released),
// and deadlines: a durable timer flags an order not shipped (or delivered) in
// time, and the order completes when its return window has closed after the
// last delivery. Actions arrive as updates whose validators check them against
// the order's quantities; the loop carries them out one at a time.
func Order(ctx workflow.Context, in Input) (State, error) {
	w := &orderRun{in: in, shipments: map[uuid.UUID]*shipment{}}
	if err := w.setup(ctx); err != nil {
		return State{}, err
	}
	return w.run(ctx)
}

// orderRun is one order's state.
type orderRun struct {
	rootCtx workflow.Context
	in      Input
	o       fulfilment.Order
	opened  bool
	st      State
	pay     commerce.PaymentState
	// shipments are the recorded shipments by ID, returns the returns.
	shipments map[uuid.UUID]*shipment
	// shipmentOrder are the shipments' IDs in the order they were recorded.
	shipmentOrder []uuid.UUID
	returns       []*returnRun
	// deliveredAt is when (workflow time) the latest delivery was recorded:
	// the return window runs from it.
	deliveredAt time.Time
	// lastDelivery is when the order was delivered in full (zero before).
	lastDelivery time.Time
	// flagged says which deadlines were flagged late already.
	flaggedShip, flaggedDeliver bool
	step                        int
	// firstStep is the step this run started at.
	firstStep int
	queue     []*command
	// erpNewsSeen are the keys of the ERP news taken, erpNewsOrder the same
	// in the order taken.
	erpNewsSeen  map[string]bool
	erpNewsOrder []string
}

type shipment struct {
	number    int
	lines     []commerce.ShipLine
	delivered bool
}

// command is one accepted update, carried out by the loop.
type command struct {
	name string
	arg  any
	done bool
	err  error
}

func (w *orderRun) run(ctx workflow.Context) (State, error) {
	ctx = workflow.WithLocalActivityOptions(ctx, workflows.LocalStepOptions)
	if c := w.in.Carried; c != nil {
		w.resume(*c)
		w.firstStep = w.step
	} else {
		o, err := workflows.CallLocal(ctx, fulfilmentActs.OpenOrder, fulfilment.OpenOrderInput{OrderID: w.in.OrderID})
		if err != nil {
			return State{}, err
		}
		w.o, w.opened = o, true
		w.pay = o.Payment
		w.pay.Authorized = o.Totals.Total.Amount
		w.st = State{OrderID: o.OrderID, Lines: o.Lines, ShipBy: o.ShipBy, DeliverBy: o.DeliverBy, Shipments: len(o.Recorded),
			Invoiced: w.pay.Invoiced, Cancelled: w.pay.Voided}
		// A run that starts over an order with a life already (ops reset the
		// workflow) knows its shipments, so a repeated report records nothing.
		for _, r := range o.Recorded {
			w.shipments[r.ID] = &shipment{number: r.Number, lines: r.Lines, delivered: r.Delivered}
			w.shipmentOrder = append(w.shipmentOrder, r.ID)
		}
		if err := w.refresh(ctx, false); err != nil {
			return w.st, err
		}
		if err := w.pushToERP(ctx); err != nil {
			return w.st, err
		}
	}
	oneTimer := workflow.GetVersion(ctx, deadlineTimerChange, workflow.DefaultVersion, deadlineTimerKept) == deadlineTimerKept
	var deadline workflows.Deadline
	for !w.final() {
		if w.historyFull(ctx) {
			return State{}, workflow.NewContinueAsNewError(ctx, WorkflowName, w.carry())
		}
		timer, at := w.nextDeadline()
		ready := func() bool { return len(w.queue) > 0 }
		fired := false
		switch {
		case oneTimer:
			deadline.Set(ctx, timer, at)
			passed, err := deadline.Await(ctx, ready)
			if err != nil {
				return w.st, err
			}
			fired = passed
		case timer != "":
			ok, err := workflow.AwaitWithTimeout(ctx, workflows.Until(ctx, at), ready)
			if err != nil {
				return w.st, err
			}
			fired = !ok
		default:
			if err := workflow.Await(ctx, ready); err != nil {
				return w.st, err
			}
		}
		switch {
		case len(w.queue) > 0:
			cmd := w.queue[0]
			w.queue = w.queue[1:]
			cmd.err = w.carryOut(ctx, cmd)
			cmd.done = true
		case fired:
			if err := w.onTimer(ctx, timer); err != nil {
				return w.st, err
			}
		}
		w.describe(ctx)
	}
	for _, cmd := range w.queue {
		cmd.err, cmd.done = workflows.Refuse(commerce.Rejection{Code: commerce.CodeOrderState,
			Message: fmt.Sprintf("the order is %s", w.st.Status)}), true
	}
	w.queue = nil
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return w.st, err
	}
	return w.st, nil
}

// historyFull says the run's history grew past its limit and nothing is in
// flight (no queued action, no update handler running), so the order can
// continue as a new run without losing an action.
func (w *orderRun) historyFull(ctx workflow.Context) bool {
	limit := w.in.StepLimit
	if limit <= 0 {
		limit = DefaultStepLimit
	}
	full := workflow.GetInfo(ctx).GetCurrentHistoryLength() >= DefaultHistoryLimit || w.step-w.firstStep >= limit
	return full && len(w.queue) == 0 && workflow.AllHandlersFinished(ctx)
}

// carry is the input of the order's next run.
func (w *orderRun) carry() Input {
	c := &Carried{Order: w.o, State: w.snapshot(), Payment: w.pay, Returns: w.returnStates(), LastDelivery: w.lastDelivery,
		DeliveredAt: w.deliveredAt, FlaggedShip: w.flaggedShip, FlaggedDeliver: w.flaggedDeliver, Step: w.step,
		ErpNews: w.erpNewsOrder}
	for _, id := range w.shipmentOrder {
		s := w.shipments[id]
		c.Shipments = append(c.Shipments, CarriedShipment{ID: id, Number: s.number, Lines: s.lines, Delivered: s.delivered})
	}
	in := w.in
	in.Carried, in.StepLimit = c, 0
	return in
}

// resume takes the state of the run before.
func (w *orderRun) resume(c Carried) {
	w.o, w.opened, w.st, w.pay, w.step = c.Order, true, c.State, c.Payment, c.Step
	w.lastDelivery, w.deliveredAt, w.flaggedShip, w.flaggedDeliver = c.LastDelivery, c.DeliveredAt, c.FlaggedShip, c.FlaggedDeliver
	for _, key := range c.ErpNews {
		w.markErpNews(key)
	}
	for _, s := range c.Shipments {
		w.shipments[s.ID] = &shipment{number: s.Number, lines: s.Lines, delivered: s.Delivered}
		w.shipmentOrder = append(w.shipmentOrder, s.ID)
	}
	for _, r := range c.Returns {
		lines := make([]commerce.ReturnLine, len(r.Lines))
		for i, l := range r.Lines {
			lines[i] = commerce.ReturnLine{SKU: l.SKU, Quantity: l.Quantity, Reason: l.Reason}
		}
		w.returns = append(w.returns, &returnRun{id: r.ReturnID, number: r.Number, status: r.Status, lines: lines, credit: r.Credit})
	}
}

// final: nothing more can happen to the order.
func (w *orderRun) final() bool {
	switch w.st.Status {
	case commerce.OrderCancelled, commerce.OrderCompleted:
		return true
	case commerce.OrderReturned:
		return !w.openReturns()
	}
	return false
}

// nextDeadline is the next deadline the order waits for and when it is:
// shipping, delivery, or the close of the return window; "" when none.
func (w *orderRun) nextDeadline() (string, time.Time) {
	switch {
	case !commerce.AllShipped(w.st.Lines) && !w.flaggedShip:
		return "ship_by", w.o.ShipBy
	case !commerce.AllDelivered(w.st.Lines) && !w.flaggedDeliver && commerce.AllShipped(w.st.Lines):
		return "deliver_by", w.o.DeliverBy
	case !commerce.AllDelivered(w.st.Lines) && !w.flaggedDeliver && w.flaggedShip:
		return "deliver_by", w.o.DeliverBy
	case commerce.AllDelivered(w.st.Lines) && !w.lastDelivery.IsZero() && !w.openReturns():
		return "return_window", commerce.ReturnWindowClosesAt(w.lastDelivery, w.o.ReturnWindow)
	}
	return "", time.Time{}
}

// deadlineTimerChange is the change that makes the order wait on one timer per
// deadline (workflows.Deadline), kept across the loop's passes and cancelled
// when the deadline moves or goes away. Orders before it (DefaultVersion)
// waited with workflow.AwaitWithTimeout, which started a timer on every pass
// and left it pending when an action ended the wait: each later fired and
// woke the order for a workflow task that did nothing.
const (
	deadlineTimerChange = "deadline-timer"
	deadlineTimerKept   = 1
)

func (w *orderRun) onTimer(ctx workflow.Context, timer string) error {
	switch timer {
	case "ship_by", "deliver_by":
		at := w.o.ShipBy
		if timer == "ship_by" {
			w.flaggedShip = true
		} else {
			w.flaggedDeliver, at = true, w.o.DeliverBy
		}
		if err := workflows.RunLocal(ctx, fulfilmentActs.FlagLate, fulfilment.FlagLateInput{
			Step: w.nextStep(), CompanyID: w.o.CompanyID, Deadline: timer, At: at,
		}); err != nil {
			return err
		}
		w.st.SlaBreached = true
		return w.setAttributes(ctx)
	case "return_window":
		w.deriveStatuses(true)
		if err := workflows.RunLocal(ctx, fulfilmentActs.CompleteOrder, fulfilment.CompleteOrderInput{
			Step: w.nextStep(), Order: w.orderState(),
		}); err != nil {
			return err
		}
		return w.setAttributes(ctx)
	}
	return nil
}

func (w *orderRun) nextStep() fulfilment.Step {
	w.step++
	return fulfilment.Step{OrderID: w.o.OrderID, CartID: w.o.CartID, Seq: w.step}
}

// carryOut does one accepted update. The order may have changed since its
// validator passed it, so the quantities are checked again by the rules.
func (w *orderRun) carryOut(ctx workflow.Context, cmd *command) error {
	switch cmd.name {
	case RecordShipmentUpdate:
		return w.ship(ctx, cmd.arg.(ShipmentInput))
	case RecordDeliveryUpdate:
		return w.deliver(ctx, cmd.arg.(DeliveryInput))
	case CancelUpdate:
		return w.cancel(ctx, cmd.arg.(CancelInput))
	case RequestReturnUpdate:
		return w.requestReturn(ctx, cmd.arg.(ReturnRequestInput))
	case DecideReturnUpdate:
		return w.decideReturn(ctx, cmd.arg.(ReturnDecisionInput))
	case ReceiveReturnUpdate:
		return w.receiveReturn(ctx, cmd.arg.(ReturnReceiptInput))
	case RecordPaymentUpdate:
		return w.recordPayment(ctx, cmd.arg.(PaymentInput))
	case RecordErpNewsUpdate:
		return w.erpNews(ctx, cmd.arg.(ErpNewsInput))
	}
	return fmt.Errorf("unknown order update %q", cmd.name)
}

// ship records a shipment: the stock leaves, its share of the order is
// invoiced, and that part of the authorization is captured.
func (w *orderRun) ship(ctx workflow.Context, in ShipmentInput) error {
	if _, done := w.shipments[in.ShipmentID]; done {
		return nil // reported again: recorded once
	}
	lines := shipLines(in.Lines)
	amount, err := commerce.ShipmentAmount(w.st.Lines, w.o.Totals, lines)
	if err != nil {
		return workflows.AsUpdateError(err)
	}
	next, err := commerce.ApplyShipment(w.st.Lines, lines)
	if err != nil {
		return workflows.AsUpdateError(err)
	}
	number := w.st.Shipments + 1
	invoice := fulfilment.Invoice{
		Number: InvoiceNumber(w.o.OrderID, number), Amount: amount.Total, IssuedAt: in.ShippedAt.UTC(),
		DueAt: commerce.InvoiceDueDate(in.ShippedAt, w.o.PaymentTermsDays),
	}
	prev := w.st
	w.st.Lines, w.pay.Invoiced = next, w.pay.Invoiced+amount.Total
	w.deriveStatuses(false)
	step := w.nextStep()
	if err := workflows.RunLocal(ctx, fulfilmentActs.RecordShipment, fulfilment.RecordShipmentInput{
		Step: step, Attempt: w.o.Attempt, CompanyID: w.o.CompanyID, Currency: w.o.Currency,
		ShipmentID: in.ShipmentID, Number: number, Lines: lines, Carrier: in.Carrier, Tracking: in.Tracking,
		ShippedAt: in.ShippedAt.UTC(), Source: in.Source, Invoice: invoice, Order: w.orderState(),
	}); err != nil {
		w.st, w.pay.Invoiced = prev, w.pay.Invoiced-amount.Total
		return err
	}
	w.shipments[in.ShipmentID] = &shipment{number: number, lines: lines}
	w.shipmentOrder = append(w.shipmentOrder, in.ShipmentID)
	w.st.Shipments, w.st.Invoiced = number, w.pay.Invoiced
	if err := workflows.RunLocal(ctx, paymentActs.CapturePayment, payment.AdjustPaymentInput{
		PaymentKey: w.o.PaymentKey, ID: invoice.Number, Amount: commerce.Money{Amount: amount.Total, Currency: w.o.Currency},
		CartID: w.o.CartID, OrderID: w.o.OrderID,
	}); err != nil {
		return err
	}
	if err := w.setAttributes(ctx); err != nil {
		return err
	}
	return w.afterShipment(ctx, in)
}

// deliver records that a shipment arrived.
func (w *orderRun) deliver(ctx workflow.Context, in DeliveryInput) error {
	s, ok := w.shipments[in.ShipmentID]
	if !ok {
		return workflows.Refuse(commerce.Rejection{Code: commerce.CodeOrderState,
			Message: "the order has no shipment " + in.ShipmentID.String()})
	}
	if s.delivered {
		return nil
	}
	next, err := commerce.ApplyDelivery(w.st.Lines, s.lines)
	if err != nil {
		return workflows.AsUpdateError(err)
	}
	prev := w.st
	w.st.Lines = next
	var deliveredAt *time.Time
	if commerce.AllDelivered(next) {
		t := in.DeliveredAt.UTC()
		deliveredAt = &t
	}
	w.deriveStatuses(false)
	state := w.orderState()
	state.DeliveredAt = deliveredAt
	if err := workflows.RunLocal(ctx, fulfilmentActs.RecordDelivery, fulfilment.RecordDeliveryInput{
		Step: w.nextStep(), ShipmentID: in.ShipmentID, DeliveredAt: in.DeliveredAt.UTC(), Source: in.Source, Order: state,
	}); err != nil {
		w.st = prev
		return err
	}
	s.delivered = true
	w.deliveredAt = workflow.Now(ctx)
	if deliveredAt != nil {
		// The return window runs from the time of the workflow, so the
		// timer is deterministic whatever the reported time says.
		w.lastDelivery = workflow.Now(ctx)
	}
	return w.setAttributes(ctx)
}

// cancel cancels unshipped quantities: their stock and their share of the
// authorization are released.
func (w *orderRun) cancel(ctx workflow.Context, in CancelInput) error {
	lines, err := commerce.CheckCancellation(w.st.Lines, shipLines(in.Lines))
	if err != nil {
		return workflows.AsUpdateError(err)
	}
	amount, err := commerce.CancellationAmount(w.st.Lines, w.o.Totals, lines)
	if err != nil {
		return workflows.AsUpdateError(err)
	}
	next, err := commerce.ApplyCancellation(w.st.Lines, lines)
	if err != nil {
		return workflows.AsUpdateError(err)
	}
	prev, prevPay := w.st, w.pay
	w.st.Lines, w.pay.Voided = next, w.pay.Voided+amount.Total
	w.deriveStatuses(false)
	step := w.nextStep()
	if err := workflows.RunLocal(ctx, fulfilmentActs.CancelLines, fulfilment.CancelLinesInput{
		Step: step, Attempt: w.o.Attempt, Actor: actorName(in.Actor), Lines: lines, Reason: in.Reason, Order: w.orderState(),
	}); err != nil {
		w.st, w.pay = prev, prevPay
		return err
	}
	w.st.Cancelled = w.pay.Voided
	if err := workflows.RunLocal(ctx, paymentActs.ReleasePayment, payment.AdjustPaymentInput{
		PaymentKey: w.o.PaymentKey, ID: fmt.Sprintf("order/%s/cancel/%d", w.o.OrderID, step.Seq),
		Amount: commerce.Money{Amount: amount.Total, Currency: w.o.Currency}, CartID: w.o.CartID, OrderID: w.o.OrderID,
	}); err != nil {
		return err
	}
	return w.setAttributes(ctx)
}

// deriveStatuses computes the statuses from the quantities and the money.
func (w *orderRun) deriveStatuses(returnWindowClosed bool) {
	w.st.Status = commerce.DeriveOrderStatus(w.st.Lines, returnWindowClosed)
	w.st.FulfilmentStatus = commerce.DeriveFulfilmentStatus(w.st.Lines)
	w.st.PaymentStatus = commerce.DerivePaymentStatus(w.pay)
}

// orderState is the order as the activities record it.
func (w *orderRun) orderState() fulfilment.OrderState {
	w.st.Paid, w.st.Credited = w.pay.Paid, w.pay.Credited
	return fulfilment.OrderState{Lines: w.st.Lines, Status: w.st.Status, FulfilmentStatus: w.st.FulfilmentStatus,
		PaymentStatus: w.st.PaymentStatus, Cancelled: w.pay.Voided, Invoiced: w.pay.Invoiced, Paid: w.pay.Paid,
		Credited: w.pay.Credited}
}

// refresh derives the statuses and shows them.
func (w *orderRun) refresh(ctx workflow.Context, returnWindowClosed bool) error {
	w.deriveStatuses(returnWindowClosed)
	return w.setAttributes(ctx)
}

// setAttributes keeps the order's search attributes true.
func (w *orderRun) setAttributes(ctx workflow.Context) error {
	return workflow.UpsertTypedSearchAttributes(ctx,
		StatusKey.ValueSet(string(w.st.Status)),
		FulfilmentStatusKey.ValueSet(string(w.st.FulfilmentStatus)),
		PaymentStatusKey.ValueSet(string(w.st.PaymentStatus)),
		TotalKey.ValueSet(w.o.Totals.Total.Amount),
		ShipByKey.ValueSet(w.o.ShipBy),
		SlaBreachedKey.ValueSet(w.st.SlaBreached),
	)
}

// describe says in words where the order is, for ops in the Temporal UI.
func (w *orderRun) describe(ctx workflow.Context) {
	s := fmt.Sprintf("%s; fulfilment %s, payment %s", w.st.Status, w.st.FulfilmentStatus, w.st.PaymentStatus)
	switch {
	case w.st.SlaBreached:
		s += "; LATE"
	case !commerce.AllShipped(w.st.Lines):
		s += "; ship by " + w.o.ShipBy.Format(workflows.DetailsTime)
	case !w.lastDelivery.IsZero():
		s += "; returns until " + commerce.ReturnWindowClosesAt(w.lastDelivery, w.o.ReturnWindow).Format(workflows.DetailsTime)
	}
	if w.st.ErpPaymentHeld > 0 {
		s += "; ERP payment held: " + commerce.Money{Amount: w.st.ErpPaymentHeld, Currency: w.o.Currency}.String()
	}
	workflow.SetCurrentDetails(ctx, s)
}

// InvoiceNumber names a shipment's invoice: derived from the order and the
// shipment's number, so a retried shipment never issues a second invoice.
func InvoiceNumber(orderID uuid.UUID, shipment int) string {
	return fmt.Sprintf("INV-%s-%d", strings.ToUpper(strings.ReplaceAll(orderID.String(), "-", "")[:12]), shipment)
}

func shipLines(in []Line) []commerce.ShipLine {
	out := make([]commerce.ShipLine, len(in))
	for i, l := range in {
		out[i] = commerce.ShipLine{SKU: l.SKU, Quantity: l.Quantity}
	}
	return out
}

func actorName(a Actor) string {
	switch {
	case a.Role == "":
		return "system:order"
	case a.Role.CompanySide():
		return "customer:" + a.ID.String()
	default:
		return "staff:" + a.ID.String()
	}
}

// erpPushChange is the change that made an order hand itself to the ERP when it
// opens; orders opened before it replay without a push (DefaultVersion).
// Version 1 started the push as a child workflow, version 2 starts it from a
// local activity (erpsync.Starter): the child's start and its end each woke
// the order for a workflow task, now opening an order is one.
const (
	erpPushChange       = "erp-push"
	erpPushChildStart   = 1
	erpPushLocalStart   = 2
	erpPushMaxSupported = erpPushLocalStart
)

// pushToERP starts the order's ERP push (workflows/erpsync) on its own task
// queue and goes on at once: the order never waits for the ERP. A push that
// exists already (the order was reset) is the one push there is.
func (w *orderRun) pushToERP(ctx workflow.Context) error {
	in := erpsync.Input{OrderID: w.in.OrderID, CompanyID: w.in.CompanyID}
	switch workflow.GetVersion(ctx, erpPushChange, workflow.DefaultVersion, erpPushMaxSupported) {
	case erpPushLocalStart:
		return workflows.RunLocal(ctx, erpStarter.StartPush, in)
	case erpPushChildStart:
		child := erpsync.StartChild(ctx, in)
		if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
			return err
		}
	}
	return nil
}
