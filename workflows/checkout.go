package workflows

import (
	"errors"
	"time"

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
	frozen, mayHoldStock, mayHoldPayment bool
	result                               CheckoutResult
}

func (c *checkout) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, CheckoutStatusQuery, func() (CheckoutResult, error) {
		return c.result, nil
	}); err != nil {
		return err
	}
	// The API sets these at start; a checkout started another way (the CLI, a
	// test) still gets them, so every checkout can be found in the UI.
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
	c.frozen = begun.Refusal == nil || begun.Resumed
	c.mayHoldStock, c.mayHoldPayment = begun.Resumed, begun.Resumed
	if begun.Refusal != nil {
		return c.fail(ctx, *begun.Refusal)
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
		Attempt: c.attempt, Cart: c.cart, PlacedAt: workflow.Now(ctx).UTC(),
	}).Get(ctx, nil)
	if err != nil {
		return c.fail(ctx, rejectionOf(err))
	}
	return c.placed(ctx, order)
}

func (c *checkout) placed(ctx workflow.Context, order PlacedOrder) (CheckoutResult, error) {
	totals := order.Totals
	c.result = CheckoutResult{Status: commerce.OrderPlaced, OrderID: order.OrderID, Totals: &totals}
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
	if c.mayHoldPayment {
		steps = append(steps, compensation{VoidPaymentActivity, VoidPaymentInput{
			PaymentKey: PaymentKey(c.in.CartID, c.attempt), CartID: c.in.CartID, Attempt: c.attempt}})
	}
	if c.mayHoldStock {
		steps = append(steps, compensation{ReleaseInventoryActivity, ReleaseInventoryInput{
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

	c.result = CheckoutResult{Status: commerce.OrderFailed, Rejection: &rejection}
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
