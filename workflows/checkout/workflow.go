package checkout

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities/approval"
	"github.com/orderflow/orderflow/activities/carts"
	"github.com/orderflow/orderflow/activities/inventory"
	"github.com/orderflow/orderflow/activities/orders"
	"github.com/orderflow/orderflow/activities/payment"
	"github.com/orderflow/orderflow/activities/spend"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/workflows"
	"github.com/orderflow/orderflow/workflows/order"
)

// The activities checkout calls, referenced through nil pointers: the worker
// registers the real structs, and the compiler checks every name and input.
var (
	cartActs      *carts.Activities
	spendActs     *spend.Activities
	approvalActs  *approval.Activities
	inventoryActs *inventory.Activities
	paymentActs   *payment.Activities
	orderActs     *orders.Activities
	orderStarter  *order.Starter
)

// stepOptions run every checkout step as a local activity. Each step is one
// short transaction against our own Postgres (or the built-in on-account
// provider, which is Postgres too): running it inside the workflow task saves a
// task-queue round trip and two history events per step, which is most of a
// checkout's latency. Safety is unchanged: a local activity is at-least-once
// like any activity, and every step is idempotent, keyed by the cart and
// checkout attempt, so a worker that dies mid-step and replays it duplicates
// nothing. Infrastructure errors retry with backoff for a day (a database
// outage delays a checkout, it does not lose it; after a day the buyer is better
// served by a refusal); business refusals are non-retryable errors.
var stepOptions = workflows.LocalStepOptions

// compensationOptions are for the steps that undo a failed checkout. They must
// not give up while stock or credit is held, so they retry for a month: long
// enough for any outage, and visible to ops as a running checkout meanwhile.
var compensationOptions = func() workflow.LocalActivityOptions {
	o := stepOptions
	o.ScheduleToCloseTimeout = 30 * 24 * time.Hour
	return o
}()

// Checkout turns a cart into an order: reprice, reserve spend and wait for an
// approver when the company's rules say so, reserve stock, authorize payment,
// place the order. Any refusal or failure compensates what was done (close the
// approval, void the payment, release the stock and the spend) and reopens the
// cart with the reason.
func Checkout(ctx workflow.Context, in Input) (Result, error) {
	c := &checkout{in: in, result: Result{Status: commerce.CheckoutPending}}
	if err := c.setup(ctx); err != nil {
		return Result{}, err
	}
	return c.run(ctx)
}

// checkout is one checkout's state; its fields are what compensation needs.
type checkout struct {
	in      Input
	attempt int
	cart    commerce.PricedCart
	// frozen: this checkout moved the cart to checking_out and must reopen it on
	// failure. mayHold…: the step was started, so it may have taken effect even
	// if its answer never came; compensating a step that did nothing is a no-op.
	frozen, mayHoldSpend, mayHoldStock, mayHoldPayment bool
	// approval is set while and after the checkout waits for an approver.
	approval *ApprovalState
	result   Result
}

func (c *checkout) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandlerWithOptions(ctx, StatusQuery, c.status, workflow.QueryHandlerOptions{
		Description: "Where the checkout is: status, order, totals, refusal and approval.",
	}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, DecideApprovalUpdate, c.decide, workflow.UpdateHandlerOptions{
		Validator:   c.validateDecision,
		Description: "An approver of the buyer's company approves or rejects the waiting checkout.",
	}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, WithdrawUpdate, c.withdraw, workflow.UpdateHandlerOptions{
		Validator:   c.validateWithdrawal,
		Description: "The buyer withdraws the checkout while it waits for approval.",
	}); err != nil {
		return err
	}
	// Start sets these; a checkout started another way (the CLI, a test) still
	// gets them, so every checkout can be found in the UI.
	if _, set := workflow.GetTypedSearchAttributes(ctx).GetKeyword(CartIDKey); set {
		return nil
	}
	return workflow.UpsertTypedSearchAttributes(ctx, startAttributes(c.in).Copy())
}

func (c *checkout) run(ctx workflow.Context) (Result, error) {
	ctx = workflow.WithLocalActivityOptions(ctx, stepOptions)

	// 1. Freeze the cart and reprice it from the catalogue.
	workflow.SetCurrentDetails(ctx, "repricing the cart from the catalogue")
	begun, err := workflows.CallLocal(ctx, cartActs.BeginCheckout, carts.BeginCheckoutInput{
		CartID: c.in.CartID, CompanyID: c.in.CompanyID, CustomerID: c.in.CustomerID,
	})
	if err != nil {
		// A refusal rolled BeginCheckout back. Any other error (cancelled, timed
		// out) leaves it unknown whether the cart was frozen: reopen it if so.
		if _, refused := workflows.RefusalOf(err); !refused {
			c.frozen = true
		}
		return c.fail(ctx, rejectionOf(err))
	}
	if p := begun.AlreadyPlaced; p != nil {
		// The checkout that placed it was counted.
		return c.placed(ctx, *p, false)
	}
	c.attempt, c.cart = begun.Attempt, begun.Cart
	c.frozen = begun.Refusal == nil || begun.Resumed
	c.mayHoldSpend, c.mayHoldStock, c.mayHoldPayment = begun.Resumed, begun.Resumed, begun.Resumed
	if begun.Refusal != nil {
		return c.fail(ctx, *begun.Refusal)
	}

	// 2. Spending limits, and an approver when the company's rules want one.
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("checking spending limits and approval rules for %s (attempt %d)",
		c.cart.Totals.Total, c.attempt))
	if rejection := c.applyPolicies(ctx); rejection != nil {
		return c.fail(ctx, *rejection)
	}

	// 3. Stock.
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("reserving stock and authorizing %s (attempt %d)", c.cart.Totals.Total, c.attempt))
	c.mayHoldStock = true
	err = workflows.RunLocal(ctx, inventoryActs.ReserveInventory, inventory.ReserveInventoryInput{
		CartID: c.in.CartID, Attempt: c.attempt, Lines: cartLines(c.cart),
	})
	if err != nil {
		return c.fail(ctx, rejectionOf(err))
	}

	// 4. Payment.
	c.mayHoldPayment = true
	_, err = workflows.CallLocal(ctx, paymentActs.AuthorizePayment, payment.AuthorizePaymentInput{
		PaymentKey: PaymentKey(c.in.CartID, c.attempt), CartID: c.in.CartID, CompanyID: c.in.CompanyID,
		Attempt: c.attempt, Amount: c.cart.Totals.Total,
	})
	if err != nil {
		return c.fail(ctx, rejectionOf(err))
	}

	// 5. The order.
	order := carts.PlacedOrder{OrderID: OrderIDForCart(c.in.CartID), Totals: c.cart.Totals}
	err = workflows.RunLocal(ctx, orderActs.PlaceOrder, orders.PlaceOrderInput{
		OrderID: order.OrderID, CartID: c.in.CartID, CompanyID: c.in.CompanyID, CustomerID: c.in.CustomerID,
		Attempt: c.attempt, Cart: c.cart, PlacedAt: workflow.Now(ctx).UTC(), ApprovedBy: c.approvedBy(),
	})
	if err != nil {
		return c.fail(ctx, rejectionOf(err))
	}
	return c.placed(ctx, order, true)
}

// applyPolicies reserves spend against the spending limits and, when the
// company's rules say so, waits durably for an approver. It returns why the
// checkout must stop, or nil to go on.
func (c *checkout) applyPolicies(ctx workflow.Context) *commerce.Rejection {
	c.mayHoldSpend = true
	reserved, err := workflows.CallLocal(ctx, spendActs.ReserveSpend, spend.ReserveSpendInput{
		CartID: c.in.CartID, Attempt: c.attempt, CompanyID: c.in.CompanyID, CustomerID: c.in.CustomerID,
		Amount: c.cart.Totals.Total, At: workflow.Now(ctx).UTC(),
	})
	if err != nil {
		return rejectionPtr(err)
	}
	skus := make([]string, len(c.cart.Lines))
	for i, l := range c.cart.Lines {
		skus[i] = l.SKU
	}
	decision := commerce.EvaluateApproval(commerce.ApprovalInput{
		Total: c.cart.Totals.Total, SKUs: skus, LimitBreaches: reserved.Breaches,
	}, reserved.Rules)
	if !decision.Required {
		return nil
	}

	deadline := workflow.Now(ctx).UTC().Add(reserved.ApprovalTimeout)
	if err := workflows.RunLocal(ctx, approvalActs.OpenApproval, approval.OpenApprovalInput{
		CartID: c.in.CartID, Attempt: c.attempt, CompanyID: c.in.CompanyID, CustomerID: c.in.CustomerID,
		Decision: decision, Total: c.cart.Totals.Total, Deadline: deadline,
	}); err != nil {
		return rejectionPtr(err)
	}
	// Decisions are accepted from here on: the request is recorded and visible.
	c.approval = &ApprovalState{
		Status: commerce.ApprovalPending, RequiredRole: decision.RequiredRole,
		Reasons: decision.Reasons, Deadline: deadline,
	}
	if err := c.setStatus(ctx, commerce.CheckoutAwaitingApproval); err != nil {
		return rejectionPtr(err)
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("waiting for approval (role: %s) since %s, deadline %s: %s",
		decision.RequiredRole, workflow.Now(ctx).UTC().Format(workflows.DetailsTime), deadline.Format(workflows.DetailsTime),
		strings.Join(decision.Reasons, "; ")))

	decided, err := workflow.AwaitWithTimeout(ctx, reserved.ApprovalTimeout, func() bool {
		return c.approval.Status != commerce.ApprovalPending
	})
	if err != nil {
		return rejectionPtr(err)
	}
	if !decided {
		c.approval.Status = commerce.ApprovalExpired
	}
	if err := workflows.RunLocal(ctx, approvalActs.CloseApproval, c.closeApprovalInput()); err != nil {
		return rejectionPtr(err)
	}
	switch c.approval.Status {
	case commerce.ApprovalApproved:
		if err := c.setStatus(ctx, commerce.CheckoutPending); err != nil {
			return rejectionPtr(err)
		}
		return nil
	case commerce.ApprovalRejected:
		msg := "an approver rejected the order"
		if c.approval.Comment != "" {
			msg += ": " + c.approval.Comment
		}
		return &commerce.Rejection{Code: commerce.CodeApprovalRejected, Message: msg}
	case commerce.ApprovalWithdrawn:
		return &commerce.Rejection{Code: commerce.CodeApprovalWithdrawn, Message: "the buyer withdrew the order"}
	default:
		return &commerce.Rejection{Code: commerce.CodeApprovalExpired, Message: fmt.Sprintf(
			"no approver decided within %s", reserved.ApprovalTimeout)}
	}
}

// orderLifecycle versions the hand-over to the order's own workflow, added
// after the first checkouts ran: histories recorded before replay without it
// (DefaultVersion); version 1 started the order as a child workflow, version
// 2 starts it from a local activity (order.Starter), so that a checkout is one
// workflow task.
const (
	orderLifecycleChange       = "order-lifecycle"
	orderLifecycleChildStart   = 1
	orderLifecycleLocalStart   = 2
	orderLifecycleMaxSupported = orderLifecycleLocalStart
)

// placed hands the order over to its own workflow (its life after checkout)
// and ends the checkout with it; count says whether this checkout placed the
// order (not one before it).
func (c *checkout) placed(ctx workflow.Context, placed carts.PlacedOrder, count bool) (Result, error) {
	in := order.Input{OrderID: placed.OrderID, CompanyID: c.in.CompanyID, CustomerID: c.in.CustomerID}
	summary := fmt.Sprintf("Order %s · %s", placed.OrderID, placed.Totals.Total)
	switch workflow.GetVersion(ctx, orderLifecycleChange, workflow.DefaultVersion, orderLifecycleMaxSupported) {
	case orderLifecycleLocalStart:
		// The same step options as every step: an unreachable server delays
		// the hand-over (the order is written; its life starts when the start
		// gets through), it never skips it.
		if err := workflows.RunLocal(workflow.WithLocalActivityOptions(ctx, stepOptions), orderStarter.StartOrderLife,
			order.StartInput{Order: in, Summary: summary, PlacedBy: workflow.GetInfo(ctx).WorkflowExecution.ID}); err != nil {
			return Result{}, err
		}
	case orderLifecycleChildStart:
		child := order.StartChild(ctx, in, summary)
		// A repeated checkout of the cart finds the order's life started
		// already: that is the one hand-over there is.
		if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
			return Result{}, err
		}
	}
	totals := placed.Totals
	c.result = Result{Status: commerce.CheckoutPlaced, OrderID: placed.OrderID, Totals: &totals, Approval: c.approvalSnapshot()}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("placed order %s, total %s", placed.OrderID, totals.Total))
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		StatusKey.ValueSet(string(commerce.CheckoutPlaced)),
		TotalKey.ValueSet(totals.Total.Amount),
	); err != nil {
		return Result{}, err
	}
	if count {
		workflow.GetMetricsHandler(ctx).Counter(PlacedMetric).Inc(1)
	}
	workflow.GetLogger(ctx).Info("checkout placed the order", "order_id", placed.OrderID, "total", totals.Total.String())
	return c.result, nil
}

// fail compensates, in reverse order, every step that was started, reopens the
// cart with the reason, and ends the checkout as failed. Compensation runs on a
// disconnected context so that it completes even when the checkout was cancelled.
func (c *checkout) fail(ctx workflow.Context, rejection commerce.Rejection) (Result, error) {
	workflow.GetLogger(ctx).Info("checkout failed; compensating",
		"code", rejection.Code, "reason", rejection.Message, "attempt", c.attempt)

	ctx, _ = workflow.NewDisconnectedContext(ctx)
	ctx = workflow.WithLocalActivityOptions(ctx, compensationOptions)
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("failed (%s: %s); giving back what it held", rejection.Code, rejection.Message))
	if c.approval != nil && c.approval.Status == commerce.ApprovalPending {
		// Aborted while waiting: close the request so no approver acts on it.
		c.approval.Status, c.approval.Comment = commerce.ApprovalWithdrawn, rejection.Message
		if err := workflows.RunLocal(ctx, approvalActs.CloseApproval, c.closeApprovalInput()); err != nil {
			return Result{}, err
		}
	}
	if c.mayHoldPayment {
		if err := workflows.RunLocal(ctx, paymentActs.VoidPayment, payment.VoidPaymentInput{
			PaymentKey: PaymentKey(c.in.CartID, c.attempt), CartID: c.in.CartID, Attempt: c.attempt,
		}); err != nil {
			return Result{}, err
		}
	}
	if c.mayHoldStock {
		if err := workflows.RunLocal(ctx, inventoryActs.ReleaseInventory, inventory.ReleaseInventoryInput{
			CartID: c.in.CartID, Attempt: c.attempt,
		}); err != nil {
			return Result{}, err
		}
	}
	if c.mayHoldSpend {
		if err := workflows.RunLocal(ctx, spendActs.ReleaseSpend, spend.ReleaseSpendInput{
			CartID: c.in.CartID, Attempt: c.attempt,
		}); err != nil {
			return Result{}, err
		}
	}
	if c.frozen {
		if err := workflows.RunLocal(ctx, cartActs.FailCheckout, carts.FailCheckoutInput{
			CartID: c.in.CartID, Attempt: c.attempt, Rejection: rejection,
		}); err != nil {
			return Result{}, err
		}
	}

	c.result = Result{Status: commerce.CheckoutFailed, Rejection: &rejection, Approval: c.approvalSnapshot()}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("failed (%s: %s); the cart is open again", rejection.Code, rejection.Message))
	if err := workflow.UpsertTypedSearchAttributes(ctx, StatusKey.ValueSet(string(commerce.CheckoutFailed))); err != nil {
		return Result{}, err
	}
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"code": string(rejection.Code)}).Counter(RefusedMetric).Inc(1)
	return c.result, nil
}

// setStatus shows where the checkout is, to the status query and to ops.
func (c *checkout) setStatus(ctx workflow.Context, s commerce.CheckoutStatus) error {
	c.result.Status = s
	return workflow.UpsertTypedSearchAttributes(ctx, StatusKey.ValueSet(string(s)))
}

// status answers StatusQuery.
func (c *checkout) status() (Result, error) {
	r := c.result
	r.Approval = c.approvalSnapshot()
	return r, nil
}

func (c *checkout) approvedBy() uuid.UUID {
	if c.approval != nil && c.approval.Status == commerce.ApprovalApproved {
		return c.approval.DecidedBy
	}
	return uuid.Nil
}

// rejectionOf turns a step's error into the reason shown to the buyer. Business
// refusals arrive as non-retryable application errors carrying a Rejection; any
// other error (cancellation, a step that ran out of time) is an aborted checkout,
// whose details go to the log, not to the buyer.
func rejectionOf(err error) commerce.Rejection {
	if r, ok := workflows.RefusalOf(err); ok {
		return r
	}
	if temporal.IsCanceledError(err) {
		return commerce.Rejection{Code: commerce.CodeCheckoutAborted, Message: "the checkout was cancelled"}
	}
	return commerce.Rejection{Code: commerce.CodeCheckoutAborted,
		Message: "the checkout could not complete in time; nothing was charged and the cart is open again"}
}

func rejectionPtr(err error) *commerce.Rejection {
	r := rejectionOf(err)
	return &r
}

func cartLines(c commerce.PricedCart) []commerce.CartLine {
	lines := make([]commerce.CartLine, len(c.Lines))
	for i, l := range c.Lines {
		lines[i] = commerce.CartLine{SKU: l.SKU, Quantity: l.Quantity}
	}
	return lines
}
