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
// Infrastructure errors retry without limit (a database outage delays a checkout,
// it does not lose it); business refusals are non-retryable errors.
var checkoutStepOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: 10 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    100 * time.Millisecond,
		BackoffCoefficient: 2,
		MaximumInterval:    30 * time.Second,
	},
}

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
		"code", rejection.Code, "reason", rejection.Message)

	ctx, _ = workflow.NewDisconnectedContext(ctx)
	ctx = workflow.WithLocalActivityOptions(ctx, checkoutStepOptions)
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
// other error (cancellation, timeout) is an aborted checkout.
func rejectionOf(err error) commerce.Rejection {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.HasDetails() {
		var r commerce.Rejection
		if appErr.Details(&r) == nil && r.Code != "" {
			return r
		}
	}
	if temporal.IsCanceledError(err) {
		return commerce.Rejection{Code: commerce.CodeCheckoutAborted, Message: "the checkout was cancelled"}
	}
	return commerce.Rejection{Code: commerce.CodeCheckoutAborted, Message: "the checkout could not complete: " + err.Error()}
}

func cartLines(c commerce.PricedCart) []commerce.CartLine {
	lines := make([]commerce.CartLine, len(c.Lines))
	for i, l := range c.Lines {
		lines[i] = commerce.CartLine{SKU: l.SKU, Quantity: l.Quantity}
	}
	return lines
}
