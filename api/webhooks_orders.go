package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/webhooks"
	"github.com/orderflow/orderflow/workflows"
	"github.com/orderflow/orderflow/workflows/order"
)

// OrderWebhooks delivers shipment, return and ERP events to their order's
// workflow, as the order's record_shipment, record_delivery, receive_return
// and record_erp_news updates (the ERP's erp.order.shipped is a
// record_shipment). It is the WebhookDeliverer of the real stack
// (app.NewAPIHandler).
//
// A delivery is idempotent twice over: the update's ID is the event's
// (webhook/<integration>/<event id>), and the shipment's ID is derived from the
// integration and its own shipment reference (order.ShipmentIDFor), so a
// shipment reported again under another event ID is still recorded once, and
// its shipment.delivered finds it. A return.received names Orderflow's own
// return ID: goods reported again under another event ID find the return
// received already, and are rejected for ops to see.
type OrderWebhooks struct {
	Temporal client.Client
}

// Deliver hands a shipment or return event to its order: (false, nil) when no
// workflow has the order, an error wrapping webhooks.ErrRejected when the
// order refuses it (more than is open, a shipment it never had, a return not
// approved), any other error when Temporal could not be reached (the event
// stays pending).
func (d OrderWebhooks) Deliver(ctx context.Context, e webhooks.Event) (bool, error) {
	orderID, update, arg, err := orderUpdateOf(e)
	if err != nil {
		return false, fmt.Errorf("%w: %v", webhooks.ErrRejected, err)
	}
	if update == "" {
		return false, nil // an event no order takes: ops see it unmatched
	}
	_, err = order.Update(ctx, d.Temporal, orderID, update, "webhook/"+e.Integration+"/"+e.ID, arg)
	var notFound *serviceerror.NotFound
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &notFound):
		return d.closedOrder(ctx, orderID)
	case isRefusal(err):
		return false, fmt.Errorf("%w: %s", webhooks.ErrRejected, refusalText(err))
	}
	return false, err
}

// closedOrder answers an update Temporal could not find a running workflow
// for: an order whose life is over (cancelled, completed) refuses the event
// for good; an order Orderflow never had leaves it unmatched, for ops.
func (d OrderWebhooks) closedOrder(ctx context.Context, orderID uuid.UUID) (bool, error) {
	desc, err := d.Temporal.DescribeWorkflowExecution(ctx, order.WorkflowID(orderID), "")
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return false, fmt.Errorf("%w: order_state: the order takes no changes now (its workflow is %s)",
		webhooks.ErrRejected, strings.ToLower(desc.GetWorkflowExecutionInfo().GetStatus().String()))
}

// orderUpdateOf is the order update an event asks for: its order, the
// update's name ("" for an event no order takes) and its argument.
func orderUpdateOf(e webhooks.Event) (uuid.UUID, string, any, error) {
	reporter := "webhook:" + e.Integration
	source := reporter + "/" + e.ID
	switch e.Type {
	case webhooks.ShipmentCreated, webhooks.ErpOrderShipped:
		d, err := e.ShipmentCreated()
		if err != nil {
			return uuid.Nil, "", nil, err
		}
		lines := make([]order.Line, len(d.Lines))
		for i, l := range d.Lines {
			lines[i] = order.Line{SKU: l.SKU, Quantity: l.Quantity}
		}
		return d.OrderID, order.RecordShipmentUpdate, order.ShipmentInput{ShipmentID: order.ShipmentIDFor(reporter, d.ShipmentRef),
			Lines: lines, Carrier: d.Carrier, Tracking: d.TrackingNumber, ShippedAt: d.ShippedAt, Source: source,
			FromERP: e.Type == webhooks.ErpOrderShipped}, nil
	case webhooks.ShipmentDelivered:
		d, err := e.ShipmentDelivered()
		if err != nil {
			return uuid.Nil, "", nil, err
		}
		return d.OrderID, order.RecordDeliveryUpdate, order.DeliveryInput{ShipmentID: order.ShipmentIDFor(reporter, d.ShipmentRef),
			DeliveredAt: d.DeliveredAt, Source: source}, nil
	case webhooks.ReturnReceived:
		d, err := e.ReturnReceived()
		if err != nil {
			return uuid.Nil, "", nil, err
		}
		lines := make([]order.ReceivedLine, len(d.Lines))
		for i, l := range d.Lines {
			lines[i] = order.ReceivedLine{SKU: l.SKU, Condition: l.Condition}
		}
		return d.OrderID, order.ReceiveReturnUpdate, order.ReturnReceiptInput{ReturnID: d.ReturnID, Lines: lines,
			ReceivedAt: d.ReceivedAt, Source: source}, nil
	case webhooks.ErpOrderAcknowledged, webhooks.ErpOrderInvoiced, webhooks.ErpOrderPaid:
		d, err := e.ErpNews()
		if err != nil {
			return uuid.Nil, "", nil, err
		}
		return d.OrderID, order.RecordErpNewsUpdate, order.ErpNewsInput{Status: erpNewsStatus[e.Type], Ref: d.Ref,
			Amount: d.Amount, Currency: d.Currency, At: d.At, Source: source}, nil
	}
	return uuid.Nil, "", nil, nil
}

// erpNewsStatus is the ERP status each piece of ERP news reports.
var erpNewsStatus = map[webhooks.EventType]commerce.ErpStatus{
	webhooks.ErpOrderAcknowledged: commerce.ErpStatusOpen,
	webhooks.ErpOrderInvoiced:     commerce.ErpStatusInvoiced,
	webhooks.ErpOrderPaid:         commerce.ErpStatusPaid,
}

// isRefusal tells an order's refusal of an update (a business rejection or a
// field its validator refused) from a failure to reach it.
func isRefusal(err error) bool {
	var appErr *temporal.ApplicationError
	return errors.As(err, &appErr) && appErr.HasDetails()
}

// refusalText says why an order refused an update, for ops reading a
// rejected webhook event.
func refusalText(err error) string {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return err.Error()
	}
	var r commerce.Rejection
	if appErr.Type() != workflows.FieldRefusalType && appErr.Details(&r) == nil && r.Code != "" {
		return r.Error()
	}
	return appErr.Type() + ": " + appErr.Message()
}

// orderRefusal maps what an order's update refused to its HTTP answer: not
// allowed 403, a state that does not allow it 409, quantities the order
// cannot take 422 naming the SKU, bad input 422 naming the field, an order
// without a running workflow 409. Anything else (Temporal unreachable) is
// passed on.
func orderRefusal(err error) error {
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		// No running workflow: the order's life is over (or it was placed
		// before orders had one).
		return newError(http.StatusConflict, string(commerce.CodeOrderState), "the order takes no changes now")
	}
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || !appErr.HasDetails() {
		return err
	}
	if appErr.Type() == workflows.FieldRefusalType {
		var fe commerce.FieldError
		if appErr.Details(&fe) == nil && fe.Field != "" {
			return FieldError(fe.Field, fe.Field+" "+fe.Message)
		}
		return err
	}
	var r commerce.Rejection
	if appErr.Details(&r) != nil || r.Code == "" {
		return err
	}
	status, ok := orderRejectionStatus[r.Code]
	if !ok {
		status = http.StatusConflict
	}
	body := Error{Code: string(r.Code), Message: r.Message, SKU: r.SKU}
	if r.SKU != "" {
		body.Field = "lines"
	}
	return &HTTPError{Status: status, Body: body}
}

// orderRejectionStatus are the HTTP statuses of an order's refusals.
var orderRejectionStatus = map[commerce.RejectionCode]int{
	commerce.CodeNotAllowed:         http.StatusForbidden,
	commerce.CodeOrderState:         http.StatusConflict,
	commerce.CodeNotOnOrder:         http.StatusUnprocessableEntity,
	commerce.CodeOverShipment:       http.StatusUnprocessableEntity,
	commerce.CodeOverDelivery:       http.StatusUnprocessableEntity,
	commerce.CodeOverCancellation:   http.StatusUnprocessableEntity,
	commerce.CodeOverReturn:         http.StatusUnprocessableEntity,
	commerce.CodeReturnWindowClosed: http.StatusConflict,
	commerce.CodeOverPayment:        http.StatusUnprocessableEntity,
}
