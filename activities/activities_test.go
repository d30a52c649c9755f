package activities_test

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/orderflow/orderflow/activities/carts"
	"github.com/orderflow/orderflow/activities/inventory"
	"github.com/orderflow/orderflow/activities/orders"
	"github.com/orderflow/orderflow/activities/payment"
	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/checkout"
)

// fixture is one test's world: its own migrated database, a company with a
// buyer, and the activities registered in a test activity environment, so
// errors come back exactly as a workflow would see them.
type fixture struct {
	pool    *pgxpool.Pool
	q       *db.Queries
	acts    app.Activities
	env     *testsuite.TestActivityEnvironment
	company testenv.Company
	buyer   testenv.Buyer
}

func newFixture(t *testing.T, creditLimit int64) *fixture {
	t.Helper()
	pool, _ := testenv.NewDatabase(t)
	acts := app.NewActivities(pool)

	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(t.Output(), nil))))
	env := suite.NewTestActivityEnvironment()
	for _, capability := range []any{acts.Carts, acts.Spend, acts.Approval, acts.Inventory, acts.Payment, acts.Orders} {
		env.RegisterActivity(capability)
	}

	company := testenv.NewCompany(t, pool, "EUR", creditLimit)
	return &fixture{
		pool: pool, q: db.New(pool), acts: acts, env: env,
		company: company, buyer: testenv.NewBuyer(t, pool, company),
	}
}

func (f *fixture) beginInput(cartID uuid.UUID) carts.BeginCheckoutInput {
	return carts.BeginCheckoutInput{CartID: cartID, CompanyID: f.company.ID, CustomerID: f.buyer.ID}
}

func (f *fixture) begin(t *testing.T, in carts.BeginCheckoutInput) (carts.BeginCheckoutResult, error) {
	t.Helper()
	return executeFor[carts.BeginCheckoutResult](t, f, f.acts.Carts.BeginCheckout, in)
}

// mustBegin starts a checkout that is expected to freeze the cart.
func (f *fixture) mustBegin(t *testing.T, cartID uuid.UUID) carts.BeginCheckoutResult {
	t.Helper()
	out, err := f.begin(t, f.beginInput(cartID))
	require.NoError(t, err)
	require.Nil(t, out.Refusal)
	require.Nil(t, out.AlreadyPlaced)
	return out
}

func (f *fixture) reserve(t *testing.T, in inventory.ReserveInventoryInput) error {
	return f.execute(f.acts.Inventory.ReserveInventory, in)
}

// execute runs an activity in the test environment, so its error reaches the
// test as it would reach a workflow.
func (f *fixture) execute(activity, in any) error {
	_, err := f.env.ExecuteActivity(activity, in)
	return err
}

// executeFor is execute for an activity with a result.
func executeFor[T any](t *testing.T, f *fixture, activity, in any) (T, error) {
	t.Helper()
	var out T
	val, err := f.env.ExecuteActivity(activity, in)
	if err != nil {
		return out, err
	}
	require.NoError(t, val.Get(&out))
	return out, nil
}

func (f *fixture) release(t *testing.T, in inventory.ReleaseInventoryInput) error {
	return f.execute(f.acts.Inventory.ReleaseInventory, in)
}

func (f *fixture) authorize(t *testing.T, in payment.AuthorizePaymentInput) (payment.AuthorizePaymentResult, error) {
	t.Helper()
	return executeFor[payment.AuthorizePaymentResult](t, f, f.acts.Payment.AuthorizePayment, in)
}

func (f *fixture) void(t *testing.T, in payment.VoidPaymentInput) error {
	return f.execute(f.acts.Payment.VoidPayment, in)
}

func (f *fixture) placeOrder(t *testing.T, in orders.PlaceOrderInput) error {
	return f.execute(f.acts.Orders.PlaceOrder, in)
}

func (f *fixture) failCheckout(t *testing.T, in carts.FailCheckoutInput) error {
	return f.execute(f.acts.Carts.FailCheckout, in)
}

func (f *fixture) placeOrderInput(cartID uuid.UUID, begun carts.BeginCheckoutResult) orders.PlaceOrderInput {
	return orders.PlaceOrderInput{
		OrderID: checkout.OrderIDForCart(cartID), CartID: cartID,
		CompanyID: f.company.ID, CustomerID: f.buyer.ID,
		Attempt: begun.Attempt, Cart: begun.Cart,
		PlacedAt: time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC),
	}
}

func (f *fixture) cart(t *testing.T, id uuid.UUID) db.Cart {
	t.Helper()
	c, err := f.q.CartGet(context.Background(), id)
	require.NoError(t, err)
	return c
}

func (f *fixture) stock(t *testing.T, sku string) db.Stock {
	t.Helper()
	s, err := f.q.StockGet(context.Background(), sku)
	require.NoError(t, err)
	return s
}

func (f *fixture) reservations(t *testing.T, cartID uuid.UUID) []db.StockReservation {
	t.Helper()
	r, err := f.q.StockReservationListByCart(context.Background(), cartID)
	require.NoError(t, err)
	return r
}

func (f *fixture) timeline(t *testing.T, cartID uuid.UUID) []db.TimelineEvent {
	t.Helper()
	events, err := f.q.TimelineEventListByCart(context.Background(), cartID)
	require.NoError(t, err)
	return events
}

func (f *fixture) timelineKinds(t *testing.T, cartID uuid.UUID) []string {
	t.Helper()
	var kinds []string
	for _, e := range f.timeline(t, cartID) {
		kinds = append(kinds, e.Kind)
	}
	return kinds
}

func (f *fixture) creditUsed(t *testing.T) int64 {
	t.Helper()
	used, err := f.q.CreditHoldSumAuthorizedByCompany(context.Background(), f.company.ID)
	require.NoError(t, err)
	return used
}

func (f *fixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, f.pool.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

// requireRejection checks err is a business refusal as a workflow sees it: a
// non-retryable application error whose type is the code and whose details
// decode to the Rejection.
func requireRejection(t *testing.T, err error, code commerce.RejectionCode) commerce.Rejection {
	t.Helper()
	require.Error(t, err)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr, "want an application error, got %T: %v", err, err)
	require.Equal(t, string(code), appErr.Type())
	require.True(t, appErr.NonRetryable(), "a refusal must not be retried")
	var r commerce.Rejection
	require.NoError(t, appErr.Details(&r))
	require.Equal(t, code, r.Code)
	require.NotEmpty(t, r.Message)
	return r
}

func eur(amount int64) commerce.Money { return commerce.Money{Amount: amount, Currency: "EUR"} }

// sortedSKUs makes n products and returns their SKUs in the order reservations
// take them (SKU order).
func sortedSKUs(t *testing.T, pool *pgxpool.Pool, n int, unitPrice, onHand int64) []string {
	t.Helper()
	skus := make([]string, n)
	for i := range skus {
		skus[i] = testenv.NewProduct(t, pool, "EUR", unitPrice, onHand)
	}
	slices.Sort(skus)
	return skus
}

func TestBeginCheckoutFreezesCartAndPricesFromCatalogue(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	skus := sortedSKUs(t, f.pool, 2, 1000, 10)
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", map[string]int32{skus[0]: 2, skus[1]: 3})
	// The price in the database at checkout is the price sold, whatever it was
	// when the line was added.
	testenv.SetPrice(t, f.pool, skus[0], "EUR", 1200)
	testenv.SetPrice(t, f.pool, skus[1], "EUR", 250)

	out := f.mustBegin(t, cartID)
	require.Equal(t, 1, out.Attempt)
	require.False(t, out.Resumed)
	require.Equal(t, "EUR", out.Cart.Currency)
	require.Len(t, out.Cart.Lines, 2)
	require.Equal(t, commerce.PricedLine{
		LineNo: 1, SKU: skus[0], Name: "Product " + skus[0], Quantity: 2, BaseUnitPrice: eur(1200), UnitPrice: eur(1200), LineTotal: eur(2400),
	}, out.Cart.Lines[0])
	require.Equal(t, commerce.PricedLine{
		LineNo: 2, SKU: skus[1], Name: "Product " + skus[1], Quantity: 3, BaseUnitPrice: eur(250), UnitPrice: eur(250), LineTotal: eur(750),
	}, out.Cart.Lines[1])
	require.Equal(t, commerce.Totals{Subtotal: eur(3150), Discount: eur(0), Shipping: eur(0), Tax: eur(0), Total: eur(3150)}, out.Cart.Totals)

	cart := f.cart(t, cartID)
	require.Equal(t, string(commerce.CartCheckingOut), cart.Status)
	require.EqualValues(t, 1, cart.CheckoutAttempt)
	require.Empty(t, cart.FailureCode)

	events := f.timeline(t, cartID)
	require.Len(t, events, 1)
	require.Equal(t, "checkout_started", events[0].Kind)
	require.Equal(t, "customer:"+f.buyer.ID.String(), events[0].Actor)
	require.Contains(t, events[0].Detail, "EUR 31.50")

	// Beginning again (a retry, or a run restarted by ops) resumes the same attempt.
	again := f.mustBegin(t, cartID)
	require.True(t, again.Resumed)
	require.Equal(t, 1, again.Attempt)
	require.Equal(t, out.Cart, again.Cart)
	cart = f.cart(t, cartID)
	require.Equal(t, string(commerce.CartCheckingOut), cart.Status)
	require.EqualValues(t, 1, cart.CheckoutAttempt, "resuming must not start a new attempt")
	require.Equal(t, []string{"checkout_started"}, f.timelineKinds(t, cartID))
}

// A checkout run restarted by ops after its stock was reserved resumes the same
// attempt; the units it holds itself must not count against it.
//
// A resumed checkout that already holds the last units must not count its own
// reservation against itself.
func TestBeginCheckoutResumeIgnoresOwnReservation(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	sku := testenv.NewProduct(t, f.pool, "EUR", 500, 2)
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", map[string]int32{sku: 2})

	begun := f.mustBegin(t, cartID)
	require.NoError(t, f.reserve(t, inventory.ReserveInventoryInput{
		CartID: cartID, Attempt: begun.Attempt, Lines: []commerce.CartLine{{SKU: sku, Quantity: 2}},
	}))
	require.EqualValues(t, 2, f.stock(t, sku).Reserved)

	resumed, err := f.begin(t, f.beginInput(cartID))
	require.NoError(t, err)
	require.True(t, resumed.Resumed)
	require.Equal(t, begun.Attempt, resumed.Attempt)
	require.Nil(t, resumed.Refusal, "a resumed checkout was refused because of its own reservation")
	require.Equal(t, begun.Cart, resumed.Cart)
}

func TestBeginCheckoutRefusalLeavesCartOpen(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		lines   func(t *testing.T, pool *pgxpool.Pool) (lines map[string]int32, sku string)
		code    commerce.RejectionCode
		wantSKU bool
	}{
		{
			name:  "empty cart",
			lines: func(*testing.T, *pgxpool.Pool) (map[string]int32, string) { return nil, "" },
			code:  commerce.CodeEmptyCart,
		},
		{
			// cart_lines references products, so an "unknown" SKU is one the
			// catalogue has but does not price in the cart's currency.
			name: "no price in the cart currency",
			lines: func(t *testing.T, pool *pgxpool.Pool) (map[string]int32, string) {
				priced := testenv.NewProduct(t, pool, "EUR", 100, 10)
				dollarsOnly := testenv.NewProduct(t, pool, "USD", 100, 10)
				return map[string]int32{priced: 1, dollarsOnly: 1}, dollarsOnly
			},
			code: commerce.CodeNotPriced, wantSKU: true,
		},
		{
			name: "insufficient stock",
			lines: func(t *testing.T, pool *pgxpool.Pool) (map[string]int32, string) {
				plenty := testenv.NewProduct(t, pool, "EUR", 100, 10)
				scarce := testenv.NewProduct(t, pool, "EUR", 100, 2)
				return map[string]int32{plenty: 1, scarce: 3}, scarce
			},
			code: commerce.CodeInsufficientStock, wantSKU: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, 1_000_000)
			lines, sku := tt.lines(t, f.pool)
			cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", lines)

			out, err := f.begin(t, f.beginInput(cartID))
			require.NoError(t, err, "a refusal comes back in the result, not as an error")
			require.NotNil(t, out.Refusal)
			require.Equal(t, tt.code, out.Refusal.Code)
			if tt.wantSKU {
				require.Equal(t, sku, out.Refusal.SKU)
			}
			require.False(t, out.Resumed)
			require.Nil(t, out.AlreadyPlaced)
			require.Equal(t, 1, out.Attempt)

			cart := f.cart(t, cartID)
			require.Equal(t, string(commerce.CartOpen), cart.Status)
			require.Equal(t, string(tt.code), cart.FailureCode)
			require.Equal(t, out.Refusal.Message, cart.FailureReason)
			require.EqualValues(t, 1, cart.CheckoutAttempt)
			require.Empty(t, f.reservations(t, cartID))
			events := f.timeline(t, cartID)
			require.Len(t, events, 1)
			require.Equal(t, "checkout_failed", events[0].Kind)
			require.Contains(t, events[0].Detail, string(tt.code))
		})
	}
}

func TestBeginCheckoutAfterRefusalStartsNextAttempt(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	sku := testenv.NewProduct(t, f.pool, "EUR", 100, 1)
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", map[string]int32{sku: 2})

	refused, err := f.begin(t, f.beginInput(cartID))
	require.NoError(t, err)
	require.NotNil(t, refused.Refusal)

	testenv.SetStock(t, f.pool, sku, 5)
	out := f.mustBegin(t, cartID)
	require.Equal(t, refused.Attempt+1, out.Attempt)
	require.False(t, out.Resumed)
	cart := f.cart(t, cartID)
	require.Equal(t, string(commerce.CartCheckingOut), cart.Status)
	require.Empty(t, cart.FailureCode, "a new checkout clears the old reason")
	require.Empty(t, cart.FailureReason)
	require.Equal(t, []string{"checkout_failed", "checkout_started"}, f.timelineKinds(t, cartID))
}

func TestBeginCheckoutCompletedCartReportsOrder(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	sku := testenv.NewProduct(t, f.pool, "EUR", 700, 10)
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", map[string]int32{sku: 3})
	begun := f.mustBegin(t, cartID)
	require.NoError(t, f.placeOrder(t, f.placeOrderInput(cartID, begun)))

	out, err := f.begin(t, f.beginInput(cartID))
	require.NoError(t, err)
	require.Nil(t, out.Refusal)
	require.NotNil(t, out.AlreadyPlaced)
	require.Equal(t, carts.PlacedOrder{
		OrderID: checkout.OrderIDForCart(cartID),
		Totals:  commerce.Totals{Subtotal: eur(2100), Discount: eur(0), Shipping: eur(0), Tax: eur(0), Total: eur(2100)},
	}, *out.AlreadyPlaced)
	require.Equal(t, string(commerce.CartCompleted), f.cart(t, cartID).Status)
}

func TestBeginCheckoutCartOfAnotherCompanyIsNotOpen(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	other := testenv.NewCompany(t, f.pool, "EUR", 1_000_000)
	otherBuyer := testenv.NewBuyer(t, f.pool, other)
	sku := testenv.NewProduct(t, f.pool, "EUR", 100, 10)
	theirCart := testenv.NewCart(t, f.pool, otherBuyer, "EUR", map[string]int32{sku: 1})

	for _, cartID := range []uuid.UUID{theirCart, uuid.New()} {
		_, err := f.begin(t, f.beginInput(cartID))
		requireRejection(t, err, commerce.CodeCartNotOpen)
	}
	cart := f.cart(t, theirCart)
	require.Equal(t, string(commerce.CartOpen), cart.Status)
	require.EqualValues(t, 0, cart.CheckoutAttempt)
	require.Empty(t, f.timeline(t, theirCart))
}

func TestReserveInventoryHoldsEveryLineOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	skus := sortedSKUs(t, f.pool, 2, 100, 10)
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", map[string]int32{skus[0]: 3, skus[1]: 4})
	in := inventory.ReserveInventoryInput{CartID: cartID, Attempt: 1, Lines: []commerce.CartLine{
		{SKU: skus[1], Quantity: 4}, {SKU: skus[0], Quantity: 3},
	}}

	require.NoError(t, f.reserve(t, in))
	require.EqualValues(t, 3, f.stock(t, skus[0]).Reserved)
	require.EqualValues(t, 4, f.stock(t, skus[1]).Reserved)
	require.Len(t, f.reservations(t, cartID), 2)

	// The same attempt again (a retry after a lost answer) holds nothing more.
	require.NoError(t, f.reserve(t, in))
	require.EqualValues(t, 3, f.stock(t, skus[0]).Reserved)
	require.EqualValues(t, 4, f.stock(t, skus[1]).Reserved)
	require.Len(t, f.reservations(t, cartID), 2)
	require.Equal(t, []string{"stock_reserved"}, f.timelineKinds(t, cartID))
}

func TestReserveInventoryIsAllOrNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	skus := sortedSKUs(t, f.pool, 2, 100, 10)
	testenv.SetStock(t, f.pool, skus[1], 1)
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", map[string]int32{skus[0]: 2, skus[1]: 2})

	err := f.reserve(t, inventory.ReserveInventoryInput{CartID: cartID, Attempt: 1, Lines: []commerce.CartLine{
		{SKU: skus[0], Quantity: 2}, {SKU: skus[1], Quantity: 2},
	}})
	r := requireRejection(t, err, commerce.CodeInsufficientStock)
	require.Equal(t, skus[1], r.SKU)
	require.Contains(t, r.Message, "only 1 of "+skus[1])

	require.EqualValues(t, 0, f.stock(t, skus[0]).Reserved, "the first line's units must be given back")
	require.EqualValues(t, 0, f.stock(t, skus[1]).Reserved)
	require.Empty(t, f.reservations(t, cartID))
	require.Empty(t, f.timeline(t, cartID))
}

func TestReleaseInventoryGivesEverythingBackOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	skus := sortedSKUs(t, f.pool, 2, 100, 10)
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", map[string]int32{skus[0]: 3, skus[1]: 4})
	require.NoError(t, f.reserve(t, inventory.ReserveInventoryInput{CartID: cartID, Attempt: 1, Lines: []commerce.CartLine{
		{SKU: skus[0], Quantity: 3}, {SKU: skus[1], Quantity: 4},
	}}))

	release := inventory.ReleaseInventoryInput{CartID: cartID, Attempt: 1}
	for range 2 {
		require.NoError(t, f.release(t, release))
		require.EqualValues(t, 0, f.stock(t, skus[0]).Reserved)
		require.EqualValues(t, 0, f.stock(t, skus[1]).Reserved)
		require.Empty(t, f.reservations(t, cartID))
	}
	// Releasing an attempt that never reserved anything does nothing either.
	require.NoError(t, f.release(t, inventory.ReleaseInventoryInput{CartID: cartID, Attempt: 2}))
	require.Equal(t, []string{"stock_reserved", "stock_released"}, f.timelineKinds(t, cartID))
}

func TestReserveInventoryConcurrentCheckoutsNeverOversell(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	const carts, onHand = 20, 10
	sku := testenv.NewProduct(t, f.pool, "EUR", 100, onHand)
	ids := make([]uuid.UUID, carts)
	for i := range ids {
		ids[i] = testenv.NewCart(t, f.pool, f.buyer, "EUR", map[string]int32{sku: 1})
	}

	// The test activity environment is not safe for concurrent use; the method
	// is called directly, which is what a worker does.
	errs := make([]error, carts)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			<-start
			errs[i] = f.acts.Inventory.ReserveInventory(context.Background(), inventory.ReserveInventoryInput{
				CartID: id, Attempt: 1, Lines: []commerce.CartLine{{SKU: sku, Quantity: 1}},
			})
		})
	}
	close(start)
	wg.Wait()

	succeeded := 0
	for _, err := range errs {
		if err == nil {
			succeeded++
			continue
		}
		requireRejection(t, err, commerce.CodeInsufficientStock)
	}
	require.Equal(t, onHand, succeeded)
	s := f.stock(t, sku)
	require.EqualValues(t, onHand, s.Reserved)
	require.LessOrEqual(t, s.Reserved, s.OnHand)
	require.Equal(t, onHand, f.count(t, "SELECT count(*) FROM stock_reservations WHERE sku = $1", sku))
}

func TestAuthorizePaymentHoldsCreditOncePerKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1000)
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", nil)
	in := payment.AuthorizePaymentInput{
		PaymentKey: checkout.PaymentKey(cartID, 1), CartID: cartID, Attempt: 1,
		CompanyID: f.company.ID, Amount: eur(400),
	}

	first, err := f.authorize(t, in)
	require.NoError(t, err)
	require.Equal(t, "on-account:"+in.PaymentKey, first.AuthorizationID)
	second, err := f.authorize(t, in)
	require.NoError(t, err)
	require.Equal(t, first, second)

	holds, err := f.q.CreditHoldListByCart(context.Background(), cartID)
	require.NoError(t, err)
	require.Len(t, holds, 1)
	require.Equal(t, "authorized", holds[0].Status)
	require.EqualValues(t, 400, holds[0].Amount)
	require.EqualValues(t, 400, f.creditUsed(t))
	require.Equal(t, []string{"payment_authorized"}, f.timelineKinds(t, cartID))
}

func TestAuthorizePaymentRefusesOverAvailableCredit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1000)
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", nil)
	authorize := func(attempt int, amount int64) error {
		_, err := f.authorize(t, payment.AuthorizePaymentInput{
			PaymentKey: checkout.PaymentKey(cartID, attempt), CartID: cartID, Attempt: attempt,
			CompanyID: f.company.ID, Amount: eur(amount),
		})
		return err
	}

	require.NoError(t, authorize(1, 700))
	// Within the limit on its own, but not with the 700 already held.
	requireRejection(t, authorize(2, 400), commerce.CodeCreditLimitExceeded)
	require.EqualValues(t, 700, f.creditUsed(t))
	// Exactly what is left is fine.
	require.NoError(t, authorize(3, 300))
	require.EqualValues(t, 1000, f.creditUsed(t))
	requireRejection(t, authorize(4, 1), commerce.CodeCreditLimitExceeded)
	require.Equal(t, 2, f.count(t, "SELECT count(*) FROM credit_holds"))
}

func TestVoidPaymentReleasesCreditOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1000)
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", nil)
	key := checkout.PaymentKey(cartID, 1)
	_, err := f.authorize(t, payment.AuthorizePaymentInput{
		PaymentKey: key, CartID: cartID, Attempt: 1, CompanyID: f.company.ID, Amount: eur(1000),
	})
	require.NoError(t, err)
	require.EqualValues(t, 1000, f.creditUsed(t))

	void := payment.VoidPaymentInput{PaymentKey: key, CartID: cartID, Attempt: 1}
	for range 2 {
		require.NoError(t, f.void(t, void))
		require.EqualValues(t, 0, f.creditUsed(t))
		hold, err := f.q.CreditHoldGet(context.Background(), key)
		require.NoError(t, err)
		require.Equal(t, "released", hold.Status)
		require.NotNil(t, hold.ReleasedAt)
	}
	// The credit is available again to the next attempt...
	_, err = f.authorize(t, payment.AuthorizePaymentInput{
		PaymentKey: checkout.PaymentKey(cartID, 2), CartID: cartID, Attempt: 2, CompanyID: f.company.ID, Amount: eur(1000),
	})
	require.NoError(t, err)
	require.EqualValues(t, 1000, f.creditUsed(t))
	// ...but a voided key never authorizes again.
	_, err = f.authorize(t, payment.AuthorizePaymentInput{
		PaymentKey: key, CartID: cartID, Attempt: 1, CompanyID: f.company.ID, Amount: eur(1000),
	})
	require.Error(t, err)
	require.EqualValues(t, 1000, f.creditUsed(t))
	require.Equal(t, []string{"payment_authorized", "payment_voided", "payment_authorized"}, f.timelineKinds(t, cartID))
}

// Compensation voids whenever an authorization may have been made, so most voids
// find nothing to void (the authorization was refused, or never ran).
//
// Voiding a key that holds nothing changes nothing and records nothing.
func TestVoidPaymentWithoutAuthorizationIsNoOp(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1000)
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", nil)
	key := checkout.PaymentKey(cartID, 1)

	require.NoError(t, f.void(t, payment.VoidPaymentInput{PaymentKey: key, CartID: cartID, Attempt: 1}))
	_, err := f.q.CreditHoldGet(context.Background(), key)
	require.True(t, db.IsNotFound(err), "no hold may appear: %v", err)
	require.Zero(t, f.creditUsed(t))
	require.Empty(t, f.timelineKinds(t, cartID), "nothing was voided, so nothing belongs on the timeline")
}

func TestAuthorizePaymentConcurrentNeverExceedsLimit(t *testing.T) {
	t.Parallel()
	const limit, amount, checkouts = 1000, 100, 20
	f := newFixture(t, limit)
	ids := make([]uuid.UUID, checkouts)
	for i := range ids {
		ids[i] = testenv.NewCart(t, f.pool, f.buyer, "EUR", nil)
	}

	errs := make([]error, checkouts)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			<-start
			_, errs[i] = f.acts.Payment.AuthorizePayment(context.Background(), payment.AuthorizePaymentInput{
				PaymentKey: checkout.PaymentKey(id, 1), CartID: id, Attempt: 1,
				CompanyID: f.company.ID, Amount: eur(amount),
			})
		})
	}
	close(start)
	wg.Wait()

	succeeded := 0
	for _, err := range errs {
		if err == nil {
			succeeded++
			continue
		}
		requireRejection(t, err, commerce.CodeCreditLimitExceeded)
	}
	require.Equal(t, limit/amount, succeeded)
	used := f.creditUsed(t)
	require.EqualValues(t, limit, used)
	require.LessOrEqual(t, used, int64(limit))
	require.Equal(t, limit/amount, f.count(t, "SELECT count(*) FROM credit_holds WHERE status = 'authorized'"))
}

func TestAuthorizePaymentRefusesOtherCurrency(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1000)
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", nil)
	_, err := f.authorize(t, payment.AuthorizePaymentInput{
		PaymentKey: checkout.PaymentKey(cartID, 1), CartID: cartID, Attempt: 1,
		CompanyID: f.company.ID, Amount: commerce.Money{Amount: 10, Currency: "USD"},
	})
	r := requireRejection(t, err, commerce.CodeCurrencyMismatch)
	require.Contains(t, r.Message, "USD")
	require.Zero(t, f.count(t, "SELECT count(*) FROM credit_holds"))
	require.Empty(t, f.timeline(t, cartID))
}

func TestPlaceOrderWritesOrderOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	ctx := context.Background()
	skus := sortedSKUs(t, f.pool, 2, 150, 10)
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", map[string]int32{skus[0]: 1, skus[1]: 2})
	begun := f.mustBegin(t, cartID)
	in := f.placeOrderInput(cartID, begun)

	for range 2 {
		require.NoError(t, f.placeOrder(t, in))
	}

	require.Equal(t, 1, f.count(t, "SELECT count(*) FROM orders"))
	order, err := f.q.OrderGetByCart(ctx, cartID)
	require.NoError(t, err)
	require.Equal(t, in.OrderID, order.ID)
	require.Equal(t, f.company.ID, order.CompanyID)
	require.Equal(t, f.buyer.ID, order.CustomerID)
	require.Equal(t, string(commerce.OrderPlaced), order.Status)
	require.Equal(t, "EUR", order.Currency)
	require.EqualValues(t, 450, order.Subtotal)
	require.EqualValues(t, 450, order.Total)
	require.True(t, in.PlacedAt.Equal(order.PlacedAt))

	lines, err := f.q.OrderLineListByOrder(ctx, order.ID)
	require.NoError(t, err)
	require.Equal(t, []db.OrderLine{
		{OrderID: order.ID, LineNo: 1, Sku: skus[0], Name: "Product " + skus[0], Quantity: 1, BaseUnitPrice: 150, UnitPrice: 150, LineTotal: 150},
		{OrderID: order.ID, LineNo: 2, Sku: skus[1], Name: "Product " + skus[1], Quantity: 2, BaseUnitPrice: 150, UnitPrice: 150, LineTotal: 300},
	}, lines)

	cart := f.cart(t, cartID)
	require.Equal(t, string(commerce.CartCompleted), cart.Status)
	require.Equal(t, uuid.NullUUID{UUID: order.ID, Valid: true}, cart.OrderID)

	events := f.timeline(t, cartID)
	require.Len(t, events, 2)
	require.Equal(t, "order_placed", events[1].Kind)
	require.Equal(t, uuid.NullUUID{UUID: order.ID, Valid: true}, events[1].OrderID)
}

func TestPlaceOrderStaleAttemptWritesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	sku := testenv.NewProduct(t, f.pool, "EUR", 100, 10)
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", map[string]int32{sku: 1})
	first := f.mustBegin(t, cartID)
	stale := f.placeOrderInput(cartID, first)
	require.NoError(t, f.failCheckout(t, carts.FailCheckoutInput{
		CartID: cartID, Attempt: first.Attempt, Rejection: *commerce.Reject(commerce.CodeCheckoutAborted, "cancelled"),
	}))

	// The cart was reopened: attempt 1 may no longer place it.
	err := f.placeOrder(t, stale)
	require.Error(t, err)
	require.Contains(t, err.Error(), "no longer current")
	require.Equal(t, string(commerce.CartOpen), f.cart(t, cartID).Status)

	// A later checkout froze it again: attempt 1 still may not.
	second := f.mustBegin(t, cartID)
	require.Equal(t, first.Attempt+1, second.Attempt)
	err = f.placeOrder(t, stale)
	require.Error(t, err)
	require.Contains(t, err.Error(), "no longer current")

	cart := f.cart(t, cartID)
	require.Equal(t, string(commerce.CartCheckingOut), cart.Status)
	require.False(t, cart.OrderID.Valid)
	require.Zero(t, f.count(t, "SELECT count(*) FROM orders"))
	require.Zero(t, f.count(t, "SELECT count(*) FROM order_lines"))
	require.NotContains(t, f.timelineKinds(t, cartID), "order_placed")
}

func TestFailCheckoutReopensCartOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	sku := testenv.NewProduct(t, f.pool, "EUR", 100, 10)
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", map[string]int32{sku: 1})
	begun := f.mustBegin(t, cartID)
	in := carts.FailCheckoutInput{
		CartID: cartID, Attempt: begun.Attempt,
		Rejection: *commerce.Reject(commerce.CodeCreditLimitExceeded, "order total EUR 1.00 exceeds available credit EUR 0.00"),
	}

	require.NoError(t, f.failCheckout(t, in))
	reopened := f.cart(t, cartID)
	require.Equal(t, string(commerce.CartOpen), reopened.Status)
	require.Equal(t, string(commerce.CodeCreditLimitExceeded), reopened.FailureCode)
	require.Equal(t, in.Rejection.Message, reopened.FailureReason)
	require.EqualValues(t, begun.Attempt, reopened.CheckoutAttempt)

	// Again (a retried compensation): nothing changes.
	require.NoError(t, f.failCheckout(t, in))
	require.Equal(t, reopened, f.cart(t, cartID))
	require.Equal(t, []string{"checkout_started", "checkout_failed"}, f.timelineKinds(t, cartID))
	events := f.timeline(t, cartID)
	require.Equal(t, "system:checkout", events[1].Actor)
}

func TestFailCheckoutLeavesCompletedCart(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	sku := testenv.NewProduct(t, f.pool, "EUR", 100, 10)
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", map[string]int32{sku: 1})
	begun := f.mustBegin(t, cartID)
	require.NoError(t, f.placeOrder(t, f.placeOrderInput(cartID, begun)))
	completed := f.cart(t, cartID)

	require.NoError(t, f.failCheckout(t, carts.FailCheckoutInput{
		CartID: cartID, Attempt: begun.Attempt, Rejection: *commerce.Reject(commerce.CodeCheckoutAborted, "too late"),
	}))
	require.Equal(t, completed, f.cart(t, cartID))
	require.Equal(t, string(commerce.CartCompleted), completed.Status)
	require.True(t, completed.OrderID.Valid)
	require.Empty(t, completed.FailureCode)
	require.Equal(t, []string{"checkout_started", "order_placed"}, f.timelineKinds(t, cartID))
}
