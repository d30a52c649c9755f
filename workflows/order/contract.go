// Package order is an order's life after checkout: shipments (from ops or a
// warehouse's signed webhooks) that invoice against the company's credit,
// deliveries, cancellation of what has not shipped, deadlines that flag late
// orders. This file is its contract; the state machine is in workflow.go, the
// updates in actions.go.
package order

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities/fulfilment"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/workflows"
)

// TaskQueue is the task queue of order workflows and their activities.
const TaskQueue = "orderflow-order"

// WorkflowName is the registered name of the order workflow.
const WorkflowName = "Order"

// VersioningBehavior moves an order to each new worker deployment version
// (build) as it becomes current, at its next workflow task (Temporal's worker
// versioning, docs/deployment.md). An order lives for weeks, through
// shipments, invoices, payments and returns: pinning it would keep every
// build running as long as its oldest open order. So a change to the
// workflow keeps old histories replayable (workflow.GetVersion), which the
// replay test over testdata/ proves before a build ships.
const VersioningBehavior = workflow.VersioningBehaviorAutoUpgrade

// WorkflowID is the ID of an order's workflow: derived from the order, so a
// retried checkout can never start two.
func WorkflowID(orderID uuid.UUID) string { return "order/" + orderID.String() }

// StateQuery answers the order's State, for ops and debugging.
const StateQuery = "order_state"

// Update names. Every update's validator refuses, before anything is
// recorded, what the order's quantities do not allow (shipping more than is
// open, cancelling what has shipped) and input Postgres could never store.
const (
	// RecordShipmentUpdate records a shipment (ops, or a warehouse webhook).
	RecordShipmentUpdate = "record_shipment"
	// RecordDeliveryUpdate records that a shipment was delivered.
	RecordDeliveryUpdate = "record_delivery"
	// CancelUpdate cancels quantities that have not shipped (all of them when
	// none are named).
	CancelUpdate = "cancel"
	// RequestReturnUpdate asks to return delivered units, within the return
	// window (the buyer, or a company admin).
	RequestReturnUpdate = "request_return"
	// DecideReturnUpdate approves or rejects a return request (ops).
	DecideReturnUpdate = "decide_return"
	// ReceiveReturnUpdate records an approved return's goods received, and
	// issues its credit note (ops or a warehouse webhook).
	ReceiveReturnUpdate = "receive_return"
	// RecordPaymentUpdate records a payment of the order's invoices (ops).
	RecordPaymentUpdate = "record_payment"
	// RecordErpNewsUpdate records the ERP's news of the order (its signed
	// webhooks): acknowledged, invoiced or paid; its shipped news is a
	// record_shipment with FromERP. News is taken in any order and each piece
	// once: the ERP status only moves forward, and a payment beyond what the
	// invoices owe is held until shipments invoice it.
	RecordErpNewsUpdate = "record_erp_news"
)

// Search attributes the order owns, besides workflows.CompanyIDKey and
// workflows.CustomerIDKey, e.g. OrderStatus="processing" AND SlaBreached=true.
var (
	// StatusKey is the order's commerce.OrderStatus.
	StatusKey = temporal.NewSearchAttributeKeyKeyword("OrderStatus")
	// FulfilmentStatusKey is the order's commerce.FulfilmentStatus.
	FulfilmentStatusKey = temporal.NewSearchAttributeKeyKeyword("FulfilmentStatus")
	// PaymentStatusKey is the order's commerce.PaymentStatus.
	PaymentStatusKey = temporal.NewSearchAttributeKeyKeyword("PaymentStatus")
	// TotalKey is the order's total, in minor units of its currency.
	TotalKey = temporal.NewSearchAttributeKeyInt64("OrderTotal")
	// ShipByKey is when the order must have shipped.
	ShipByKey = temporal.NewSearchAttributeKeyTime("ShipBy")
	// SlaBreachedKey is set once the order missed a deadline.
	SlaBreachedKey = temporal.NewSearchAttributeKeyBool("SlaBreached")
)

// SearchAttributes are every search attribute an order sets, for registering
// them on a namespace.
var SearchAttributes = append([]temporal.SearchAttributeKey{StatusKey, FulfilmentStatusKey, PaymentStatusKey,
	TotalKey, ShipByKey, SlaBreachedKey}, workflows.SharedSearchAttributes...)

// Input starts an order's life: the order checkout placed.
type Input struct {
	OrderID    uuid.UUID `json:"order_id"`
	CompanyID  uuid.UUID `json:"company_id"`
	CustomerID uuid.UUID `json:"customer_id"`
	// StepLimit is how many changes one run records before the order
	// continues as a new run (0: DefaultStepLimit); a run also continues as
	// new when its history reaches DefaultHistoryLimit events.
	StepLimit int `json:"step_limit,omitempty"`
	// Carried is the state of the run before, when this one continues it.
	Carried *Carried `json:"carried,omitempty"`
}

// DefaultHistoryLimit and DefaultStepLimit keep a run's history to a few
// thousand events: an order that lives long (many partial shipments, returns)
// continues as new. A change takes about six events.
const (
	DefaultHistoryLimit = 2000
	DefaultStepLimit    = 300
)

// Carried is an order's state carried into its next run.
type Carried struct {
	Order          fulfilment.Order      `json:"order"`
	State          State                 `json:"state"`
	Payment        commerce.PaymentState `json:"payment"`
	Shipments      []CarriedShipment     `json:"shipments"`
	Returns        []ReturnState         `json:"returns"`
	LastDelivery   time.Time             `json:"last_delivery"`
	DeliveredAt    time.Time             `json:"delivered_at"`
	FlaggedShip    bool                  `json:"flagged_ship"`
	FlaggedDeliver bool                  `json:"flagged_deliver"`
	Step           int                   `json:"step"`
	// ErpNews are the keys of the ERP news taken (ErpNewsInput.Key), so
	// news sent again after a continue-as-new is still taken once.
	ErpNews []string `json:"erp_news,omitempty"`
}

// CarriedShipment is a recorded shipment, carried into the next run.
type CarriedShipment struct {
	ID        uuid.UUID           `json:"id"`
	Number    int                 `json:"number"`
	Lines     []commerce.ShipLine `json:"lines"`
	Delivered bool                `json:"delivered"`
}

// Actor is who acts on an order: the API fills it in from the caller's token.
type Actor struct {
	ID        uuid.UUID     `json:"id"`
	Role      commerce.Role `json:"role"`
	CompanyID uuid.UUID     `json:"company_id,omitempty"` // uuid.Nil for seller staff
}

// Line is a SKU and a number of units.
type Line struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

// ShipmentIDFor derives a shipment's ID from who reports it and their own
// reference for it (a warehouse's shipment reference, ops' Idempotency-Key), so
// the same shipment reported twice, or its delivery reported later, names one
// shipment.
func ShipmentIDFor(source, ref string) uuid.UUID {
	return uuid.NewSHA1(shipmentNamespace, []byte(source+"\x00"+ref))
}

var shipmentNamespace = uuid.MustParse("c1d7e3f2-6a4b-4e8d-9f10-2b3c4d5e6f70")

// ShipmentInput records a shipment. ShipmentID comes from whoever reports it
// (derived from ops' Idempotency-Key, or from the warehouse's event), so a
// retried report records it once.
type ShipmentInput struct {
	ShipmentID uuid.UUID `json:"shipment_id"`
	Lines      []Line    `json:"lines"`
	Carrier    string    `json:"carrier"`
	Tracking   string    `json:"tracking"`
	ShippedAt  time.Time `json:"shipped_at"`
	// Source says who told us: "ops:<staff id>" or "webhook:<integration>/<event id>".
	Source string `json:"source"`
	// FromERP says the ERP reported it (erp.order.shipped): recording it
	// also moves the order's ERP status to shipped.
	FromERP bool `json:"from_erp,omitempty"`
}

// DeliveryInput records that a shipment arrived.
type DeliveryInput struct {
	ShipmentID  uuid.UUID `json:"shipment_id"`
	DeliveredAt time.Time `json:"delivered_at"`
	Source      string    `json:"source"`
}

// CancelInput cancels unshipped quantities: Lines, or everything still open
// when Lines is empty.
type CancelInput struct {
	Actor  Actor  `json:"actor"`
	Lines  []Line `json:"lines,omitempty"`
	Reason string `json:"reason"`
}

// ReturnLine is units of a SKU to return, and why.
type ReturnLine struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
	Reason   string `json:"reason"`
}

// ReturnRequestInput asks to return delivered units. ReturnID comes from the
// request (derived from its Idempotency-Key), so a retried request asks once.
type ReturnRequestInput struct {
	Actor    Actor        `json:"actor"`
	ReturnID uuid.UUID    `json:"return_id"`
	Lines    []ReturnLine `json:"lines"`
}

// ReturnDecisionInput is ops' decision on a return request.
type ReturnDecisionInput struct {
	Actor    Actor     `json:"actor"`
	ReturnID uuid.UUID `json:"return_id"`
	Approve  bool      `json:"approve"`
	Comment  string    `json:"comment"`
}

// ReceivedLine is how a returned SKU came back: "restock" (back on hand) or
// "write_off".
type ReceivedLine struct {
	SKU       string `json:"sku"`
	Condition string `json:"condition"`
}

// ReturnReceiptInput records an approved return's goods received; SKUs not
// named come back as restock.
type ReturnReceiptInput struct {
	ReturnID   uuid.UUID      `json:"return_id"`
	Lines      []ReceivedLine `json:"lines,omitempty"`
	ReceivedAt time.Time      `json:"received_at"`
	Source     string         `json:"source"`
}

// PaymentInput records a payment of the order's invoices, in minor units.
type PaymentInput struct {
	Actor  Actor  `json:"actor"`
	Amount int64  `json:"amount"`
	Ref    string `json:"ref"`
}

// ErpNewsInput is a piece of the ERP's news of the order.
type ErpNewsInput struct {
	// Status is what the ERP reports: open (acknowledged), invoiced or paid.
	Status commerce.ErpStatus `json:"status"`
	// Ref is the ERP's reference: its order number (open), its invoice
	// number (invoiced) or its payment's reference (paid). With Status it
	// names the news, so news sent twice is taken once.
	Ref string `json:"ref"`
	// Amount and Currency are the invoice's or the payment's, in minor units.
	Amount   int64  `json:"amount,omitempty"`
	Currency string `json:"currency,omitempty"`
	// At is when it happened, as the ERP says.
	At time.Time `json:"at"`
	// Source says who told us: "webhook:<integration>/<event id>", or for a
	// resync "reconciliation:<finding id>/ops:<staff id>".
	Source string `json:"source"`
	// Resync is a status only, as a reconciliation found it in the ERP (ops'
	// repair of a status mismatch): it moves the order's ERP status forward to
	// Status, which may then be shipped too, and carries no amount (no invoice
	// or payment is recorded: their details come only with their news).
	Resync bool `json:"resync,omitempty"`
}

// Key names the news: a status and the ERP's reference.
func (in ErpNewsInput) Key() string { return string(in.Status) + "/" + in.Ref }

// ReturnState is where one return stands.
type ReturnState struct {
	ReturnID uuid.UUID    `json:"return_id"`
	Number   int          `json:"number"`
	Status   string       `json:"status"` // requested, approved, rejected, received
	Lines    []ReturnLine `json:"lines"`
	Credit   int64        `json:"credit"`
}

// State is where an order stands.
type State struct {
	OrderID          uuid.UUID                 `json:"order_id"`
	Status           commerce.OrderStatus      `json:"status"`
	FulfilmentStatus commerce.FulfilmentStatus `json:"fulfilment_status"`
	PaymentStatus    commerce.PaymentStatus    `json:"payment_status"`
	Lines            []commerce.OrderLine      `json:"lines"`
	ShipBy           time.Time                 `json:"ship_by"`
	DeliverBy        time.Time                 `json:"deliver_by"`
	SlaBreached      bool                      `json:"sla_breached"`
	Shipments        int                       `json:"shipments"`
	Invoiced         int64                     `json:"invoiced"`
	Cancelled        int64                     `json:"cancelled"`
	Paid             int64                     `json:"paid"`
	Credited         int64                     `json:"credited"`
	Returns          []ReturnState             `json:"returns,omitempty"`
	// ErpStatus is the furthest status the ERP has reported.
	ErpStatus commerce.ErpStatus `json:"erp_status,omitempty"`
	// ErpPaymentHeld is what the ERP reported paid beyond what the invoices
	// owed: held, and applied as shipments invoice.
	ErpPaymentHeld int64 `json:"erp_payment_held,omitempty"`
}

// Starter starts orders' workflows from the checkout that placed them, as a
// local activity of that checkout (StartOrderLife). It replaced the child
// workflow (StartChild): a child's start and the event that it started each
// cost the checkout a trip through the server and a second workflow task,
// while a start from the worker's own client is one call, eager (the order's
// first workflow task comes back in the answer when this process runs an
// order worker), inside the checkout's only workflow task. The start is as
// idempotent as the child's: the workflow ID comes from the order and the
// reuse policy is REJECT_DUPLICATE, so a retried start, a replayed checkout or
// a repeated checkout of the cart finds the order's life started and starts
// nothing.
type Starter struct {
	Client client.Client
}

// StartInput is an order's start: its input, and how it reads in the UI.
type StartInput struct {
	Order   Input  `json:"order"`
	Summary string `json:"summary"`
	// PlacedBy is the workflow ID of the checkout that placed the order,
	// shown in the order's details in the UI (a started workflow has no
	// parent to link to).
	PlacedBy string `json:"placed_by"`
}

// StartOrderLife starts the order's workflow, or finds it started.
func (s *Starter) StartOrderLife(ctx context.Context, in StartInput) error {
	_, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       WorkflowID(in.Order.OrderID),
		TaskQueue:                TaskQueue,
		EnableEagerStart:         true,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		TypedSearchAttributes:    startAttributes(in.Order),
		StaticSummary:            in.Summary,
		StaticDetails:            "Placed by checkout `" + in.PlacedBy + "`.",
	}, WorkflowName, in.Order)
	if _, started := errors.AsType[*serviceerror.WorkflowExecutionAlreadyStarted](err); started {
		return nil
	}
	return err
}

// startAttributes are an order's search attributes from its start.
func startAttributes(in Input) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(
		workflows.CompanyIDKey.ValueSet(in.CompanyID.String()),
		workflows.CustomerIDKey.ValueSet(in.CustomerID.String()),
		StatusKey.ValueSet(string(commerce.OrderPlaced)),
	)
}

// StartChild starts the order's workflow as a child of the calling workflow
// (checkout, once it placed the order). The order outlives its parent (parent
// close policy ABANDON), and its ID comes from the order with reuse policy
// REJECT_DUPLICATE, so a retried or repeated checkout can never start a second
// life for the same order: the start then fails as already started, which
// the caller ignores.
func StartChild(ctx workflow.Context, in Input, summary string) workflow.ChildWorkflowFuture {
	ctx = workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            WorkflowID(in.OrderID),
		TaskQueue:             TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		TypedSearchAttributes: startAttributes(in),
		StaticSummary:         summary,
	})
	return workflow.ExecuteChildWorkflow(ctx, WorkflowName, in)
}

// Update sends one action to the order's workflow and answers its State
// afterwards, or the refusal: a *temporal.ApplicationError carrying a
// commerce.Rejection (or, for bad input, a commerce.FieldError of type
// workflows.FieldRefusalType).
func Update(ctx context.Context, c client.Client, orderID uuid.UUID, update, updateID string, arg any) (State, error) {
	handle, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   WorkflowID(orderID),
		UpdateID:     updateID,
		UpdateName:   update,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return State{}, err
	}
	var st State
	return st, handle.Get(ctx, &st)
}
