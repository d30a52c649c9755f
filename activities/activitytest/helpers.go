// Package activitytest runs activities as a workflow would call them, against
// real Postgres: a Fixture gives each test its own migrated database, a company
// with a buyer, every capability's activities in a test activity environment,
// and readers of the state they leave behind. The capability packages' tests
// share it, because a checkout's steps build on each other (an order needs a
// frozen cart, reserved stock and an authorization).
package activitytest

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/activities/approval"
	"github.com/orderflow/orderflow/activities/carts"
	"github.com/orderflow/orderflow/activities/fulfilment"
	"github.com/orderflow/orderflow/activities/inventory"
	"github.com/orderflow/orderflow/activities/orders"
	"github.com/orderflow/orderflow/activities/payment"
	"github.com/orderflow/orderflow/activities/quotes"
	"github.com/orderflow/orderflow/activities/spend"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
	"github.com/orderflow/orderflow/workflows/checkout"
)

// Capabilities are the real activities of every capability, on one pool.
type Capabilities struct {
	Carts      *carts.Activities
	Spend      *spend.Activities
	Approval   *approval.Activities
	Inventory  *inventory.Activities
	Payment    *payment.Activities
	Orders     *orders.Activities
	Quotes     *quotes.Activities
	Fulfilment *fulfilment.Activities
}

// Fixture is one test's world: its own migrated database, a company with a
// buyer, and the activities registered in a test activity environment, so
// errors come back exactly as a workflow would see them.
type Fixture struct {
	Pool    *pgxpool.Pool
	Q       *db.Queries
	Acts    Capabilities
	env     *testsuite.TestActivityEnvironment
	Company testenv.Company
	Buyer   testenv.Buyer
}

// New builds a Fixture whose company has creditLimit (minor units of EUR).
func New(t *testing.T, creditLimit int64) *Fixture {
	t.Helper()
	pool, _ := testenv.NewDatabase(t)
	acts := Capabilities{
		Carts:      &carts.Activities{DB: pool},
		Spend:      &spend.Activities{DB: pool},
		Approval:   &approval.Activities{DB: pool},
		Inventory:  &inventory.Activities{DB: pool},
		Payment:    &payment.Activities{DB: pool, Provider: payment.OnAccount{DB: pool}},
		Orders:     &orders.Activities{DB: pool},
		Quotes:     &quotes.Activities{DB: pool},
		Fulfilment: &fulfilment.Activities{DB: pool},
	}

	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(t.Output(), nil))))
	env := suite.NewTestActivityEnvironment()
	// As on every worker: each activity's error through activities.Classify.
	env.SetWorkerOptions(worker.Options{Interceptors: activities.Interceptors()})
	for _, capability := range []any{acts.Carts, acts.Spend, acts.Approval, acts.Inventory, acts.Payment, acts.Orders, acts.Quotes, acts.Fulfilment} {
		env.RegisterActivity(capability)
	}

	company := testenv.NewCompany(t, pool, "EUR", creditLimit)
	// Whatever the test did, the running credit and spend totals must still
	// equal the history they stand for.
	t.Cleanup(func() { testenv.RequireTotalsAgree(t, pool) })
	return &Fixture{
		Pool: pool, Q: db.New(pool), Acts: acts, env: env,
		Company: company, Buyer: testenv.NewBuyer(t, pool, company),
	}
}

// BeginInput checks the cart out as the fixture's buyer.
func (f *Fixture) BeginInput(cartID uuid.UUID) carts.BeginCheckoutInput {
	return carts.BeginCheckoutInput{CartID: cartID, CompanyID: f.Company.ID, CustomerID: f.Buyer.ID}
}

// Begin runs BeginCheckout.
func (f *Fixture) Begin(t *testing.T, in carts.BeginCheckoutInput) (carts.BeginCheckoutResult, error) {
	t.Helper()
	return ExecuteFor[carts.BeginCheckoutResult](t, f, f.Acts.Carts.BeginCheckout, in)
}

// MustBegin starts a checkout that is expected to freeze the cart.
func (f *Fixture) MustBegin(t *testing.T, cartID uuid.UUID) carts.BeginCheckoutResult {
	t.Helper()
	out, err := f.Begin(t, f.BeginInput(cartID))
	require.NoError(t, err)
	require.Nil(t, out.Refusal)
	require.Nil(t, out.AlreadyPlaced)
	return out
}

// Reserve runs ReserveInventory.
func (f *Fixture) Reserve(t *testing.T, in inventory.ReserveInventoryInput) error {
	return f.Execute(f.Acts.Inventory.ReserveInventory, in)
}

// Execute runs an activity in the test environment, so its error reaches the
// test as it would reach a workflow.
func (f *Fixture) Execute(activity, in any) error {
	_, err := f.env.ExecuteActivity(activity, in)
	return err
}

// ExecuteFor is Execute for an activity with a result.
func ExecuteFor[T any](t *testing.T, f *Fixture, activity, in any) (T, error) {
	t.Helper()
	var out T
	val, err := f.env.ExecuteActivity(activity, in)
	if err != nil {
		return out, err
	}
	require.NoError(t, val.Get(&out))
	return out, nil
}

// Release runs ReleaseInventory.
func (f *Fixture) Release(t *testing.T, in inventory.ReleaseInventoryInput) error {
	return f.Execute(f.Acts.Inventory.ReleaseInventory, in)
}

// Authorize runs AuthorizePayment.
func (f *Fixture) Authorize(t *testing.T, in payment.AuthorizePaymentInput) (payment.AuthorizePaymentResult, error) {
	t.Helper()
	return ExecuteFor[payment.AuthorizePaymentResult](t, f, f.Acts.Payment.AuthorizePayment, in)
}

// Void runs VoidPayment.
func (f *Fixture) Void(t *testing.T, in payment.VoidPaymentInput) error {
	return f.Execute(f.Acts.Payment.VoidPayment, in)
}

// PlaceOrder runs PlaceOrder.
func (f *Fixture) PlaceOrder(t *testing.T, in orders.PlaceOrderInput) error {
	return f.Execute(f.Acts.Orders.PlaceOrder, in)
}

// FailCheckout runs FailCheckout.
func (f *Fixture) FailCheckout(t *testing.T, in carts.FailCheckoutInput) error {
	return f.Execute(f.Acts.Carts.FailCheckout, in)
}

// PlaceOrderInput places the order of a begun checkout of the fixture's buyer.
func (f *Fixture) PlaceOrderInput(cartID uuid.UUID, begun carts.BeginCheckoutResult) orders.PlaceOrderInput {
	return orders.PlaceOrderInput{
		OrderID: checkout.OrderIDForCart(cartID), CartID: cartID,
		CompanyID: f.Company.ID, CustomerID: f.Buyer.ID,
		Attempt: begun.Attempt, Cart: begun.Cart,
		PlacedAt: time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC),
	}
}

// Cart reads a cart.
func (f *Fixture) Cart(t *testing.T, id uuid.UUID) db.Cart {
	t.Helper()
	c, err := f.Q.CartGet(context.Background(), id)
	require.NoError(t, err)
	return c
}

// Stock reads a SKU's stock, summed over every location.
func (f *Fixture) Stock(t *testing.T, sku string) db.StockGetRow {
	t.Helper()
	s, err := f.Q.StockGet(context.Background(), sku)
	require.NoError(t, err)
	return s
}

// Reservations reads a cart's stock reservations.
func (f *Fixture) Reservations(t *testing.T, cartID uuid.UUID) []db.StockReservation {
	t.Helper()
	r, err := f.Q.StockReservationListByCart(context.Background(), cartID)
	require.NoError(t, err)
	return r
}

// Timeline reads a cart's timeline, oldest first.
func (f *Fixture) Timeline(t *testing.T, cartID uuid.UUID) []db.TimelineEvent {
	t.Helper()
	events, err := f.Q.TimelineEventListByCart(context.Background(), cartID)
	require.NoError(t, err)
	return events
}

// TimelineKinds is the kinds of a cart's timeline events, oldest first.
func (f *Fixture) TimelineKinds(t *testing.T, cartID uuid.UUID) []string {
	t.Helper()
	var kinds []string
	for _, e := range f.Timeline(t, cartID) {
		kinds = append(kinds, e.Kind)
	}
	return kinds
}

// CreditUsed is the company's credit held by authorizations.
func (f *Fixture) CreditUsed(t *testing.T) int64 {
	t.Helper()
	used, err := f.Q.CreditHoldSumAuthorizedByCompany(context.Background(), f.Company.ID)
	require.NoError(t, err)
	return used
}

// Count runs a SELECT count(…) query.
func (f *Fixture) Count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, f.Pool.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

// RequireRejection checks err is a business refusal as a workflow sees it: a
// non-retryable application error whose type is the code and whose details
// decode to the Rejection.
func RequireRejection(t *testing.T, err error, code commerce.RejectionCode) commerce.Rejection {
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

// EUR is an amount in euro cents.
func EUR(amount int64) commerce.Money { return commerce.Money{Amount: amount, Currency: "EUR"} }

// SortedSKUs makes n products and returns their SKUs in the order reservations
// take them (SKU order).
func SortedSKUs(t *testing.T, pool *pgxpool.Pool, n int, unitPrice, onHand int64) []string {
	t.Helper()
	skus := make([]string, n)
	for i := range skus {
		skus[i] = testenv.NewProduct(t, pool, "EUR", unitPrice, onHand)
	}
	slices.Sort(skus)
	return skus
}

// SpendAt is when the spend tests check out: mid-month, so "this month" is
// June 2025 and "last month" is May 2025, whatever the wall clock says.
var SpendAt = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

// AddSpendingLimit sets a limit for one employee, or for the whole company when
// customerID is uuid.Nil.
func (f *Fixture) AddSpendingLimit(t *testing.T, customerID uuid.UUID, period commerce.Period, amount int64) uuid.UUID {
	t.Helper()
	return testenv.SetSpendingLimit(t, f.Pool, f.Company, customerID, string(period), amount)
}

// AddApprovalRule adds a rule created at createdAt; rules are returned in
// createdAt order. No query writes created_at, so placing a rule in time is the
// one thing done here with SQL of its own.
func (f *Fixture) AddApprovalRule(t *testing.T, kind commerce.ApprovalRuleKind, threshold int64, skus []string, approverMax *int64, createdAt time.Time) uuid.UUID {
	t.Helper()
	id := testenv.NewApprovalRule(t, f.Pool, f.Company, testenv.ApprovalRule{
		Kind: string(kind), Threshold: threshold, SKUs: skus, ApproverMax: approverMax})
	_, err := f.Pool.Exec(context.Background(), `UPDATE approval_rules SET created_at = $2 WHERE id = $1`, id, createdAt)
	require.NoError(t, err)
	return id
}

// AddSpend records spend some other checkout of the company holds: reserved,
// committed or released.
func (f *Fixture) AddSpend(t *testing.T, customerID uuid.UUID, amount int64, status string, reservedAt time.Time) {
	t.Helper()
	ctx := context.Background()
	cartID := testenv.NewCart(t, f.Pool, testenv.Buyer{ID: customerID, CompanyID: f.Company.ID}, "EUR", nil)
	key := spend.Key(cartID, 1)
	require.NoError(t, f.Q.SpendReservationCreate(ctx, db.SpendReservationCreateParams{
		SpendKey: key, CartID: cartID, CompanyID: f.Company.ID, CustomerID: customerID, Amount: amount, Currency: "EUR",
		ReservedAt: reservedAt}))
	switch status {
	case "committed":
		require.NoError(t, f.Q.SpendReservationCommit(ctx, key))
	case "released":
		_, err := f.Q.SpendReservationRelease(ctx, key)
		require.NoError(t, err)
	}
}

// Colleague is another employee of the fixture's company.
func (f *Fixture) Colleague(t *testing.T, role commerce.Role) testenv.Buyer {
	t.Helper()
	return testenv.NewEmployee(t, f.Pool, f.Company, string(role))
}

// SpendInput reserves amount for the fixture's buyer at SpendAt, attempt 1.
func (f *Fixture) SpendInput(cartID uuid.UUID, amount int64) spend.ReserveSpendInput {
	return spend.ReserveSpendInput{
		CartID: cartID, Attempt: 1, CompanyID: f.Company.ID, CustomerID: f.Buyer.ID, Amount: EUR(amount), At: SpendAt,
	}
}

// ReserveSpend runs ReserveSpend.
func (f *Fixture) ReserveSpend(t *testing.T, in spend.ReserveSpendInput) (spend.ReserveSpendResult, error) {
	t.Helper()
	return ExecuteFor[spend.ReserveSpendResult](t, f, f.Acts.Spend.ReserveSpend, in)
}

// ReleaseSpend runs ReleaseSpend.
func (f *Fixture) ReleaseSpend(t *testing.T, in spend.ReleaseSpendInput) error {
	return f.Execute(f.Acts.Spend.ReleaseSpend, in)
}

// OpenApproval runs OpenApproval.
func (f *Fixture) OpenApproval(t *testing.T, in approval.OpenApprovalInput) error {
	return f.Execute(f.Acts.Approval.OpenApproval, in)
}

// CloseApproval runs CloseApproval.
func (f *Fixture) CloseApproval(t *testing.T, in approval.CloseApprovalInput) error {
	return f.Execute(f.Acts.Approval.CloseApproval, in)
}

// Spend is the reservation of one checkout attempt; ok is false when there is none.
func (f *Fixture) Spend(t *testing.T, cartID uuid.UUID, attempt int) (db.SpendReservation, bool) {
	t.Helper()
	s, err := f.Q.SpendReservationGet(context.Background(), spend.Key(cartID, attempt))
	if db.IsNotFound(err) {
		return s, false
	}
	require.NoError(t, err)
	return s, true
}

// HeldSpend is what one employee holds against limits: reserved or committed,
// at any time.
func (f *Fixture) HeldSpend(t *testing.T, customerID uuid.UUID) int64 {
	t.Helper()
	var sum int64
	require.NoError(t, f.Pool.QueryRow(context.Background(),
		`SELECT COALESCE(SUM(amount), 0) FROM spend_reservations WHERE customer_id = $1 AND status <> 'released'`,
		customerID).Scan(&sum))
	return sum
}

// Notifications reads the company's notification outbox.
func (f *Fixture) Notifications(t *testing.T) []db.NotificationOutbox {
	t.Helper()
	n, err := f.Q.NotificationListByCompany(context.Background(), f.Company.ID)
	require.NoError(t, err)
	return n
}

// ApprovalRequest reads the approval request of one checkout attempt.
func (f *Fixture) ApprovalRequest(t *testing.T, cartID uuid.UUID, attempt int) db.ApprovalRequest {
	t.Helper()
	r, err := f.Q.ApprovalRequestGet(context.Background(), db.ApprovalRequestGetParams{CartID: cartID, Attempt: int32(attempt)})
	require.NoError(t, err)
	return r
}

// OpenApprovalInput opens an approval of a big order for the fixture's buyer.
func (f *Fixture) OpenApprovalInput(cartID uuid.UUID, attempt int) approval.OpenApprovalInput {
	return approval.OpenApprovalInput{
		CartID: cartID, Attempt: attempt, CompanyID: f.Company.ID, CustomerID: f.Buyer.ID,
		Decision: commerce.ApprovalDecision{
			Required: true, RequiredRole: commerce.RoleApprover, MatchedRules: []string{"r1", "r2"},
			Reasons: []string{"the order total EUR 15.00 is above EUR 10.00",
				"the order would exceed the company's monthly spending limit of EUR 5.00 by EUR 10.00"},
			BuyerReasons: []string{"the order total EUR 15.00 is above EUR 10.00",
				"the order would exceed the company's monthly spending limit"},
		},
		Total:    EUR(1500),
		Deadline: time.Date(2025, 6, 18, 12, 0, 0, 0, time.UTC),
	}
}

// AddPriceList adds a price list of the fixture's company (group == "") or of a
// customer group, in EUR, with tiers of one SKU.
func (f *Fixture) AddPriceList(t *testing.T, name, group string, validFrom, validUntil *time.Time, sku string, tiers ...commerce.Tier) uuid.UUID {
	t.Helper()
	l := testenv.PriceList{Name: name, CustomerGroup: group, Currency: "EUR", ValidFrom: validFrom, ValidUntil: validUntil}
	if group == "" {
		l.CompanyID = f.Company.ID
	}
	for _, tier := range tiers {
		l.Tiers = append(l.Tiers, testenv.PriceTier{SKU: sku, MinQuantity: int(tier.MinQuantity), UnitPrice: tier.UnitPrice})
	}
	return testenv.NewPriceList(t, f.Pool, l)
}

// ShippingAndTaxWorld is a catalogue and configuration for shipping and tax:
// a 1.25 kg product at EUR 10.00, a weightless one at EUR 0.08, parcel
// shipping (EUR 5.00 + EUR 1.00 per started kg, free from EUR 200.00), and
// 20 % tax in DE.
type ShippingAndTaxWorld struct {
	Heavy, Light string
}

// ShippingAndTaxWorld sets the world up in the fixture's database.
func (f *Fixture) ShippingAndTaxWorld(t *testing.T) ShippingAndTaxWorld {
	t.Helper()
	w := ShippingAndTaxWorld{
		Heavy: testenv.NewProductWith(t, f.Pool, testenv.Product{Prices: map[string]int64{"EUR": 1000}, OnHand: 100, WeightGrams: 1250}),
		Light: testenv.NewProduct(t, f.Pool, "EUR", 8, 100),
	}
	freeAbove := int64(20000)
	testenv.SetShippingMethod(t, f.Pool, testenv.ShippingMethod{
		Code: "parcel", Name: "Parcel", Currency: "EUR", BaseAmount: 500, PerKgAmount: 100, FreeAbove: &freeAbove})
	testenv.SetTaxRate(t, f.Pool, "DE", 2000)
	return w
}

// PlacedOrder places an order for the fixture's buyer as checkout would:
// cart frozen and priced, stock reserved, payment authorized, order written.
// It returns the cart and the order's ID.
func (f *Fixture) PlacedOrder(t *testing.T, lines map[string]int32) (cartID, orderID uuid.UUID) {
	t.Helper()
	cartID = testenv.NewCart(t, f.Pool, f.Buyer, "EUR", lines)
	begun := f.MustBegin(t, cartID)
	var reserve []commerce.CartLine
	for _, l := range begun.Cart.Lines {
		reserve = append(reserve, commerce.CartLine{SKU: l.SKU, Quantity: l.Quantity})
	}
	require.NoError(t, f.Reserve(t, inventory.ReserveInventoryInput{CartID: cartID, Attempt: begun.Attempt, Lines: reserve}))
	_, err := f.Authorize(t, payment.AuthorizePaymentInput{PaymentKey: payment.CheckoutKey(cartID, begun.Attempt), CartID: cartID,
		Attempt: begun.Attempt, CompanyID: f.Company.ID, Amount: begun.Cart.Totals.Total})
	require.NoError(t, err)
	in := f.PlaceOrderInput(cartID, begun)
	require.NoError(t, f.PlaceOrder(t, in))
	return cartID, in.OrderID
}
