package workflows

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/commerce"
)

// checkoutStepOptions run every checkout step as a local activity. Each step is
// one short transaction against our own Postgres (or the built-in on-account
// provider, which is Postgres too): running it inside the workflow task saves a
// task-queue round trip and two history events per step, which is most of a
// checkout's latency. Safety is unchanged: a local activity is at-least-once like
// any activity, and every step is idempotent, keyed by the cart and checkout
// attempt, so a worker that dies mid-step and replays it duplicates nothing.
// Infrastructure errors retry with backoff for a day (a database outage delays a
// checkout, it does not lose it; after a day the buyer is better served by a
// refusal); business refusals are non-retryable errors.
var checkoutStepOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout:    10 * time.Second,
	ScheduleToCloseTimeout: 24 * time.Hour,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    100 * time.Millisecond,
		BackoffCoefficient: 2,
		MaximumInterval:    30 * time.Second,
	},
}

// compensationOptions are for the steps that undo a failed checkout. They must
// not give up while stock or credit is held, so they retry for a month: long
// enough for any outage, and visible to ops as a running checkout meanwhile.
var compensationOptions = func() workflow.LocalActivityOptions {
	o := checkoutStepOptions
	o.ScheduleToCloseTimeout = 30 * 24 * time.Hour
	return o
}()

// Checkout turns a cart into an order: reprice, check and reserve stock, authorize
// payment, place the order. Any refusal or failure compensates what was done
// (void the payment, release the stock) and reopens the cart with the reason.
func Checkout(ctx workflow.Context, in CheckoutInput) (CheckoutResult, error) {
	c := &checkout{in: in, result: CheckoutResult{Status: commerce.OrderPending}}
	c.policies = workflow.GetVersion(ctx, policiesChange, workflow.DefaultVersion, policiesVersion) >= policiesVersion
	if err := c.setup(ctx); err != nil {
		return CheckoutResult{}, err
	}
	return c.run(ctx)
}

// checkout is one checkout's state; its fields are what compensation needs.
type checkout struct {
	in      CheckoutInput
	attempt int
	cart    commerce.PricedCart
	// frozen: this checkout moved the cart to checking_out and must reopen it on
	// failure. mayHoldStock / mayHoldPayment: the step was started, so it may have
	// taken effect even if its answer never came; compensating a step that did
	// nothing is a no-op.
	frozen, mayHoldStock, mayHoldPayment, mayHoldSpend bool
	// approval is set while and after the checkout waits for an approver.
	approval *ApprovalState
	// policies: this run has the spending-limit and approval steps (and skips a
	// search-attribute upsert the API already did); runs from before do not.
	policies bool
	result   CheckoutResult
}

// policiesVersion guards what changed after the first checkouts ran: the
// spending-limit and approval steps, and no redundant search-attribute upsert at
// start. Histories from before replay without them.
const (
	policiesChange  = "spending-limits-and-approvals"
	policiesVersion = 1
)

func (c *checkout) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, CheckoutStatusQuery, func() (CheckoutResult, error) {
		r := c.result
		r.Approval = c.approvalSnapshot()
		return r, nil
	}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, DecideApprovalUpdate, c.decide,
		workflow.UpdateHandlerOptions{Validator: c.validateDecision}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, WithdrawCheckoutUpdate, c.withdraw,
		workflow.UpdateHandlerOptions{Validator: c.validateWithdrawal}); err != nil {
		return err
	}
	// The API sets these at start; a checkout started another way (the CLI, a
	// test) still gets them, so every checkout can be found in the UI.
	if _, set := workflow.GetTypedSearchAttributes(ctx).GetKeyword(CartIDKey); set && c.policies {
		return nil
	}
	return workflow.UpsertTypedSearchAttributes(ctx,
		CompanyIDKey.ValueSet(c.in.CompanyID.String()),
		CustomerIDKey.ValueSet(c.in.CustomerID.String()),
		CartIDKey.ValueSet(c.in.CartID.String()),
		OrderStatusKey.ValueSet(string(commerce.OrderPending)),
	)
}

func (c *checkout) run(ctx workflow.Context) (CheckoutResult, error) {
	ctx = workflow.WithLocalActivityOptions(ctx, checkoutStepOptions)

	var begun BeginCheckoutResult
	err := workflow.ExecuteLocalActivity(ctx, BeginCheckoutActivity, BeginCheckoutInput{
		CartID: c.in.CartID, CompanyID: c.in.CompanyID, CustomerID: c.in.CustomerID,
	}).Get(ctx, &begun)
	if err != nil {
		// A refusal rolled BeginCheckout back. Any other error (cancelled, timed
		// out) leaves it unknown whether the cart was frozen: reopen it if so.
		if _, refused := refusalOf(err); !refused {
			c.frozen = true
		}
		return c.fail(ctx, rejectionOf(err))
	}
	if p := begun.AlreadyPlaced; p != nil {
		return c.placed(ctx, *p)
	}
	c.attempt, c.cart = begun.Attempt, begun.Cart
	policies := c.policies
	c.frozen = begun.Refusal == nil || begun.Resumed
	c.mayHoldStock, c.mayHoldPayment = begun.Resumed, begun.Resumed
	c.mayHoldSpend = begun.Resumed && policies
	if begun.Refusal != nil {
		return c.fail(ctx, *begun.Refusal)
	}

	if policies {
		if rejection := c.applyPolicies(ctx); rejection != nil {
			return c.fail(ctx, *rejection)
		}
	}

	c.mayHoldStock = true
	err = workflow.ExecuteLocalActivity(ctx, ReserveInventoryActivity, ReserveInventoryInput{
		CartID: c.in.CartID, Attempt: c.attempt, Lines: cartLines(c.cart),
	}).Get(ctx, nil)
	if err != nil {
		return c.fail(ctx, rejectionOf(err))
	}

	c.mayHoldPayment = true
	err = workflow.ExecuteLocalActivity(ctx, AuthorizePaymentActivity, AuthorizePaymentInput{
		PaymentKey: PaymentKey(c.in.CartID, c.attempt), CartID: c.in.CartID, CompanyID: c.in.CompanyID,
		Attempt: c.attempt, Amount: c.cart.Totals.Total,
	}).Get(ctx, nil)
	if err != nil {
		return c.fail(ctx, rejectionOf(err))
	}

	order := PlacedOrder{OrderID: OrderIDForCart(c.in.CartID), Totals: c.cart.Totals}
	err = workflow.ExecuteLocalActivity(ctx, PlaceOrderActivity, PlaceOrderInput{
		OrderID: order.OrderID, CartID: c.in.CartID, CompanyID: c.in.CompanyID, CustomerID: c.in.CustomerID,
		Attempt: c.attempt, Cart: c.cart, PlacedAt: workflow.Now(ctx).UTC(), ApprovedBy: c.approvedBy(),
	}).Get(ctx, nil)
	if err != nil {
		return c.fail(ctx, rejectionOf(err))
	}
	return c.placed(ctx, order)
}

// applyPolicies reserves spend against the spending limits and, when the
// company's rules say so, waits durably for an approver. It returns why the
// checkout must stop, or nil to go on.
func (c *checkout) applyPolicies(ctx workflow.Context) *commerce.Rejection {
	c.mayHoldSpend = true
	var spend ReserveSpendResult
	err := workflow.ExecuteLocalActivity(ctx, ReserveSpendActivity, ReserveSpendInput{
		CartID: c.in.CartID, Attempt: c.attempt, CompanyID: c.in.CompanyID, CustomerID: c.in.CustomerID,
		Amount: c.cart.Totals.Total, At: workflow.Now(ctx).UTC(),
	}).Get(ctx, &spend)
	if err != nil {
		r := rejectionOf(err)
		return &r
	}
	skus := make([]string, len(c.cart.Lines))
	for i, l := range c.cart.Lines {
		skus[i] = l.SKU
	}
	decision := commerce.EvaluateApproval(commerce.ApprovalInput{
		Total: c.cart.Totals.Total, SKUs: skus, LimitBreaches: spend.Breaches,
	}, spend.Rules)
	if !decision.Required {
		return nil
	}

	deadline := workflow.Now(ctx).UTC().Add(spend.ApprovalTimeout)
	if err := workflow.ExecuteLocalActivity(ctx, OpenApprovalActivity, OpenApprovalInput{
		CartID: c.in.CartID, Attempt: c.attempt, CompanyID: c.in.CompanyID, CustomerID: c.in.CustomerID,
		Decision: decision, Total: c.cart.Totals.Total, Deadline: deadline,
	}).Get(ctx, nil); err != nil {
		r := rejectionOf(err)
		return &r
	}
	// Decisions are accepted from here on: the request is recorded and visible.
	c.approval = &ApprovalState{
		Status: commerce.ApprovalPending, RequiredRole: decision.RequiredRole,
		Reasons: decision.Reasons, Deadline: deadline,
	}
	c.result.Status = commerce.OrderAwaitingApproval
	if err := workflow.UpsertTypedSearchAttributes(ctx, OrderStatusKey.ValueSet(string(commerce.OrderAwaitingApproval))); err != nil {
		r := rejectionOf(err)
		return &r
	}

	decided, err := workflow.AwaitWithTimeout(ctx, spend.ApprovalTimeout, func() bool {
		return c.approval.Status != commerce.ApprovalPending
	})
	if err != nil {
		r := rejectionOf(err)
		return &r
	}
	if !decided {
		c.approval.Status = commerce.ApprovalExpired
	}
	if err := workflow.ExecuteLocalActivity(ctx, CloseApprovalActivity, c.closeApprovalInput()).Get(ctx, nil); err != nil {
		r := rejectionOf(err)
		return &r
	}
	switch c.approval.Status {
	case commerce.ApprovalApproved:
		c.result.Status = commerce.OrderPending
		if err := workflow.UpsertTypedSearchAttributes(ctx, OrderStatusKey.ValueSet(string(commerce.OrderPending))); err != nil {
			r := rejectionOf(err)
			return &r
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
			"no approver decided within %s", spend.ApprovalTimeout)}
	}
}

func (c *checkout) closeApprovalInput() CloseApprovalInput {
	return CloseApprovalInput{
		CartID: c.in.CartID, Attempt: c.attempt, CompanyID: c.in.CompanyID, CustomerID: c.in.CustomerID,
		Status: c.approval.Status, DecidedBy: c.approval.DecidedBy, Comment: c.approval.Comment,
	}
}

// approvalSnapshot copies the approval state for results and queries.
func (c *checkout) approvalSnapshot() *ApprovalState {
	if c.approval == nil {
		return nil
	}
	a := *c.approval
	return &a
}

func (c *checkout) approvedBy() uuid.UUID {
	if c.approval != nil && c.approval.Status == commerce.ApprovalApproved {
		return c.approval.DecidedBy
	}
	return uuid.Nil
}

// validateDecision refuses, before anything is recorded, a decision the caller
// may not make. The API has authenticated the caller; this checks the caller
// against this checkout.
func (c *checkout) validateDecision(in ApprovalDecisionInput) error {
	if err := c.checkPending(); err != nil {
		return err
	}
	switch {
	case in.DeciderCompanyID != c.in.CompanyID:
		return refuse(commerce.CodeNotAllowed, "only an approver of the buyer's company may decide")
	case in.DeciderID == c.in.CustomerID:
		return refuse(commerce.CodeNotAllowed, "nobody may approve their own order")
	case !commerce.CanDecide(in.DeciderRole, c.approval.RequiredRole):
		return refuse(commerce.CodeNotAllowed, fmt.Sprintf("this order needs a decision by a %s", c.approval.RequiredRole))
	}
	return nil
}

func (c *checkout) decide(_ workflow.Context, in ApprovalDecisionInput) (ApprovalState, error) {
	c.approval.Status = commerce.ApprovalRejected
	if in.Approve {
		c.approval.Status = commerce.ApprovalApproved
	}
	c.approval.DecidedBy, c.approval.Comment = in.DeciderID, in.Comment
	return *c.approval, nil
}

func (c *checkout) validateWithdrawal(in WithdrawCheckoutInput) error {
	if err := c.checkPending(); err != nil {
		return err
	}
	if in.ByID != c.in.CustomerID {
		return refuse(commerce.CodeNotAllowed, "only the buyer who placed the order may withdraw it")
	}
	return nil
}

func (c *checkout) withdraw(_ workflow.Context, in WithdrawCheckoutInput) (ApprovalState, error) {
	c.approval.Status, c.approval.DecidedBy = commerce.ApprovalWithdrawn, in.ByID
	return *c.approval, nil
}

func (c *checkout) checkPending() error {
	if c.approval == nil {
		return refuse(commerce.CodeApprovalClosed, "this checkout is not waiting for approval")
	}
	if r, ok := commerce.AsRejection(commerce.CheckApprovalDecision(c.approval.Status)); ok {
		return refuse(r.Code, r.Message)
	}
	return nil
}

// refuse is a business refusal as an error that crosses to the caller of an
// update with its code and details.
func refuse(code commerce.RejectionCode, msg string) error {
	r := commerce.Rejection{Code: code, Message: msg}
	return temporal.NewApplicationError(msg, string(code), r)
}

func (c *checkout) placed(ctx workflow.Context, order PlacedOrder) (CheckoutResult, error) {
	totals := order.Totals
	c.result = CheckoutResult{Status: commerce.OrderPlaced, OrderID: order.OrderID, Totals: &totals, Approval: c.approvalSnapshot()}
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		OrderStatusKey.ValueSet(string(commerce.OrderPlaced)),
		OrderTotalKey.ValueSet(totals.Total.Amount),
	); err != nil {
		return CheckoutResult{}, err
	}
	return c.result, nil
}

// fail compensates, in reverse order, every step that was started, reopens the
// cart with the reason, and ends the checkout as failed. Compensation runs on a
// disconnected context so that it completes even when the checkout was cancelled.
func (c *checkout) fail(ctx workflow.Context, rejection commerce.Rejection) (CheckoutResult, error) {
	workflow.GetLogger(ctx).Info("checkout failed; compensating",
		"code", rejection.Code, "reason", rejection.Message, "attempt", c.attempt)

	ctx, _ = workflow.NewDisconnectedContext(ctx)
	ctx = workflow.WithLocalActivityOptions(ctx, compensationOptions)
	type compensation struct {
		activity string
		input    any
	}
	var steps []compensation
	if c.approval != nil && c.approval.Status == commerce.ApprovalPending {
		// Aborted while waiting: close the request so no approver acts on it.
		c.approval.Status, c.approval.Comment = commerce.ApprovalWithdrawn, rejection.Message
		steps = append(steps, compensation{CloseApprovalActivity, c.closeApprovalInput()})
	}
	if c.mayHoldPayment {
		steps = append(steps, compensation{VoidPaymentActivity, VoidPaymentInput{
			PaymentKey: PaymentKey(c.in.CartID, c.attempt), CartID: c.in.CartID, Attempt: c.attempt}})
	}
	if c.mayHoldStock {
		steps = append(steps, compensation{ReleaseInventoryActivity, ReleaseInventoryInput{
			CartID: c.in.CartID, Attempt: c.attempt}})
	}
	if c.mayHoldSpend {
		steps = append(steps, compensation{ReleaseSpendActivity, ReleaseSpendInput{
			CartID: c.in.CartID, Attempt: c.attempt}})
	}
	if c.frozen {
		steps = append(steps, compensation{FailCheckoutActivity, FailCheckoutInput{
			CartID: c.in.CartID, Attempt: c.attempt, Rejection: rejection}})
	}
	for _, step := range steps {
		if err := workflow.ExecuteLocalActivity(ctx, step.activity, step.input).Get(ctx, nil); err != nil {
			return CheckoutResult{}, err
		}
	}

	c.result = CheckoutResult{Status: commerce.OrderFailed, Rejection: &rejection, Approval: c.approvalSnapshot()}
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		OrderStatusKey.ValueSet(string(commerce.OrderFailed)),
	); err != nil {
		return CheckoutResult{}, err
	}
	return c.result, nil
}

// rejectionOf turns a step's error into the reason shown to the buyer. Business
// refusals arrive as non-retryable application errors carrying a Rejection; any
// other error (cancellation, a step that ran out of time) is an aborted checkout,
// whose details go to the log, not to the buyer.
func rejectionOf(err error) commerce.Rejection {
	if r, ok := refusalOf(err); ok {
		return r
	}
	if temporal.IsCanceledError(err) {
		return commerce.Rejection{Code: commerce.CodeCheckoutAborted, Message: "the checkout was cancelled"}
	}
	return commerce.Rejection{Code: commerce.CodeCheckoutAborted,
		Message: "the checkout could not complete in time; nothing was charged and the cart is open again"}
}

// refusalOf extracts the Rejection a step refused with.
func refusalOf(err error) (commerce.Rejection, bool) {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.HasDetails() {
		var r commerce.Rejection
		if appErr.Details(&r) == nil && r.Code != "" {
			return r, true
		}
	}
	return commerce.Rejection{}, false
}

func cartLines(c commerce.PricedCart) []commerce.CartLine {
	lines := make([]commerce.CartLine, len(c.Lines))
	for i, l := range c.Lines {
		lines[i] = commerce.CartLine{SKU: l.SKU, Quantity: l.Quantity}
	}
	return lines
}
