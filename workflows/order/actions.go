package order

import (
	"github.com/google/uuid"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/workflows"
)

// setup registers the state query and the updates. Each validator refuses,
// before anything is recorded in history, what the order's quantities do not
// allow and input Postgres could never store; an accepted update queues a
// command and answers once the loop has carried it out.
func (w *orderRun) setup(ctx workflow.Context) error {
	w.rootCtx = ctx
	if err := workflow.SetQueryHandlerWithOptions(ctx, StateQuery, func() (State, error) { return w.snapshot(), nil },
		workflow.QueryHandlerOptions{Description: "The order's statuses, line quantities, deadlines and money."}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, RecordShipmentUpdate,
		func(ctx workflow.Context, in ShipmentInput) (State, error) {
			return w.queueCommand(ctx, RecordShipmentUpdate, in)
		},
		workflow.UpdateHandlerOptions{Validator: w.validateShipment,
			Description: "Records a shipment (ops or a warehouse webhook): the stock leaves and its share is invoiced."}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, RecordDeliveryUpdate,
		func(ctx workflow.Context, in DeliveryInput) (State, error) {
			return w.queueCommand(ctx, RecordDeliveryUpdate, in)
		},
		workflow.UpdateHandlerOptions{Validator: w.validateDelivery,
			Description: "Records that a shipment was delivered."}); err != nil {
		return err
	}
	handlers := []struct {
		name, description  string
		handler, validator any
	}{
		{CancelUpdate, "Cancels quantities that have not shipped (all of them when none are named).",
			func(ctx workflow.Context, in CancelInput) (State, error) {
				return w.queueCommand(ctx, CancelUpdate, in)
			},
			w.validateCancel},
		{RequestReturnUpdate, "The buyer (or a company admin) asks to return delivered units within the return window.",
			func(ctx workflow.Context, in ReturnRequestInput) (State, error) {
				return w.queueCommand(ctx, RequestReturnUpdate, in)
			}, w.validateReturnRequest},
		{DecideReturnUpdate, "Ops approve or reject a return request.",
			func(ctx workflow.Context, in ReturnDecisionInput) (State, error) {
				return w.queueCommand(ctx, DecideReturnUpdate, in)
			}, w.validateReturnDecision},
		{ReceiveReturnUpdate, "An approved return's goods arrived: restock or write off, and issue the credit note.",
			func(ctx workflow.Context, in ReturnReceiptInput) (State, error) {
				return w.queueCommand(ctx, ReceiveReturnUpdate, in)
			}, w.validateReturnReceipt},
		{RecordPaymentUpdate, "Ops record a payment of the order's invoices.",
			func(ctx workflow.Context, in PaymentInput) (State, error) {
				return w.queueCommand(ctx, RecordPaymentUpdate, in)
			},
			w.validatePayment},
		{RecordErpNewsUpdate, "The ERP's news of the order (acknowledged, invoiced, paid), in any order, each once; a payment beyond what is invoiced is held until shipments invoice it.",
			func(ctx workflow.Context, in ErpNewsInput) (State, error) {
				return w.queueCommand(ctx, RecordErpNewsUpdate, in)
			},
			w.validateErpNews},
	}
	for _, h := range handlers {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, h.name, h.handler,
			workflow.UpdateHandlerOptions{Validator: h.validator, Description: h.description}); err != nil {
			return err
		}
	}
	return nil
}

func (w *orderRun) queueCommand(ctx workflow.Context, name string, arg any) (State, error) {
	cmd := &command{name: name, arg: arg}
	w.queue = append(w.queue, cmd)
	if err := workflow.Await(ctx, func() bool { return cmd.done }); err != nil {
		return State{}, err
	}
	if cmd.err != nil {
		return State{}, cmd.err
	}
	return w.snapshot(), nil
}

func (w *orderRun) validateShipment(in ShipmentInput) error {
	if err := w.checkOpen(); err != nil {
		return err
	}
	switch {
	case in.ShipmentID == uuid.Nil:
		return workflows.RefuseField("shipment_id", "is required")
	case in.ShippedAt.IsZero():
		return workflows.RefuseField("shipped_at", "is required")
	}
	if _, recorded := w.shipments[in.ShipmentID]; recorded {
		return nil // a repeated report answers the order as it is
	}
	if err := commerce.ValidateShipmentInfo(in.Carrier, in.Tracking); err != nil {
		return workflows.AsUpdateError(err)
	}
	if err := commerce.ValidateQuoteText("source", in.Source, maxSourceBytes, true); err != nil {
		return workflows.AsUpdateError(err)
	}
	if !w.opened {
		return nil
	}
	return workflows.AsUpdateError(commerce.CheckShipment(w.st.Lines, shipLines(in.Lines)))
}

func (w *orderRun) validateDelivery(in DeliveryInput) error {
	if err := w.checkOpen(); err != nil {
		return err
	}
	if in.DeliveredAt.IsZero() {
		return workflows.RefuseField("delivered_at", "is required")
	}
	if err := commerce.ValidateQuoteText("source", in.Source, maxSourceBytes, true); err != nil {
		return workflows.AsUpdateError(err)
	}
	if !w.opened {
		return nil
	}
	if _, ok := w.shipments[in.ShipmentID]; !ok {
		return workflows.Refuse(commerce.Rejection{Code: commerce.CodeOrderState,
			Message: "the order has no shipment " + in.ShipmentID.String()})
	}
	return nil
}

func (w *orderRun) validateCancel(in CancelInput) error {
	if err := w.checkOpen(); err != nil {
		return err
	}
	isBuyer := in.Actor.ID == w.in.CustomerID
	sameCompany := in.Actor.CompanyID != uuid.Nil && in.Actor.CompanyID == w.in.CompanyID
	if !commerce.CanCancelOrder(in.Actor.Role, isBuyer, sameCompany) {
		return workflows.Refuse(commerce.Rejection{Code: commerce.CodeNotAllowed,
			Message: "only the buyer, a company admin of the buyer's company or ops may cancel an order"})
	}
	if err := commerce.ValidateQuoteText("reason", in.Reason, commerce.MaxQuoteTextBytes, false); err != nil {
		return workflows.AsUpdateError(err)
	}
	if !w.opened {
		return nil
	}
	_, err := commerce.CheckCancellation(w.st.Lines, shipLines(in.Lines))
	return workflows.AsUpdateError(err)
}

// checkOpen refuses updates after the order's end. Before the order is read
// (an update that arrives right after checkout), validators check the input's
// shape only: the update waits in the queue until the order is read, and the
// rules check its quantities when it is carried out.
func (w *orderRun) checkOpen() error {
	if w.final() {
		return workflows.Refuse(commerce.Rejection{Code: commerce.CodeOrderState, Message: "the order takes no changes now"})
	}
	return nil
}

// maxSourceBytes bounds who reported a change: "webhook:<integration>/<event
// id>" with the longest names the webhooks accept.
const maxSourceBytes = 400

func (w *orderRun) snapshot() State {
	st := w.st
	st.Lines = append([]commerce.OrderLine(nil), w.st.Lines...)
	st.Paid, st.Credited = w.pay.Paid, w.pay.Credited
	st.Returns = w.returnStates()
	return st
}
