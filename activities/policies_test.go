package activities_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/activities/approval"
	"github.com/orderflow/orderflow/activities/spend"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/db"
	"github.com/orderflow/orderflow/testenv"
)

// spendAt is when the spend tests check out: mid-month, so "this month" is
// June 2025 and "last month" is May 2025, whatever the wall clock says.
var spendAt = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

// addSpendingLimit sets a limit for one employee, or for the whole company when
// customerID is uuid.Nil.
func (f *fixture) addSpendingLimit(t *testing.T, customerID uuid.UUID, period commerce.Period, amount int64) uuid.UUID {
	t.Helper()
	return testenv.SetSpendingLimit(t, f.pool, f.company, customerID, string(period), amount)
}

// addApprovalRule adds a rule created at createdAt; rules are returned in
// createdAt order. No query writes created_at, so placing a rule in time is the
// one thing done here with SQL of its own.
func (f *fixture) addApprovalRule(t *testing.T, kind commerce.ApprovalRuleKind, threshold int64, skus []string, approverMax *int64, createdAt time.Time) uuid.UUID {
	t.Helper()
	id := testenv.NewApprovalRule(t, f.pool, f.company, testenv.ApprovalRule{
		Kind: string(kind), Threshold: threshold, SKUs: skus, ApproverMax: approverMax})
	_, err := f.pool.Exec(context.Background(), `UPDATE approval_rules SET created_at = $2 WHERE id = $1`, id, createdAt)
	require.NoError(t, err)
	return id
}

// addSpend records spend some other checkout of the company holds: reserved,
// committed or released.
func (f *fixture) addSpend(t *testing.T, customerID uuid.UUID, amount int64, status string, reservedAt time.Time) {
	t.Helper()
	ctx := context.Background()
	cartID := testenv.NewCart(t, f.pool, testenv.Buyer{ID: customerID, CompanyID: f.company.ID}, "EUR", nil)
	key := spend.Key(cartID, 1)
	require.NoError(t, f.q.SpendReservationCreate(ctx, db.SpendReservationCreateParams{
		SpendKey: key, CartID: cartID, CompanyID: f.company.ID, CustomerID: customerID, Amount: amount, Currency: "EUR",
		ReservedAt: reservedAt}))
	switch status {
	case "committed":
		require.NoError(t, f.q.SpendReservationCommit(ctx, key))
	case "released":
		_, err := f.q.SpendReservationRelease(ctx, key)
		require.NoError(t, err)
	}
}

// colleague is another employee of the fixture's company.
func (f *fixture) colleague(t *testing.T, role commerce.Role) testenv.Buyer {
	t.Helper()
	return testenv.NewEmployee(t, f.pool, f.company, string(role))
}

func (f *fixture) spendInput(cartID uuid.UUID, amount int64) spend.ReserveSpendInput {
	return spend.ReserveSpendInput{
		CartID: cartID, Attempt: 1, CompanyID: f.company.ID, CustomerID: f.buyer.ID, Amount: eur(amount), At: spendAt,
	}
}

func (f *fixture) reserveSpend(t *testing.T, in spend.ReserveSpendInput) (spend.ReserveSpendResult, error) {
	t.Helper()
	return executeFor[spend.ReserveSpendResult](t, f, f.acts.Spend.ReserveSpend, in)
}

func (f *fixture) releaseSpend(t *testing.T, in spend.ReleaseSpendInput) error {
	return f.execute(f.acts.Spend.ReleaseSpend, in)
}

func (f *fixture) openApproval(t *testing.T, in approval.OpenApprovalInput) error {
	return f.execute(f.acts.Approval.OpenApproval, in)
}

func (f *fixture) closeApproval(t *testing.T, in approval.CloseApprovalInput) error {
	return f.execute(f.acts.Approval.CloseApproval, in)
}

// spend is the reservation of one checkout attempt; ok is false when there is none.
func (f *fixture) spend(t *testing.T, cartID uuid.UUID, attempt int) (db.SpendReservation, bool) {
	t.Helper()
	s, err := f.q.SpendReservationGet(context.Background(), spend.Key(cartID, attempt))
	if db.IsNotFound(err) {
		return s, false
	}
	require.NoError(t, err)
	return s, true
}

// heldSpend is what one employee holds against limits: reserved or committed,
// at any time.
func (f *fixture) heldSpend(t *testing.T, customerID uuid.UUID) int64 {
	t.Helper()
	var sum int64
	require.NoError(t, f.pool.QueryRow(context.Background(),
		`SELECT COALESCE(SUM(amount), 0) FROM spend_reservations WHERE customer_id = $1 AND status <> 'released'`,
		customerID).Scan(&sum))
	return sum
}

func (f *fixture) notifications(t *testing.T) []db.NotificationOutbox {
	t.Helper()
	n, err := f.q.NotificationListByCompany(context.Background(), f.company.ID)
	require.NoError(t, err)
	return n
}

func (f *fixture) approvalRequest(t *testing.T, cartID uuid.UUID, attempt int) db.ApprovalRequest {
	t.Helper()
	r, err := f.q.ApprovalRequestGet(context.Background(), db.ApprovalRequestGetParams{CartID: cartID, Attempt: int32(attempt)})
	require.NoError(t, err)
	return r
}

func TestReserveSpendWithoutLimitsReserves(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", nil)

	out, err := f.reserveSpend(t, f.spendInput(cartID, 5000))
	require.NoError(t, err)
	require.Empty(t, out.Breaches)
	require.Empty(t, out.Rules)
	require.Equal(t, 72*time.Hour, out.ApprovalTimeout, "the schema's default approval timeout")

	s, ok := f.spend(t, cartID, 1)
	require.True(t, ok, "spend is reserved even without limits, so a limit added later counts it")
	require.Equal(t, "reserved", s.Status)
	require.Equal(t, cartID, s.CartID)
	require.Equal(t, f.company.ID, s.CompanyID)
	require.Equal(t, f.buyer.ID, s.CustomerID)
	require.EqualValues(t, 5000, s.Amount)
	require.Equal(t, "EUR", s.Currency)
	require.True(t, spendAt.Equal(s.ReservedAt), "reserved_at is the checkout's moment, not the clock's: %v", s.ReservedAt)
}

func TestReserveSpendMonthlyBuyerLimitAllowsExactlyTheLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	f.addSpendingLimit(t, f.buyer.ID, commerce.PeriodMonth, 1000)
	f.addSpend(t, f.buyer.ID, 600, "committed", time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC))

	// One cent over: refused, and nothing is held.
	over := testenv.NewCart(t, f.pool, f.buyer, "EUR", nil)
	_, err := f.reserveSpend(t, f.spendInput(over, 401))
	r := requireRejection(t, err, commerce.CodeSpendingLimitExceeded)
	require.Contains(t, r.Message, "EUR 10.00", "the message names the limit")
	require.Contains(t, r.Message, "EUR 6.00", "the message names what was already spent")
	_, ok := f.spend(t, over, 1)
	require.False(t, ok, "a refused checkout holds no spend")
	require.Empty(t, f.timeline(t, over))

	// Exactly at the limit: fine.
	at := testenv.NewCart(t, f.pool, f.buyer, "EUR", nil)
	out, err := f.reserveSpend(t, f.spendInput(at, 400))
	require.NoError(t, err)
	require.Empty(t, out.Breaches)
	s, ok := f.spend(t, at, 1)
	require.True(t, ok)
	require.Equal(t, "reserved", s.Status)
	require.EqualValues(t, 400, s.Amount)
	require.EqualValues(t, 1000, f.heldSpend(t, f.buyer.ID))
	require.Equal(t, []string{"spend_reserved"}, f.timelineKinds(t, at))

	// The month is used up: even one cent more is refused.
	next := testenv.NewCart(t, f.pool, f.buyer, "EUR", nil)
	_, err = f.reserveSpend(t, f.spendInput(next, 1))
	requireRejection(t, err, commerce.CodeSpendingLimitExceeded)
	require.EqualValues(t, 1000, f.heldSpend(t, f.buyer.ID))
}

func TestReserveSpendCountsOnlyHeldSpendOfThisMonth(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	f.addSpendingLimit(t, f.buyer.ID, commerce.PeriodMonth, 1000)
	// None of these counts against the buyer's June limit.
	f.addSpend(t, f.buyer.ID, 900, "committed", time.Date(2025, 5, 31, 23, 59, 59, 0, time.UTC))
	f.addSpend(t, f.buyer.ID, 900, "committed", time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC))
	f.addSpend(t, f.buyer.ID, 900, "released", time.Date(2025, 6, 10, 0, 0, 0, 0, time.UTC))
	f.addSpend(t, f.colleague(t, commerce.RoleBuyer).ID, 900, "committed", time.Date(2025, 6, 10, 0, 0, 0, 0, time.UTC))
	// This one does: the month starts at midnight UTC on the 1st.
	f.addSpend(t, f.buyer.ID, 100, "reserved", time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))

	over := testenv.NewCart(t, f.pool, f.buyer, "EUR", nil)
	_, err := f.reserveSpend(t, f.spendInput(over, 901))
	requireRejection(t, err, commerce.CodeSpendingLimitExceeded)

	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", nil)
	out, err := f.reserveSpend(t, f.spendInput(cartID, 900))
	require.NoError(t, err)
	require.Empty(t, out.Breaches)
	_, ok := f.spend(t, cartID, 1)
	require.True(t, ok)
}

func TestReserveSpendCompanyLimitCountsEveryEmployee(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	f.addSpendingLimit(t, uuid.Nil, commerce.PeriodMonth, 1000)
	colleague := f.colleague(t, commerce.RoleBuyer)
	f.addSpend(t, colleague.ID, 500, "committed", time.Date(2025, 6, 3, 0, 0, 0, 0, time.UTC))
	f.addSpend(t, colleague.ID, 200, "reserved", time.Date(2025, 6, 14, 0, 0, 0, 0, time.UTC))

	over := testenv.NewCart(t, f.pool, f.buyer, "EUR", nil)
	_, err := f.reserveSpend(t, f.spendInput(over, 301))
	r := requireRejection(t, err, commerce.CodeSpendingLimitExceeded)
	require.Contains(t, r.Message, "the company's")
	require.Contains(t, r.Message, "EUR 7.00")

	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", nil)
	_, err = f.reserveSpend(t, f.spendInput(cartID, 300))
	require.NoError(t, err)

	// The buyer's spend now counts against the colleague too.
	theirs := testenv.NewCart(t, f.pool, colleague, "EUR", nil)
	in := f.spendInput(theirs, 1)
	in.CustomerID = colleague.ID
	_, err = f.reserveSpend(t, in)
	requireRejection(t, err, commerce.CodeSpendingLimitExceeded)
}

func TestReserveSpendOrderLimitIgnoresEarlierSpend(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	f.addSpendingLimit(t, f.buyer.ID, commerce.PeriodOrder, 500)
	f.addSpend(t, f.buyer.ID, 10_000, "committed", time.Date(2025, 6, 15, 11, 0, 0, 0, time.UTC))
	f.addSpend(t, f.buyer.ID, 10_000, "reserved", spendAt)

	ok := testenv.NewCart(t, f.pool, f.buyer, "EUR", nil)
	_, err := f.reserveSpend(t, f.spendInput(ok, 500))
	require.NoError(t, err)

	over := testenv.NewCart(t, f.pool, f.buyer, "EUR", nil)
	_, err = f.reserveSpend(t, f.spendInput(over, 501))
	r := requireRejection(t, err, commerce.CodeSpendingLimitExceeded)
	require.Contains(t, r.Message, "order limit of EUR 5.00")
}

func TestReserveSpendOverLimitWithApprovalRuleReservesAndReportsBreach(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	testenv.SetApprovalTimeout(t, f.pool, f.company, time.Hour)
	limitID := f.addSpendingLimit(t, f.buyer.ID, commerce.PeriodMonth, 1000)
	f.addSpend(t, f.buyer.ID, 600, "committed", time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC))
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	approverMax := int64(5000)
	// Inserted out of order: the result lists them by creation.
	skuRule := f.addApprovalRule(t, commerce.RuleRestrictedSKU, 0, []string{"LASER-1", "LASER-2"}, nil, base.Add(2*time.Hour))
	overRule := f.addApprovalRule(t, commerce.RuleOverSpendingLimit, 0, nil, &approverMax, base)
	totalRule := f.addApprovalRule(t, commerce.RuleTotalAbove, 100_000, nil, nil, base.Add(time.Hour))

	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", nil)
	in := f.spendInput(cartID, 700)
	wantBreaches := []commerce.LimitBreach{{
		Limit: commerce.SpendingLimit{ID: limitID.String(), CustomerID: f.buyer.ID.String(), Period: commerce.PeriodMonth, Amount: 1000, Currency: "EUR"},
		Spent: 600, Order: 700, Over: 300,
	}}
	wantRules := []commerce.ApprovalRule{
		{ID: overRule.String(), Kind: commerce.RuleOverSpendingLimit, ApproverMax: &approverMax},
		{ID: totalRule.String(), Kind: commerce.RuleTotalAbove, Threshold: 100_000},
		{ID: skuRule.String(), Kind: commerce.RuleRestrictedSKU, SKUs: []string{"LASER-1", "LASER-2"}},
	}

	// Twice, as a retried activity: the second try finds its own reservation
	// and does not count it against itself.
	for range 2 {
		out, err := f.reserveSpend(t, in)
		require.NoError(t, err, "over the limit with an over_spending_limit rule, approvers decide")
		require.Equal(t, wantBreaches, out.Breaches)
		require.Equal(t, wantRules, out.Rules)
		require.Equal(t, time.Hour, out.ApprovalTimeout)
	}

	s, ok := f.spend(t, cartID, 1)
	require.True(t, ok, "spend waiting for approval is held, so other checkouts see it")
	require.Equal(t, "reserved", s.Status)
	require.EqualValues(t, 700, s.Amount)
	require.EqualValues(t, 1300, f.heldSpend(t, f.buyer.ID))
	require.Equal(t, 1, f.count(t, "SELECT count(*) FROM spend_reservations WHERE cart_id = $1", cartID))
	require.Equal(t, []string{"spend_reserved"}, f.timelineKinds(t, cartID))
}

// Rules other than over_spending_limit do not lift a limit: approvers of large
// orders are not thereby allowed to exceed budgets.
func TestReserveSpendOtherApprovalRulesDoNotLiftLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	f.addSpendingLimit(t, f.buyer.ID, commerce.PeriodOrder, 1000)
	f.addApprovalRule(t, commerce.RuleTotalAbove, 500, nil, nil, time.Now())

	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", nil)
	_, err := f.reserveSpend(t, f.spendInput(cartID, 1001))
	requireRejection(t, err, commerce.CodeSpendingLimitExceeded)
	_, ok := f.spend(t, cartID, 1)
	require.False(t, ok)
}

func TestReserveSpendTwiceForSameAttemptReservesOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	f.addSpendingLimit(t, f.buyer.ID, commerce.PeriodMonth, 1000)
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", nil)
	in := f.spendInput(cartID, 600)

	// 600 + 600 would be over 1000: the second try must not count the first.
	for range 2 {
		out, err := f.reserveSpend(t, in)
		require.NoError(t, err)
		require.Empty(t, out.Breaches)
	}
	require.Equal(t, 1, f.count(t, "SELECT count(*) FROM spend_reservations"))
	require.EqualValues(t, 600, f.heldSpend(t, f.buyer.ID))
	require.Equal(t, []string{"spend_reserved"}, f.timelineKinds(t, cartID))

	// The next attempt of the same cart is another checkout, with spend of its own.
	in.Attempt = 2
	_, err := f.reserveSpend(t, in)
	requireRejection(t, err, commerce.CodeSpendingLimitExceeded)
}

func TestReserveSpendConcurrentCheckoutsNeverExceedLimit(t *testing.T) {
	t.Parallel()
	const limit, amount, checkouts = 1000, 100, 20
	f := newFixture(t, 1_000_000)
	f.addSpendingLimit(t, f.buyer.ID, commerce.PeriodMonth, limit)
	ids := make([]uuid.UUID, checkouts)
	for i := range ids {
		ids[i] = testenv.NewCart(t, f.pool, f.buyer, "EUR", nil)
	}

	// The test activity environment is not safe for concurrent use; the method
	// is called directly, which is what a worker does. The fixture's pool has
	// as few connections as the machine has CPUs, which would queue the
	// checkouts and hide a race: this one lets every checkout run at once.
	cfg := f.pool.Config()
	cfg.MaxConns, cfg.MinConns = checkouts, checkouts
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	acts := &spend.Activities{DB: pool}
	errs := make([]error, checkouts)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			<-start
			_, errs[i] = acts.ReserveSpend(context.Background(), f.spendInput(id, amount))
		})
	}
	require.Eventually(t, func() bool { return pool.Stat().TotalConns() == checkouts }, 10*time.Second, 10*time.Millisecond)
	close(start)
	wg.Wait()

	succeeded := 0
	for _, err := range errs {
		if err == nil {
			succeeded++
			continue
		}
		requireRejection(t, err, commerce.CodeSpendingLimitExceeded)
	}
	require.Equal(t, limit/amount, succeeded)
	held := f.heldSpend(t, f.buyer.ID)
	require.EqualValues(t, limit, held)
	require.LessOrEqual(t, held, int64(limit))
	require.Equal(t, limit/amount, f.count(t, "SELECT count(*) FROM spend_reservations WHERE status = 'reserved'"))
}

func TestReleaseSpendReleasesOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	f.addSpendingLimit(t, f.buyer.ID, commerce.PeriodMonth, 1000)
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", nil)
	_, err := f.reserveSpend(t, f.spendInput(cartID, 1000))
	require.NoError(t, err)

	for range 2 {
		require.NoError(t, f.releaseSpend(t, spend.ReleaseSpendInput{CartID: cartID, Attempt: 1}))
		s, ok := f.spend(t, cartID, 1)
		require.True(t, ok)
		require.Equal(t, "released", s.Status)
		require.Zero(t, f.heldSpend(t, f.buyer.ID))
	}
	// Releasing an attempt that never reserved anything does nothing.
	require.NoError(t, f.releaseSpend(t, spend.ReleaseSpendInput{CartID: cartID, Attempt: 2}))
	require.Equal(t, []string{"spend_reserved", "spend_released"}, f.timelineKinds(t, cartID))

	// The whole month is available again.
	other := testenv.NewCart(t, f.pool, f.buyer, "EUR", nil)
	_, err = f.reserveSpend(t, f.spendInput(other, 1000))
	require.NoError(t, err)
}

func TestPlaceOrderCommitsSpend(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	f.addSpendingLimit(t, f.buyer.ID, commerce.PeriodMonth, 1_000_000)
	sku := testenv.NewProduct(t, f.pool, "EUR", 700, 10)
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", map[string]int32{sku: 2})
	begun := f.mustBegin(t, cartID)
	in := f.spendInput(cartID, begun.Cart.Totals.Total.Amount)
	in.Attempt = begun.Attempt
	_, err := f.reserveSpend(t, in)
	require.NoError(t, err)

	require.NoError(t, f.placeOrder(t, f.placeOrderInput(cartID, begun)))
	s, ok := f.spend(t, cartID, begun.Attempt)
	require.True(t, ok)
	require.Equal(t, "committed", s.Status)
	require.EqualValues(t, 1400, s.Amount)

	// A late compensation cannot give back the spend of a placed order.
	require.NoError(t, f.releaseSpend(t, spend.ReleaseSpendInput{CartID: cartID, Attempt: begun.Attempt}))
	s, _ = f.spend(t, cartID, begun.Attempt)
	require.Equal(t, "committed", s.Status)
	require.EqualValues(t, 1400, f.heldSpend(t, f.buyer.ID))
	require.NotContains(t, f.timelineKinds(t, cartID), "spend_released")
}

func (f *fixture) openApprovalInput(cartID uuid.UUID, attempt int) approval.OpenApprovalInput {
	return approval.OpenApprovalInput{
		CartID: cartID, Attempt: attempt, CompanyID: f.company.ID, CustomerID: f.buyer.ID,
		Decision: commerce.ApprovalDecision{
			Required: true, RequiredRole: commerce.RoleApprover, MatchedRules: []string{"r1", "r2"},
			Reasons: []string{"the order total EUR 15.00 is above EUR 10.00", "the order contains LASER-1"},
		},
		Total:    eur(1500),
		Deadline: time.Date(2025, 6, 18, 12, 0, 0, 0, time.UTC),
	}
}

func TestOpenApprovalRecordsRequestAndNotifiesOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	sku := testenv.NewProduct(t, f.pool, "EUR", 1500, 10)
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", map[string]int32{sku: 1})
	begun := f.mustBegin(t, cartID)
	in := f.openApprovalInput(cartID, begun.Attempt)

	for range 2 {
		require.NoError(t, f.openApproval(t, in))
	}

	req := f.approvalRequest(t, cartID, begun.Attempt)
	require.Equal(t, string(commerce.ApprovalPending), req.Status)
	require.Equal(t, string(commerce.RoleApprover), req.RequiredRole)
	require.Equal(t, in.Decision.Reasons, req.Reasons)
	require.Equal(t, f.company.ID, req.CompanyID)
	require.Equal(t, f.buyer.ID, req.CustomerID)
	require.EqualValues(t, 1500, req.Total)
	require.Equal(t, "EUR", req.Currency)
	require.True(t, in.Deadline.Equal(req.Deadline), "deadline %v, want %v", req.Deadline, in.Deadline)
	require.False(t, req.DecidedBy.Valid)
	require.Nil(t, req.DecidedAt)
	require.Equal(t, 1, f.count(t, "SELECT count(*) FROM approval_requests"))

	cart := f.cart(t, cartID)
	require.Equal(t, string(commerce.CheckoutAwaitingApproval), cart.CheckoutStatus)
	require.Equal(t, string(commerce.CartCheckingOut), cart.Status)

	events := f.timeline(t, cartID)
	require.Equal(t, []string{"checkout_started", "approval_requested"}, f.timelineKinds(t, cartID))
	require.Contains(t, events[1].Detail, "approver")
	require.Contains(t, events[1].Detail, in.Decision.Reasons[0])
	require.Contains(t, events[1].Detail, in.Decision.Reasons[1])

	notes := f.notifications(t)
	require.Len(t, notes, 2)
	toApprovers, toBuyer := notes[0], notes[1]
	require.Equal(t, "approval_requested", toApprovers.Kind)
	require.Equal(t, string(commerce.RoleApprover), toApprovers.ToRole)
	require.False(t, toApprovers.CustomerID.Valid, "approvers are reached by role")
	require.Contains(t, toApprovers.Subject, "EUR 15.00")
	require.Contains(t, toApprovers.Body, cartID.String())
	require.Nil(t, toApprovers.SentAt)
	require.Equal(t, "approval_requested", toBuyer.Kind)
	require.Equal(t, uuid.NullUUID{UUID: f.buyer.ID, Valid: true}, toBuyer.CustomerID)
	require.Empty(t, toBuyer.ToRole)
	require.Nil(t, toBuyer.SentAt)
}

func TestCloseApprovalRecordsDecisionOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	approver := f.colleague(t, commerce.RoleApprover)
	admin := f.colleague(t, commerce.RoleCompanyAdmin)
	sku := testenv.NewProduct(t, f.pool, "EUR", 1500, 10)
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", map[string]int32{sku: 1})
	begun := f.mustBegin(t, cartID)
	require.NoError(t, f.openApproval(t, f.openApprovalInput(cartID, begun.Attempt)))

	in := approval.CloseApprovalInput{
		CartID: cartID, Attempt: begun.Attempt, CompanyID: f.company.ID, CustomerID: f.buyer.ID,
		Status: commerce.ApprovalApproved, DecidedBy: approver.ID, Comment: "within this quarter's budget",
	}
	require.NoError(t, f.closeApproval(t, in))

	req := f.approvalRequest(t, cartID, begun.Attempt)
	require.Equal(t, string(commerce.ApprovalApproved), req.Status)
	require.Equal(t, uuid.NullUUID{UUID: approver.ID, Valid: true}, req.DecidedBy)
	require.NotNil(t, req.DecidedAt)
	require.Equal(t, in.Comment, req.Comment)
	require.Empty(t, f.cart(t, cartID).CheckoutStatus)

	require.Equal(t, []string{"checkout_started", "approval_requested", "approval_approved"}, f.timelineKinds(t, cartID))
	closed := f.timeline(t, cartID)[2]
	require.Equal(t, "customer:"+approver.ID.String(), closed.Actor)
	require.Contains(t, closed.Detail, in.Comment)

	notes := f.notifications(t)
	require.Len(t, notes, 3)
	toBuyer := notes[2]
	require.Equal(t, "approval_approved", toBuyer.Kind)
	require.Equal(t, uuid.NullUUID{UUID: f.buyer.ID, Valid: true}, toBuyer.CustomerID)
	require.Empty(t, toBuyer.ToRole)
	require.Contains(t, toBuyer.Subject, "approved")

	// Closed again (a retry, or a late second decider): the first decision stands.
	again := in
	again.DecidedBy, again.Comment = admin.ID, "me too"
	require.NoError(t, f.closeApproval(t, again))
	require.Equal(t, req, f.approvalRequest(t, cartID, begun.Attempt))
	require.Len(t, f.timeline(t, cartID), 3)
	require.Len(t, f.notifications(t), 3)
}

// A closed approval of an expired or withdrawn checkout has nobody as decider.
func TestCloseApprovalWithoutDeciderIsTheSystems(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	sku := testenv.NewProduct(t, f.pool, "EUR", 1500, 10)
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", map[string]int32{sku: 1})
	begun := f.mustBegin(t, cartID)
	require.NoError(t, f.openApproval(t, f.openApprovalInput(cartID, begun.Attempt)))

	require.NoError(t, f.closeApproval(t, approval.CloseApprovalInput{
		CartID: cartID, Attempt: begun.Attempt, CompanyID: f.company.ID, CustomerID: f.buyer.ID,
		Status: commerce.ApprovalExpired,
	}))
	req := f.approvalRequest(t, cartID, begun.Attempt)
	require.Equal(t, string(commerce.ApprovalExpired), req.Status)
	require.False(t, req.DecidedBy.Valid)
	events := f.timeline(t, cartID)
	require.Equal(t, "approval_expired", events[len(events)-1].Kind)
	require.Equal(t, "system:checkout", events[len(events)-1].Actor)
	require.Empty(t, f.cart(t, cartID).CheckoutStatus)
}

// addPriceList adds a price list of the fixture's company (group == "") or of a
// customer group, in EUR, with tiers of one SKU.
func (f *fixture) addPriceList(t *testing.T, name, group string, validFrom, validUntil *time.Time, sku string, tiers ...commerce.Tier) uuid.UUID {
	t.Helper()
	l := testenv.PriceList{Name: name, CustomerGroup: group, Currency: "EUR", ValidFrom: validFrom, ValidUntil: validUntil}
	if group == "" {
		l.CompanyID = f.company.ID
	}
	for _, tier := range tiers {
		l.Tiers = append(l.Tiers, testenv.PriceTier{SKU: sku, MinQuantity: int(tier.MinQuantity), UnitPrice: tier.UnitPrice})
	}
	return testenv.NewPriceList(t, f.pool, l)
}

func TestBeginCheckoutPricesFromCompanyPriceListTiers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		quantity int32
		unit     int64
		min      int64
	}{
		{quantity: 1, unit: 900, min: 1},
		{quantity: 9, unit: 900, min: 1},
		{quantity: 10, unit: 800, min: 10},
		{quantity: 25, unit: 800, min: 10},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("quantity %d", tt.quantity), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, 1_000_000)
			sku := testenv.NewProduct(t, f.pool, "EUR", 1000, 100)
			listID := f.addPriceList(t, "Acme contract 2025", "", nil, nil, sku,
				commerce.Tier{MinQuantity: 1, UnitPrice: 900}, commerce.Tier{MinQuantity: 10, UnitPrice: 800})
			cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", map[string]int32{sku: tt.quantity})

			out := f.mustBegin(t, cartID)
			require.Len(t, out.Cart.Lines, 1)
			line := out.Cart.Lines[0]
			require.Equal(t, eur(1000), line.BaseUnitPrice)
			require.Equal(t, eur(tt.unit), line.UnitPrice)
			require.Equal(t, eur(tt.unit*int64(tt.quantity)), line.LineTotal)
			require.Equal(t, commerce.PriceSource{PriceListID: listID.String(), PriceListName: "Acme contract 2025", MinQuantity: tt.min}, line.Source)
			net := tt.unit * int64(tt.quantity)
			discount := (1000 - tt.unit) * int64(tt.quantity)
			require.Equal(t, commerce.Totals{
				Subtotal: eur(net + discount), Discount: eur(discount), Shipping: eur(0), Tax: eur(0), Total: eur(net),
			}, out.Cart.Totals)
		})
	}
}

func TestBeginCheckoutPriceListsApplyOnlyToTheirCustomers(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	hoursFromNow := func(h int) *time.Time { v := now.Add(time.Duration(h) * time.Hour); return &v }
	tests := []struct {
		name string
		// setup adds the lists and returns the list that should price the line
		// (uuid.Nil: the catalogue price).
		setup     func(t *testing.T, f *fixture, sku string) uuid.UUID
		unit      int64
		wantName  string
		wantMinQt int64
	}{
		{
			name: "customer group list for a company in the group",
			setup: func(t *testing.T, f *fixture, sku string) uuid.UUID {
				testenv.SetCustomerGroup(t, f.pool, f.company, "wholesale")
				return f.addPriceList(t, "Wholesale", "wholesale", nil, nil, sku, commerce.Tier{MinQuantity: 1, UnitPrice: 950})
			},
			unit: 950, wantName: "Wholesale", wantMinQt: 1,
		},
		{
			name: "customer group list for a company in another group",
			setup: func(t *testing.T, f *fixture, sku string) uuid.UUID {
				testenv.SetCustomerGroup(t, f.pool, f.company, "retail")
				f.addPriceList(t, "Wholesale", "wholesale", nil, nil, sku, commerce.Tier{MinQuantity: 1, UnitPrice: 950})
				return uuid.Nil
			},
			unit: 1000,
		},
		{
			name: "company list beats its group's list",
			setup: func(t *testing.T, f *fixture, sku string) uuid.UUID {
				testenv.SetCustomerGroup(t, f.pool, f.company, "wholesale")
				f.addPriceList(t, "Wholesale", "wholesale", nil, nil, sku, commerce.Tier{MinQuantity: 1, UnitPrice: 700})
				return f.addPriceList(t, "Acme contract", "", nil, nil, sku, commerce.Tier{MinQuantity: 1, UnitPrice: 900})
			},
			unit: 900, wantName: "Acme contract", wantMinQt: 1,
		},
		{
			name: "another company's list",
			setup: func(t *testing.T, f *fixture, sku string) uuid.UUID {
				other := testenv.NewCompany(t, f.pool, "EUR", 0)
				testenv.NewPriceList(t, f.pool, testenv.PriceList{Name: "Theirs", CompanyID: other.ID, Currency: "EUR",
					Tiers: []testenv.PriceTier{{SKU: sku, MinQuantity: 1, UnitPrice: 500}}})
				return uuid.Nil
			},
			unit: 1000,
		},
		{
			name: "expired list",
			setup: func(t *testing.T, f *fixture, sku string) uuid.UUID {
				f.addPriceList(t, "Spring promo", "", hoursFromNow(-48), hoursFromNow(-1), sku, commerce.Tier{MinQuantity: 1, UnitPrice: 800})
				return uuid.Nil
			},
			unit: 1000,
		},
		{
			name: "list not yet valid",
			setup: func(t *testing.T, f *fixture, sku string) uuid.UUID {
				f.addPriceList(t, "Next year", "", hoursFromNow(1), nil, sku, commerce.Tier{MinQuantity: 1, UnitPrice: 800})
				return uuid.Nil
			},
			unit: 1000,
		},
		{
			name: "list valid now",
			setup: func(t *testing.T, f *fixture, sku string) uuid.UUID {
				return f.addPriceList(t, "This week", "", hoursFromNow(-1), hoursFromNow(1), sku, commerce.Tier{MinQuantity: 1, UnitPrice: 800})
			},
			unit: 800, wantName: "This week", wantMinQt: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, 1_000_000)
			sku := testenv.NewProduct(t, f.pool, "EUR", 1000, 100)
			listID := tt.setup(t, f, sku)
			cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", map[string]int32{sku: 2})

			line := f.mustBegin(t, cartID).Cart.Lines[0]
			require.Equal(t, eur(tt.unit), line.UnitPrice)
			require.Equal(t, eur(1000), line.BaseUnitPrice)
			want := commerce.PriceSource{}
			if listID != uuid.Nil {
				want = commerce.PriceSource{PriceListID: listID.String(), PriceListName: tt.wantName, MinQuantity: tt.wantMinQt}
			}
			require.Equal(t, want, line.Source)
		})
	}
}

// shippingAndTaxWorld is a catalogue and configuration for shipping and tax:
// a 1.25 kg product at EUR 10.00, a weightless one at EUR 0.08, parcel
// shipping (EUR 5.00 + EUR 1.00 per started kg, free from EUR 200.00), and
// 20 % tax in DE.
type shippingAndTaxWorld struct {
	heavy, light string
}

func (f *fixture) shippingAndTaxWorld(t *testing.T) shippingAndTaxWorld {
	t.Helper()
	w := shippingAndTaxWorld{
		heavy: testenv.NewProductWith(t, f.pool, testenv.Product{Prices: map[string]int64{"EUR": 1000}, OnHand: 100, WeightGrams: 1250}),
		light: testenv.NewProduct(t, f.pool, "EUR", 8, 100),
	}
	freeAbove := int64(20000)
	testenv.SetShippingMethod(t, f.pool, testenv.ShippingMethod{
		Code: "parcel", Name: "Parcel", Currency: "EUR", BaseAmount: 500, PerKgAmount: 100, FreeAbove: &freeAbove})
	testenv.SetTaxRate(t, f.pool, "DE", 2000)
	return w
}

func TestBeginCheckoutShippingAndTax(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		heavy     int32  // units of the 1.25 kg product
		method    string // carts.shipping_method
		country   string // carts.ship_country
		taxExempt bool
		want      commerce.Totals
		refusal   commerce.RejectionCode
	}{
		{
			// 3 × 1.25 kg = 3.75 kg: 4 started kg. No country: no tax.
			name: "shipping by started kg", heavy: 3, method: "parcel",
			want: commerce.Totals{Subtotal: eur(3008), Discount: eur(0), Shipping: eur(900), Tax: eur(0), Total: eur(3908)},
		},
		{
			// 8 × 1.25 kg = 10 kg exactly: 10 kg.
			name: "whole kilograms", heavy: 8, method: "parcel",
			want: commerce.Totals{Subtotal: eur(8008), Discount: eur(0), Shipping: eur(1500), Tax: eur(0), Total: eur(9508)},
		},
		{
			// Net EUR 200.08 is above free_above.
			name: "free shipping above", heavy: 20, method: "parcel",
			want: commerce.Totals{Subtotal: eur(20008), Discount: eur(0), Shipping: eur(0), Tax: eur(0), Total: eur(20008)},
		},
		{
			// Tax on net + shipping: 20 % of 39.08 = 7.816, rounded up to 7.82.
			name: "tax on goods and shipping", heavy: 3, method: "parcel", country: "DE",
			want: commerce.Totals{Subtotal: eur(3008), Discount: eur(0), Shipping: eur(900), Tax: eur(782), Total: eur(4690), TaxRateBasisPoints: 2000},
		},
		{
			// 20 % of 30.08 = 6.016, rounded to 6.02.
			name: "tax without shipping", heavy: 3, country: "DE",
			want: commerce.Totals{Subtotal: eur(3008), Discount: eur(0), Shipping: eur(0), Tax: eur(602), Total: eur(3610), TaxRateBasisPoints: 2000},
		},
		{
			name: "tax exempt company", heavy: 3, method: "parcel", country: "DE", taxExempt: true,
			want: commerce.Totals{Subtotal: eur(3008), Discount: eur(0), Shipping: eur(900), Tax: eur(0), Total: eur(3908)},
		},
		{
			name: "country without a tax rate", heavy: 3, method: "parcel", country: "FR",
			refusal: commerce.CodeInvalidCart,
		},
		{
			name: "shipping method that no longer exists", heavy: 3, method: "pigeon", country: "DE",
			refusal: commerce.CodeInvalidCart,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, 1_000_000)
			w := f.shippingAndTaxWorld(t)
			testenv.SetTaxExempt(t, f.pool, f.company, tt.taxExempt)
			cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", map[string]int32{w.heavy: tt.heavy, w.light: 1})
			testenv.SetCartDetails(t, f.pool, db.CartUpdateDetailsParams{ID: cartID, ShippingMethod: tt.method, ShipCountry: tt.country})

			out, err := f.begin(t, f.beginInput(cartID))
			require.NoError(t, err)
			if tt.refusal != "" {
				require.NotNil(t, out.Refusal)
				require.Equal(t, tt.refusal, out.Refusal.Code)
				cart := f.cart(t, cartID)
				require.Equal(t, string(commerce.CartOpen), cart.Status)
				require.Equal(t, string(tt.refusal), cart.FailureCode)
				return
			}
			require.Nil(t, out.Refusal)
			require.Equal(t, tt.want, out.Cart.Totals)
			for _, l := range out.Cart.Lines {
				if l.SKU == w.heavy {
					require.EqualValues(t, 1250, l.WeightGrams)
				}
			}
		})
	}
}

func TestPlaceOrderWritesPricingAndReferences(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	ctx := context.Background()
	w := f.shippingAndTaxWorld(t)
	listID := f.addPriceList(t, "Acme contract 2025", "", nil, nil, w.heavy,
		commerce.Tier{MinQuantity: 1, UnitPrice: 900}, commerce.Tier{MinQuantity: 10, UnitPrice: 800})
	approver := f.colleague(t, commerce.RoleApprover)
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", map[string]int32{w.heavy: 10, w.light: 1})
	testenv.SetCartDetails(t, f.pool, db.CartUpdateDetailsParams{
		ID: cartID, ShipName: "Acme Receiving", ShipLine1: "Dock 4", ShipLine2: "Gate B", ShipCity: "Hamburg",
		ShipPostalCode: "20095", ShipCountry: "DE", ShippingMethod: "parcel", PoNumber: "PO-2025-0042",
		BuyerReference: "cost centre 7"})

	begun := f.mustBegin(t, cartID)
	in := f.placeOrderInput(cartID, begun)
	in.ApprovedBy = approver.ID
	require.NoError(t, f.placeOrder(t, in))

	// Goods: 10 × 8.00 (list, tier 10) + 0.08 = 80.08, saving 20.00 on the
	// catalogue; 12.5 kg = 13 started kg: 5.00 + 13.00 shipping; 20 % of 98.08
	// = 19.616 → 19.62 tax.
	order, err := f.q.OrderGetByCart(ctx, cartID)
	require.NoError(t, err)
	require.EqualValues(t, 10008, order.Subtotal)
	require.EqualValues(t, 2000, order.Discount)
	require.EqualValues(t, 1800, order.Shipping)
	require.EqualValues(t, 1962, order.Tax)
	require.EqualValues(t, 2000, order.TaxRateBp)
	require.EqualValues(t, 11770, order.Total)
	require.Equal(t, "parcel", order.ShippingMethod)
	require.Equal(t, "PO-2025-0042", order.PoNumber)
	require.Equal(t, "cost centre 7", order.BuyerReference)
	require.Equal(t, uuid.NullUUID{UUID: approver.ID, Valid: true}, order.ApprovedBy)
	var shipTo map[string]string
	require.NoError(t, json.Unmarshal(order.ShipTo, &shipTo))
	require.Equal(t, map[string]string{
		"name": "Acme Receiving", "line1": "Dock 4", "line2": "Gate B", "city": "Hamburg",
		"postal_code": "20095", "country": "DE",
	}, shipTo)

	lines, err := f.q.OrderLineListByOrder(ctx, order.ID)
	require.NoError(t, err)
	require.Len(t, lines, 2)
	bySKU := map[string]db.OrderLine{}
	for _, l := range lines {
		bySKU[l.Sku] = l
	}
	heavy := bySKU[w.heavy]
	require.EqualValues(t, 10, heavy.Quantity)
	require.EqualValues(t, 1000, heavy.BaseUnitPrice)
	require.EqualValues(t, 800, heavy.UnitPrice)
	require.EqualValues(t, 8000, heavy.LineTotal)
	require.Equal(t, uuid.NullUUID{UUID: listID, Valid: true}, heavy.PriceListID)
	require.Equal(t, "Acme contract 2025", heavy.PriceListName)
	require.EqualValues(t, 10, heavy.TierMinQuantity)
	light := bySKU[w.light]
	require.EqualValues(t, 8, light.BaseUnitPrice)
	require.EqualValues(t, 8, light.UnitPrice)
	require.False(t, light.PriceListID.Valid, "a catalogue-priced line names no list")
	require.Empty(t, light.PriceListName)
	require.Zero(t, light.TierMinQuantity)
}

// A duplicate checkout request of a cart that became an order reports the
// order's full totals (discount, shipping, tax and rate), so the answer adds up.
func TestBeginCheckoutCompletedCartReportsFullTotals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1_000_000)
	w := f.shippingAndTaxWorld(t)
	f.addPriceList(t, "Acme contract 2025", "", nil, nil, w.heavy, commerce.Tier{MinQuantity: 10, UnitPrice: 800})
	cartID := testenv.NewCart(t, f.pool, f.buyer, "EUR", map[string]int32{w.heavy: 10, w.light: 1})
	testenv.SetCartDetails(t, f.pool, db.CartUpdateDetailsParams{ID: cartID, ShippingMethod: "parcel", ShipCountry: "DE"})
	begun := f.mustBegin(t, cartID)
	require.NoError(t, f.placeOrder(t, f.placeOrderInput(cartID, begun)))

	out, err := f.begin(t, f.beginInput(cartID))
	require.NoError(t, err)
	require.NotNil(t, out.AlreadyPlaced)
	require.Equal(t, begun.Cart.Totals, out.AlreadyPlaced.Totals)
}
