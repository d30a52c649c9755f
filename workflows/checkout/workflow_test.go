package checkout_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/activities/approval"
	"github.com/orderflow/orderflow/activities/carts"
	"github.com/orderflow/orderflow/activities/inventory"
	"github.com/orderflow/orderflow/activities/orders"
	"github.com/orderflow/orderflow/activities/payment"
	"github.com/orderflow/orderflow/activities/spend"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/telemetry"
	"github.com/orderflow/orderflow/workflows/checkout"
	"github.com/orderflow/orderflow/workflows/order"
	"github.com/orderflow/orderflow/workflows/workflowtest"
)

var (
	cartID     = uuid.MustParse("0b7d4f0e-3c1a-4c55-9a0e-5d1f2b7c9a01")
	companyID  = uuid.MustParse("1c8e5a1f-4d2b-4d66-8b1f-6e2a3c8d0b02")
	customerID = uuid.MustParse("2d9f6b2a-5e3c-4e77-9c2a-7f3b4d9e1c03")

	checkoutInput = checkout.Input{CartID: cartID, CompanyID: companyID, CustomerID: customerID}
)

// testAttempt is the checkout attempt the fake BeginCheckout hands out; not 1, so
// a workflow that forgot to pass the attempt on would be caught.
const testAttempt = 3

// testCart is the cart the fake BeginCheckout reprices: two lines, 2708 cents.
func testCart(t *testing.T) commerce.PricedCart {
	t.Helper()
	cart, err := commerce.PriceCart("EUR",
		[]commerce.CartLine{{SKU: "BANANA", Quantity: 10}, {SKU: "APPLE", Quantity: 3}, {SKU: "CHERRY", Quantity: 2}},
		map[string]commerce.CatalogEntry{
			"APPLE":  {SKU: "APPLE", Name: "Apple", UnitPrice: 120, Priced: true, Available: 50},
			"BANANA": {SKU: "BANANA", Name: "Banana", UnitPrice: 35, Priced: true, Available: 10},
			"CHERRY": {SKU: "CHERRY", Name: "Cherry", UnitPrice: 999, Priced: true, Available: 2},
		}, commerce.PricingContext{})
	require.NoError(t, err)
	require.Equal(t, int64(2708), cart.Totals.Total.Amount)
	return cart
}

// stepCall is one call of a checkout step, as the fake saw it.
type stepCall struct {
	Activity string
	Input    any
}

// fakeSteps stands in for every activity checkout calls, in memory. It records every
// call in order; the forward steps (and the approval steps) can be scripted per
// test, the compensations always succeed. Errors go through the default failure converter, as a real
// worker's local activity results do, so the workflow sees what it would see in
// production (details encoded, not the Go value).
type fakeSteps struct {
	mu    sync.Mutex
	calls []stepCall

	begin     func(context.Context, carts.BeginCheckoutInput) (carts.BeginCheckoutResult, error)
	reserve   func(context.Context, inventory.ReserveInventoryInput) error
	authorize func(context.Context, payment.AuthorizePaymentInput) (payment.AuthorizePaymentResult, error)
	place     func(context.Context, orders.PlaceOrderInput) error
	// spend answers ReserveSpend: the limits the order goes over, the
	// company's approval rules and its approval timeout, or a refusal. nil:
	// no limits, no rules.
	spend         func(context.Context, spend.ReserveSpendInput) (spend.ReserveSpendResult, error)
	openApproval  func(context.Context, approval.OpenApprovalInput) error
	closeApproval func(context.Context, approval.CloseApprovalInput) error
}

// newFakeSteps returns steps that all succeed, BeginCheckout handing out cart.
func newFakeSteps(cart commerce.PricedCart) *fakeSteps {
	return &fakeSteps{
		begin: func(context.Context, carts.BeginCheckoutInput) (carts.BeginCheckoutResult, error) {
			return carts.BeginCheckoutResult{Attempt: testAttempt, Cart: cart}, nil
		},
	}
}

func (f *fakeSteps) record(activity string, input any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, stepCall{Activity: activity, Input: input})
}

func (f *fakeSteps) recorded() []stepCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]stepCall(nil), f.calls...)
}

func (f *fakeSteps) ReserveSpend(ctx context.Context, in spend.ReserveSpendInput) (spend.ReserveSpendResult, error) {
	f.record("ReserveSpend", in)
	if f.spend == nil {
		return spend.ReserveSpendResult{}, nil
	}
	res, err := f.spend(ctx, in)
	return res, workflowtest.FromWorker(err)
}

func (f *fakeSteps) ReleaseSpend(_ context.Context, in spend.ReleaseSpendInput) error {
	f.record("ReleaseSpend", in)
	return nil
}

func (f *fakeSteps) OpenApproval(ctx context.Context, in approval.OpenApprovalInput) error {
	f.record("OpenApproval", in)
	if f.openApproval == nil {
		return nil
	}
	return workflowtest.FromWorker(f.openApproval(ctx, in))
}

func (f *fakeSteps) CloseApproval(ctx context.Context, in approval.CloseApprovalInput) error {
	f.record("CloseApproval", in)
	if f.closeApproval == nil {
		return nil
	}
	return workflowtest.FromWorker(f.closeApproval(ctx, in))
}

func (f *fakeSteps) BeginCheckout(ctx context.Context, in carts.BeginCheckoutInput) (carts.BeginCheckoutResult, error) {
	f.record("BeginCheckout", in)
	res, err := f.begin(ctx, in)
	return res, workflowtest.FromWorker(err)
}

func (f *fakeSteps) ReserveInventory(ctx context.Context, in inventory.ReserveInventoryInput) error {
	f.record("ReserveInventory", in)
	if f.reserve == nil {
		return nil
	}
	return workflowtest.FromWorker(f.reserve(ctx, in))
}

func (f *fakeSteps) ReleaseInventory(_ context.Context, in inventory.ReleaseInventoryInput) error {
	f.record("ReleaseInventory", in)
	return nil
}

func (f *fakeSteps) AuthorizePayment(ctx context.Context, in payment.AuthorizePaymentInput) (payment.AuthorizePaymentResult, error) {
	f.record("AuthorizePayment", in)
	if f.authorize == nil {
		return payment.AuthorizePaymentResult{AuthorizationID: "auth-1"}, nil
	}
	res, err := f.authorize(ctx, in)
	return res, workflowtest.FromWorker(err)
}

func (f *fakeSteps) VoidPayment(_ context.Context, in payment.VoidPaymentInput) error {
	f.record("VoidPayment", in)
	return nil
}

// CapturePayment and ReleasePayment belong to the order's life after
// checkout; the fakes exist so that every payment activity has one.
func (f *fakeSteps) CapturePayment(_ context.Context, in payment.AdjustPaymentInput) error {
	f.record("CapturePayment", in)
	return nil
}

func (f *fakeSteps) RefundPayment(_ context.Context, in payment.AdjustPaymentInput) error {
	f.record("RefundPayment", in)
	return nil
}

func (f *fakeSteps) ReleasePayment(_ context.Context, in payment.AdjustPaymentInput) error {
	f.record("ReleasePayment", in)
	return nil
}

func (f *fakeSteps) PlaceOrder(ctx context.Context, in orders.PlaceOrderInput) error {
	f.record("PlaceOrder", in)
	if f.place == nil {
		return nil
	}
	return workflowtest.FromWorker(f.place(ctx, in))
}

func (f *fakeSteps) FailCheckout(_ context.Context, in carts.FailCheckoutInput) error {
	f.record("FailCheckout", in)
	return nil
}

// The calls a checkout of checkoutInput makes, with the inputs it must pass.

func beginCall() stepCall {
	return stepCall{"BeginCheckout", carts.BeginCheckoutInput{
		CartID: cartID, CompanyID: companyID, CustomerID: customerID}}
}

func reserveCall(cart commerce.PricedCart) stepCall {
	lines := make([]commerce.CartLine, len(cart.Lines))
	for i, l := range cart.Lines {
		lines[i] = commerce.CartLine{SKU: l.SKU, Quantity: l.Quantity}
	}
	return stepCall{"ReserveInventory", inventory.ReserveInventoryInput{
		CartID: cartID, Attempt: testAttempt, Lines: lines}}
}

func authorizeCall(cart commerce.PricedCart) stepCall {
	return stepCall{"AuthorizePayment", payment.AuthorizePaymentInput{
		PaymentKey: "checkout/" + cartID.String() + "/3", CartID: cartID, Attempt: testAttempt,
		CompanyID: companyID, Amount: cart.Totals.Total}}
}

func placeCall(cart commerce.PricedCart, placedAt time.Time) stepCall {
	return stepCall{"PlaceOrder", orders.PlaceOrderInput{
		OrderID: checkout.OrderIDForCart(cartID), CartID: cartID, CompanyID: companyID, CustomerID: customerID,
		Attempt: testAttempt, Cart: cart, PlacedAt: placedAt}}
}

func voidCall() stepCall {
	return stepCall{"VoidPayment", payment.VoidPaymentInput{
		PaymentKey: checkout.PaymentKey(cartID, testAttempt), CartID: cartID, Attempt: testAttempt}}
}

func releaseCall() stepCall {
	return stepCall{"ReleaseInventory", inventory.ReleaseInventoryInput{
		CartID: cartID, Attempt: testAttempt}}
}

func failCall(r commerce.Rejection) stepCall {
	return stepCall{"FailCheckout", carts.FailCheckoutInput{
		CartID: cartID, Attempt: testAttempt, Rejection: r}}
}

func reserveSpendCall(cart commerce.PricedCart, at time.Time) stepCall {
	return stepCall{"ReserveSpend", spend.ReserveSpendInput{
		CartID: cartID, Attempt: testAttempt, CompanyID: companyID, CustomerID: customerID,
		Amount: cart.Totals.Total, At: at}}
}

func releaseSpendCall() stepCall {
	return stepCall{"ReleaseSpend", spend.ReleaseSpendInput{
		CartID: cartID, Attempt: testAttempt}}
}

// stepTimesAt checks that every time a step was given (ReserveSpend's At,
// PlaceOrder's PlacedAt) is the workflow time from want on, in UTC, and zeroes it, so
// that call lists compare with require.Equal whatever the clock's encoding.
func stepTimesAt(t *testing.T, calls []stepCall, want time.Time) []stepCall {
	t.Helper()
	out := append([]stepCall(nil), calls...)
	check := func(name string, at time.Time) {
		t.Helper()
		// The workflow time when the step ran: the start's, or up to a few of
		// whenClosed's 5 ms polls later (the test environment may fire one
		// before the first workflow task runs, on a busy machine).
		require.True(t, !at.Before(want) && at.Sub(want) < time.Second, "%s %v is not the workflow time %v", name, at, want)
		require.Same(t, time.UTC, at.Location(), "%s is in UTC", name)
	}
	for i, c := range out {
		switch in := c.Input.(type) {
		case spend.ReserveSpendInput:
			check("ReserveSpend At", in.At)
			in.At = time.Time{}
			out[i].Input = in
		case orders.PlaceOrderInput:
			check("PlacedAt", in.PlacedAt)
			in.PlacedAt = time.Time{}
			out[i].Input = in
		}
	}
	return out
}

// checkoutRun is one checkout in a test workflow environment.
type checkoutRun struct {
	env   *testsuite.TestWorkflowEnvironment
	steps *fakeSteps
	start time.Time // workflow time at start

	mu      sync.Mutex
	upserts []map[string]any // every UpsertTypedSearchAttributes, by attribute name
	// handedOver are the orders whose life the checkout started.
	handedOver []order.Input
}

// changeVersionAttribute is the search attribute workflow.GetVersion maintains
// (the SDK's internal.TemporalChangeVersion, which it does not export).
const changeVersionAttribute = "TemporalChangeVersion"

func newCheckoutRun(t *testing.T, steps *fakeSteps) *checkoutRun {
	t.Helper()
	return newCheckoutRunWithMetrics(t, steps, nil)
}

// newCheckoutRunWithMetrics is newCheckoutRun with the SDK's metrics going to
// metrics (nil: nowhere).
func newCheckoutRunWithMetrics(t *testing.T, steps *fakeSteps, metrics client.MetricsHandler) *checkoutRun {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	if metrics != nil {
		suite.SetMetricsHandler(metrics)
	}
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(t.Output(), nil))))
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(checkout.Checkout, workflow.RegisterOptions{Name: checkout.WorkflowName})
	// Registering the struct registers each method under its name, which is how
	// the workflow's ExecuteLocalActivity(ctx, "BeginCheckout", ...) resolves.
	env.RegisterActivity(steps)
	// The start time is left to the environment (wall-clock now): the SDK
	// computes a local activity retry's deadline from workflow time but checks it
	// against the wall clock, so a start time in the past fails every retry.

	r := &checkoutRun{env: env, steps: steps, start: env.Now()}
	// The start of the order's own workflow, which a placed checkout hands
	// over to.
	env.RegisterActivityWithOptions(func(_ context.Context, in order.StartInput) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.handedOver = append(r.handedOver, in.Order)
		return nil
	}, activity.RegisterOptions{Name: "StartOrderLife"})
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		m := make(map[string]any, sa.Size())
		for k, v := range sa.GetUntypedValues() {
			// workflow.GetVersion upserts TemporalChangeVersion. SDK v1.50's
			// test environment sends it through the untyped
			// UpsertSearchAttributes, which this mock does not see; should it
			// ever come through here, it is the SDK's, not the checkout's.
			if k.GetName() == changeVersionAttribute {
				continue
			}
			m[k.GetName()] = v
		}
		if len(m) == 0 {
			return
		}
		r.mu.Lock()
		r.upserts = append(r.upserts, m)
		r.mu.Unlock()
	}).Return(nil)
	return r
}

// execute runs the checkout to completion and returns its result.
func (r *checkoutRun) execute(t *testing.T) checkout.Result {
	t.Helper()
	r.env.ExecuteWorkflow(checkout.WorkflowName, checkoutInput)
	require.True(t, r.env.IsWorkflowCompleted())
	require.NoError(t, r.env.GetWorkflowError())
	var res checkout.Result
	require.NoError(t, r.env.GetWorkflowResult(&res))
	return res
}

func (r *checkoutRun) searchAttributeUpserts() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.upserts...)
}

// query asks the running or finished checkout for its status.
func (r *checkoutRun) query(t *testing.T) checkout.Result {
	t.Helper()
	v, err := r.env.QueryWorkflow(checkout.StatusQuery)
	require.NoError(t, err)
	var res checkout.Result
	require.NoError(t, v.Get(&res))
	return res
}

// whenClosed runs fn on the environment's event loop once ch is closed. The test
// environment does not skip time while a local activity runs, so it polls in
// short wall-clock steps; fn therefore runs while the step that closed ch is still
// blocked, which is what makes these tests deterministic.
func (r *checkoutRun) whenClosed(ch <-chan struct{}, fn func()) {
	var poll func()
	poll = func() {
		select {
		case <-ch:
			fn()
		default:
			r.env.RegisterDelayedCallback(poll, 5*time.Millisecond)
		}
	}
	r.env.RegisterDelayedCallback(poll, 5*time.Millisecond)
}

// pendingAttributes is what setup upserts at start.
func pendingAttributes() map[string]any {
	return map[string]any{
		"CompanyId":      companyID.String(),
		"CustomerId":     customerID.String(),
		"CartId":         cartID.String(),
		"CheckoutStatus": string(commerce.CheckoutPending),
	}
}

func TestCheckoutPlacesOrder(t *testing.T) {
	t.Parallel()
	cart := testCart(t)
	steps := newFakeSteps(cart)
	run := newCheckoutRun(t, steps)

	res := run.execute(t)

	totals := cart.Totals
	require.Equal(t, checkout.Result{
		Status:  commerce.CheckoutPlaced,
		OrderID: checkout.OrderIDForCart(cartID),
		Totals:  &totals,
	}, res)

	calls := stepTimesAt(t, steps.recorded(), run.start)
	require.Equal(t, []stepCall{
		beginCall(),
		reserveSpendCall(cart, time.Time{}),
		reserveCall(cart),
		authorizeCall(cart),
		placeCall(cart, time.Time{}),
	}, calls)
	// The reservation is for the priced lines, in SKU order.
	require.Equal(t, []commerce.CartLine{{SKU: "APPLE", Quantity: 3}, {SKU: "BANANA", Quantity: 10}, {SKU: "CHERRY", Quantity: 2}},
		calls[2].Input.(inventory.ReserveInventoryInput).Lines)

	require.Equal(t, []map[string]any{
		pendingAttributes(),
		{"CheckoutStatus": string(commerce.CheckoutPlaced), "CheckoutTotal": int64(2708)},
	}, run.searchAttributeUpserts())

	require.Equal(t, res, run.query(t), "the status query answers the final result")
}

func TestCheckoutAlreadyPlaced(t *testing.T) {
	t.Parallel()
	cart := testCart(t)
	earlier := carts.PlacedOrder{
		OrderID: uuid.MustParse("3e0a7c3b-6f4d-4f88-8d3b-8a4c5e0f2d04"),
		Totals:  commerce.Totals{Subtotal: commerce.Money{Amount: 999, Currency: "EUR"}, Total: commerce.Money{Amount: 999, Currency: "EUR"}},
	}
	steps := newFakeSteps(cart)
	steps.begin = func(context.Context, carts.BeginCheckoutInput) (carts.BeginCheckoutResult, error) {
		return carts.BeginCheckoutResult{Attempt: testAttempt, Cart: cart, AlreadyPlaced: &earlier}, nil
	}
	run := newCheckoutRun(t, steps)

	res := run.execute(t)

	require.Equal(t, checkout.Result{
		Status: commerce.CheckoutPlaced, OrderID: earlier.OrderID, Totals: &earlier.Totals,
	}, res)
	require.Equal(t, []stepCall{beginCall()}, steps.recorded(), "a placed cart is not reserved, charged or placed again")
	require.Equal(t, []map[string]any{
		pendingAttributes(),
		{"CheckoutStatus": string(commerce.CheckoutPlaced), "CheckoutTotal": int64(999)},
	}, run.searchAttributeUpserts())
}

// rejectionError builds a business refusal the way the activities package does.
func rejectionError(r *commerce.Rejection) error {
	return temporal.NewNonRetryableApplicationError(r.Message, string(r.Code), r, *r)
}

func TestCheckoutFailures(t *testing.T) {
	t.Parallel()
	outOfStock := commerce.RejectSKU(commerce.CodeInsufficientStock, "BANANA", "only 9 of BANANA available, 10 requested")
	noCredit := commerce.Reject(commerce.CodeCreditLimitExceeded, "order total EUR 27.08 exceeds available credit EUR 20.00")
	unknownSKU := commerce.RejectSKU(commerce.CodeUnknownSKU, "GHOST", "product GHOST does not exist")
	notOpen := commerce.Reject(commerce.CodeCartNotOpen, "the cart has already been checked out")
	overLimit := commerce.Reject(commerce.CodeSpendingLimitExceeded,
		"the order exceeds your month limit of EUR 20.00 (already spent EUR 5.00)")

	tests := []struct {
		name  string
		setup func(steps *fakeSteps, cart commerce.PricedCart)
		// wantCalls lists the expected calls; rej is the rejection the
		// checkout ends with, for checks of FailCheckout's input.
		wantCalls     func(cart commerce.PricedCart, rej commerce.Rejection) []stepCall
		wantRejection *commerce.Rejection // nil: check only wantCode
		wantCode      commerce.RejectionCode
		wantMessage   string
		hideMessage   string
	}{
		{
			name: "BeginCheckout refuses: nothing held, nothing to compensate",
			setup: func(steps *fakeSteps, cart commerce.PricedCart) {
				steps.begin = func(context.Context, carts.BeginCheckoutInput) (carts.BeginCheckoutResult, error) {
					return carts.BeginCheckoutResult{Attempt: testAttempt, Cart: cart, Refusal: unknownSKU}, nil
				}
			},
			wantCalls: func(commerce.PricedCart, commerce.Rejection) []stepCall {
				return []stepCall{beginCall()}
			},
			wantRejection: unknownSKU,
		},
		// "BeginCheckout refuses a resumed attempt" is TestCheckoutResumedRefusalReleasesSpend.
		{
			name: "BeginCheckout fails with a rejection error: cart not frozen, nothing to compensate",
			setup: func(steps *fakeSteps, _ commerce.PricedCart) {
				steps.begin = func(context.Context, carts.BeginCheckoutInput) (carts.BeginCheckoutResult, error) {
					return carts.BeginCheckoutResult{}, rejectionError(notOpen)
				}
			},
			wantCalls: func(commerce.PricedCart, commerce.Rejection) []stepCall {
				return []stepCall{beginCall()}
			},
			wantRejection: notOpen,
		},
		{
			name: "ReserveSpend refuses: release spend and reopen, no stock or payment touched",
			setup: func(steps *fakeSteps, _ commerce.PricedCart) {
				steps.spend = func(context.Context, spend.ReserveSpendInput) (spend.ReserveSpendResult, error) {
					return spend.ReserveSpendResult{}, rejectionError(overLimit)
				}
			},
			wantCalls: func(cart commerce.PricedCart, rej commerce.Rejection) []stepCall {
				return []stepCall{beginCall(), reserveSpendCall(cart, time.Time{}), releaseSpendCall(), failCall(rej)}
			},
			wantRejection: overLimit,
		},
		{
			name: "ReserveSpend fails for good: release spend and reopen, checkout aborted",
			setup: func(steps *fakeSteps, _ commerce.PricedCart) {
				steps.spend = func(context.Context, spend.ReserveSpendInput) (spend.ReserveSpendResult, error) {
					return spend.ReserveSpendResult{}, temporal.NewNonRetryableApplicationError("company row locked", "LockTimeout", nil)
				}
			},
			wantCalls: func(cart commerce.PricedCart, rej commerce.Rejection) []stepCall {
				return []stepCall{beginCall(), reserveSpendCall(cart, time.Time{}), releaseSpendCall(), failCall(rej)}
			},
			wantCode:    commerce.CodeCheckoutAborted,
			wantMessage: "could not complete",
			hideMessage: "company row locked",
		},
		{
			name: "ReserveInventory refuses: release and reopen, no payment to void",
			setup: func(steps *fakeSteps, _ commerce.PricedCart) {
				steps.reserve = func(context.Context, inventory.ReserveInventoryInput) error {
					return rejectionError(outOfStock)
				}
			},
			wantCalls: func(cart commerce.PricedCart, rej commerce.Rejection) []stepCall {
				return []stepCall{
					beginCall(), reserveSpendCall(cart, time.Time{}), reserveCall(cart),
					releaseCall(), releaseSpendCall(), failCall(rej),
				}
			},
			wantRejection: outOfStock,
		},
		{
			name: "AuthorizePayment refuses: void, release, reopen",
			setup: func(steps *fakeSteps, _ commerce.PricedCart) {
				steps.authorize = func(context.Context, payment.AuthorizePaymentInput) (payment.AuthorizePaymentResult, error) {
					return payment.AuthorizePaymentResult{}, rejectionError(noCredit)
				}
			},
			wantCalls: func(cart commerce.PricedCart, rej commerce.Rejection) []stepCall {
				return []stepCall{
					beginCall(), reserveSpendCall(cart, time.Time{}), reserveCall(cart), authorizeCall(cart),
					voidCall(), releaseCall(), releaseSpendCall(), failCall(rej),
				}
			},
			wantRejection: noCredit,
		},
		{
			name: "ReserveInventory's input refused by Postgres: not retried, release and reopen",
			setup: func(steps *fakeSteps, _ commerce.PricedCart) {
				steps.reserve = func(context.Context, inventory.ReserveInventoryInput) error {
					return activities.Classify(&pgconn.PgError{Code: "22021", Message: `invalid byte sequence for encoding "UTF8": 0x00`})
				}
			},
			wantCalls: func(cart commerce.PricedCart, rej commerce.Rejection) []stepCall {
				return []stepCall{
					beginCall(), reserveSpendCall(cart, time.Time{}), reserveCall(cart),
					releaseCall(), releaseSpendCall(), failCall(rej),
				}
			},
			wantCode:    commerce.CodeInvalidInput,
			wantMessage: "could not be stored",
		},
		{
			name: "PlaceOrder's input refused by Postgres: not retried, full compensation",
			setup: func(steps *fakeSteps, _ commerce.PricedCart) {
				steps.place = func(context.Context, orders.PlaceOrderInput) error {
					return activities.Classify(fmt.Errorf("order: %w", &pgconn.PgError{Code: "22001", Message: "value too long for type character(3)"}))
				}
			},
			wantCalls: func(cart commerce.PricedCart, rej commerce.Rejection) []stepCall {
				return []stepCall{
					beginCall(), reserveSpendCall(cart, time.Time{}), reserveCall(cart), authorizeCall(cart),
					placeCall(cart, time.Time{}), voidCall(), releaseCall(), releaseSpendCall(), failCall(rej),
				}
			},
			wantCode:    commerce.CodeInvalidInput,
			wantMessage: "value too long",
		},
		{
			name: "PlaceOrder fails for good: full compensation, checkout aborted",
			setup: func(steps *fakeSteps, _ commerce.PricedCart) {
				steps.place = func(context.Context, orders.PlaceOrderInput) error {
					return temporal.NewNonRetryableApplicationError("order number already taken", "OrderConflict", nil)
				}
			},
			wantCalls: func(cart commerce.PricedCart, rej commerce.Rejection) []stepCall {
				return []stepCall{
					beginCall(), reserveSpendCall(cart, time.Time{}), reserveCall(cart), authorizeCall(cart),
					placeCall(cart, time.Time{}), voidCall(), releaseCall(), releaseSpendCall(), failCall(rej),
				}
			},
			wantCode:    commerce.CodeCheckoutAborted,
			wantMessage: "could not complete",
			hideMessage: "order number already taken", // internal detail stays in the log
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cart := testCart(t)
			steps := newFakeSteps(cart)
			tt.setup(steps, cart)
			run := newCheckoutRun(t, steps)

			res := run.execute(t)

			require.Equal(t, commerce.CheckoutFailed, res.Status)
			require.Equal(t, uuid.Nil, res.OrderID)
			require.Nil(t, res.Totals)
			require.NotNil(t, res.Rejection)
			if tt.wantRejection != nil {
				require.Equal(t, *tt.wantRejection, *res.Rejection)
			} else {
				require.Equal(t, tt.wantCode, res.Rejection.Code)
				require.Contains(t, res.Rejection.Message, tt.wantMessage)
				if tt.hideMessage != "" {
					require.NotContains(t, res.Rejection.Message, tt.hideMessage)
				}
			}

			calls := stepTimesAt(t, steps.recorded(), run.start)
			require.Equal(t, tt.wantCalls(cart, *res.Rejection), calls)

			upserts := run.searchAttributeUpserts()
			require.Equal(t, []map[string]any{
				pendingAttributes(),
				{"CheckoutStatus": string(commerce.CheckoutFailed)},
			}, upserts)
			require.Equal(t, res, run.query(t))
		})
	}
}

func TestCheckoutRetriesInfrastructureErrors(t *testing.T) {
	t.Parallel()
	cart := testCart(t)
	steps := newFakeSteps(cart)
	var (
		mu       sync.Mutex
		attempts []int32
	)
	steps.reserve = func(ctx context.Context, _ inventory.ReserveInventoryInput) error {
		mu.Lock()
		defer mu.Unlock()
		attempts = append(attempts, activity.GetInfo(ctx).Attempt)
		if len(attempts) < 3 {
			return errors.New("connection reset by peer")
		}
		return nil
	}
	run := newCheckoutRun(t, steps)

	res := run.execute(t)

	require.Equal(t, commerce.CheckoutPlaced, res.Status)
	require.Equal(t, checkout.OrderIDForCart(cartID), res.OrderID)
	mu.Lock()
	require.Equal(t, []int32{1, 2, 3}, attempts)
	mu.Unlock()

	calls := steps.recorded()
	names := make([]string, len(calls))
	for i, c := range calls {
		names[i] = c.Activity
	}
	require.Equal(t, []string{
		"BeginCheckout",
		"ReserveSpend",
		"ReserveInventory", "ReserveInventory", "ReserveInventory",
		"AuthorizePayment",
		"PlaceOrder",
	}, names, "an infrastructure error is retried, not compensated")
	// The retries waited out the policy's backoff (100ms, then 200ms) in workflow
	// time, so the order is placed 300ms after the start.
	placedAt := calls[len(calls)-1].Input.(orders.PlaceOrderInput).PlacedAt
	require.True(t, placedAt.Equal(run.start.Add(300*time.Millisecond)), "placed at %v", placedAt)
}

func TestCheckoutStatusQuery(t *testing.T) {
	t.Parallel()
	cart := testCart(t)
	steps := newFakeSteps(cart)
	reserving, release := make(chan struct{}), make(chan struct{})
	steps.reserve = func(ctx context.Context, _ inventory.ReserveInventoryInput) error {
		close(reserving)
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	run := newCheckoutRun(t, steps)
	var whileReserving *checkout.Result
	run.whenClosed(reserving, func() {
		res := run.query(t)
		whileReserving = &res
		close(release)
	})

	res := run.execute(t)

	require.NotNil(t, whileReserving, "the query ran while ReserveInventory was blocked")
	require.Equal(t, checkout.Result{Status: commerce.CheckoutPending}, *whileReserving)
	require.Equal(t, commerce.CheckoutPlaced, res.Status)
	require.Equal(t, res, run.query(t))
}

func TestCheckoutCancelledMidStepCompensates(t *testing.T) {
	t.Parallel()
	cart := testCart(t)
	steps := newFakeSteps(cart)
	authorizing := make(chan struct{})
	steps.authorize = func(ctx context.Context, _ payment.AuthorizePaymentInput) (payment.AuthorizePaymentResult, error) {
		close(authorizing)
		<-ctx.Done() // a provider that hangs until the checkout is cancelled
		return payment.AuthorizePaymentResult{}, ctx.Err()
	}
	run := newCheckoutRun(t, steps)
	run.whenClosed(authorizing, run.env.CancelWorkflow)

	res := run.execute(t)

	want := commerce.Rejection{Code: commerce.CodeCheckoutAborted, Message: "the checkout was cancelled"}
	require.Equal(t, checkout.Result{Status: commerce.CheckoutFailed, Rejection: &want}, res)
	// The compensations ran although the workflow's context was cancelled: had
	// they used it, ExecuteLocalActivity would have failed without calling them.
	require.Equal(t, []stepCall{
		beginCall(), reserveSpendCall(cart, time.Time{}), reserveCall(cart), authorizeCall(cart),
		voidCall(), releaseCall(), releaseSpendCall(), failCall(want),
	}, stepTimesAt(t, steps.recorded(), run.start))
	require.Equal(t, []map[string]any{
		pendingAttributes(),
		{"CheckoutStatus": string(commerce.CheckoutFailed)},
	}, run.searchAttributeUpserts())
}

// The worker registers every capability's activities, by method name, on one
// task queue; the workflow tests register fakeSteps in their place. So names
// must be unique across capabilities, and each fake must have the real
// activity's signature, or the tests would prove a workflow production cannot
// run.
func TestFakeStepsStandInForTheRealActivities(t *testing.T) {
	t.Parallel()
	real := map[string]reflect.Type{}
	for _, capability := range []any{
		&carts.Activities{}, &spend.Activities{}, &approval.Activities{},
		&inventory.Activities{}, &payment.Activities{}, &orders.Activities{},
	} {
		typ := reflect.TypeOf(capability)
		for i := range typ.NumMethod() {
			m := typ.Method(i)
			require.NotContains(t, real, m.Name, "activity %s is defined by two capabilities", m.Name)
			real[m.Name] = reflect.ValueOf(capability).Method(i).Type()
		}
	}
	fake := reflect.ValueOf(&fakeSteps{})
	steps := 0
	for i := range fake.NumMethod() {
		name := fake.Type().Method(i).Name
		if want, ok := real[name]; ok {
			require.Equal(t, want, fake.Method(i).Type(), "fake %s has another signature", name)
			steps++
		}
	}
	require.Equal(t, len(real), steps, "every real activity has a fake")
}

func TestCheckoutIDsComeFromTheCart(t *testing.T) {
	t.Parallel()
	other := uuid.MustParse("4f1b8d4c-7a5e-4a99-8e4c-9b5d6f1a3e05")

	require.Equal(t, "checkout/"+cartID.String(), checkout.WorkflowID(cartID))
	require.Equal(t, checkout.OrderIDForCart(cartID), checkout.OrderIDForCart(cartID), "a retry names the same order")
	require.NotEqual(t, checkout.OrderIDForCart(cartID), checkout.OrderIDForCart(other))
	require.NotEqual(t, cartID, checkout.OrderIDForCart(cartID))
	require.Equal(t, uuid.Version(5), checkout.OrderIDForCart(cartID).Version())
	require.Equal(t, "checkout/"+cartID.String()+"/3", checkout.PaymentKey(cartID, 3))
	require.NotEqual(t, checkout.PaymentKey(cartID, 3), checkout.PaymentKey(cartID, 4), "a new attempt is a new authorization")
}

// A checkout cancelled while BeginCheckout runs cannot know whether the cart was
// frozen; it reopens whatever attempt holds it (Attempt 0) rather than leave the
// cart stuck in checking_out.
func TestCheckoutCancelledDuringBeginReopensCart(t *testing.T) {
	t.Parallel()
	cart := testCart(t)
	steps := newFakeSteps(cart)
	beginning := make(chan struct{})
	steps.begin = func(ctx context.Context, _ carts.BeginCheckoutInput) (carts.BeginCheckoutResult, error) {
		close(beginning)
		<-ctx.Done()
		return carts.BeginCheckoutResult{}, ctx.Err()
	}
	run := newCheckoutRun(t, steps)
	run.whenClosed(beginning, run.env.CancelWorkflow)

	res := run.execute(t)

	want := commerce.Rejection{Code: commerce.CodeCheckoutAborted, Message: "the checkout was cancelled"}
	require.Equal(t, checkout.Result{Status: commerce.CheckoutFailed, Rejection: &want}, res)
	require.Equal(t, []stepCall{
		beginCall(),
		{"FailCheckout", carts.FailCheckoutInput{CartID: cartID, Attempt: 0, Rejection: want}},
	}, steps.recorded())
}

// TestCheckoutCountsHowItEnds: a checkout that places its order counts one
// placed, one that is refused counts one refused under its code, and one that
// finds its cart placed before counts nothing (the checkout before it did).
func TestCheckoutCountsHowItEnds(t *testing.T) {
	t.Parallel()
	refusal := commerce.RejectSKU(commerce.CodeInsufficientStock, "BANANA", "only 9 of BANANA available, 10 requested")
	for _, tc := range []struct {
		name          string
		setup         func(steps *fakeSteps, cart commerce.PricedCart)
		placed        float64
		refusedByCode map[string]float64
	}{
		{name: "placed", setup: func(*fakeSteps, commerce.PricedCart) {}, placed: 1, refusedByCode: map[string]float64{}},
		{name: "refused", setup: func(steps *fakeSteps, _ commerce.PricedCart) {
			steps.reserve = func(context.Context, inventory.ReserveInventoryInput) error { return rejectionError(refusal) }
		}, refusedByCode: map[string]float64{string(commerce.CodeInsufficientStock): 1}},
		{name: "already placed", setup: func(steps *fakeSteps, cart commerce.PricedCart) {
			steps.begin = func(context.Context, carts.BeginCheckoutInput) (carts.BeginCheckoutResult, error) {
				return carts.BeginCheckoutResult{Attempt: testAttempt, Cart: cart, AlreadyPlaced: &carts.PlacedOrder{
					OrderID: checkout.OrderIDForCart(cartID), Totals: cart.Totals}}, nil
			}
		}, refusedByCode: map[string]float64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cart := testCart(t)
			steps := newFakeSteps(cart)
			tc.setup(steps, cart)
			metrics := telemetry.NewMetrics()
			newCheckoutRunWithMetrics(t, steps, metrics.Temporal.Handler()).execute(t)

			families, err := metrics.Registry.Gather()
			require.NoError(t, err)
			placed, refused := 0.0, map[string]float64{}
			for _, f := range families {
				for _, m := range f.GetMetric() {
					switch f.GetName() {
					case checkout.PlacedMetric + "_total":
						placed += m.GetCounter().GetValue()
					case checkout.RefusedMetric + "_total":
						for _, l := range m.GetLabel() {
							if l.GetName() == "code" {
								refused[l.GetValue()] += m.GetCounter().GetValue()
							}
						}
					}
				}
			}
			require.Equal(t, tc.placed, placed, "checkouts placed")
			require.Equal(t, tc.refusedByCode, refused, "checkouts refused, by code")
		})
	}
}
