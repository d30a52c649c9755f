package spend_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/activities/activitytest"
	"github.com/orderflow/orderflow/activities/spend"
	"github.com/orderflow/orderflow/commerce"
	"github.com/orderflow/orderflow/testenv"
)

func TestReserveSpendWithoutLimitsReserves(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)

	out, err := f.ReserveSpend(t, f.SpendInput(cartID, 5000))
	require.NoError(t, err)
	require.Empty(t, out.Breaches)
	require.Empty(t, out.Rules)
	require.Equal(t, 72*time.Hour, out.ApprovalTimeout, "the schema's default approval timeout")

	s, ok := f.Spend(t, cartID, 1)
	require.True(t, ok, "spend is reserved even without limits, so a limit added later counts it")
	require.Equal(t, "reserved", s.Status)
	require.Equal(t, cartID, s.CartID)
	require.Equal(t, f.Company.ID, s.CompanyID)
	require.Equal(t, f.Buyer.ID, s.CustomerID)
	require.EqualValues(t, 5000, s.Amount)
	require.Equal(t, "EUR", s.Currency)
	require.True(t, activitytest.SpendAt.Equal(s.ReservedAt), "reserved_at is the checkout's moment, not the clock's: %v", s.ReservedAt)
}

func TestReserveSpendMonthlyBuyerLimitAllowsExactlyTheLimit(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	f.AddSpendingLimit(t, f.Buyer.ID, commerce.PeriodMonth, 1000)
	f.AddSpend(t, f.Buyer.ID, 600, "committed", time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC))

	// One cent over: refused, and nothing is held.
	over := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	_, err := f.ReserveSpend(t, f.SpendInput(over, 401))
	r := activitytest.RequireRejection(t, err, commerce.CodeSpendingLimitExceeded)
	require.Contains(t, r.Message, "your monthly spending limit", "the message names the limit")
	require.NotContains(t, r.Message, "EUR", "the buyer's message names no figure")
	require.NotNil(t, r.Details)
	require.Contains(t, r.Details.Message, "EUR 10.00", "the details name the limit")
	require.Contains(t, r.Details.Message, "EUR 6.00", "the details name what was already spent")
	require.Len(t, r.Details.SpendingLimits, 1)
	require.EqualValues(t, 1000, r.Details.SpendingLimits[0].Limit.Amount)
	require.EqualValues(t, 600, r.Details.SpendingLimits[0].Spent)
	require.EqualValues(t, 401, r.Details.OrderTotal)
	_, ok := f.Spend(t, over, 1)
	require.False(t, ok, "a refused checkout holds no spend")
	require.Empty(t, f.Timeline(t, over))

	// Exactly at the limit: fine.
	at := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	out, err := f.ReserveSpend(t, f.SpendInput(at, 400))
	require.NoError(t, err)
	require.Empty(t, out.Breaches)
	s, ok := f.Spend(t, at, 1)
	require.True(t, ok)
	require.Equal(t, "reserved", s.Status)
	require.EqualValues(t, 400, s.Amount)
	require.EqualValues(t, 1000, f.HeldSpend(t, f.Buyer.ID))
	require.Equal(t, []string{"spend_reserved"}, f.TimelineKinds(t, at))

	// The month is used up: even one cent more is refused.
	next := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	_, err = f.ReserveSpend(t, f.SpendInput(next, 1))
	activitytest.RequireRejection(t, err, commerce.CodeSpendingLimitExceeded)
	require.EqualValues(t, 1000, f.HeldSpend(t, f.Buyer.ID))
}

func TestReserveSpendCountsOnlyHeldSpendOfThisMonth(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	f.AddSpendingLimit(t, f.Buyer.ID, commerce.PeriodMonth, 1000)
	// None of these counts against the buyer's June limit.
	f.AddSpend(t, f.Buyer.ID, 900, "committed", time.Date(2025, 5, 31, 23, 59, 59, 0, time.UTC))
	f.AddSpend(t, f.Buyer.ID, 900, "committed", time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC))
	f.AddSpend(t, f.Buyer.ID, 900, "released", time.Date(2025, 6, 10, 0, 0, 0, 0, time.UTC))
	f.AddSpend(t, f.Colleague(t, commerce.RoleBuyer).ID, 900, "committed", time.Date(2025, 6, 10, 0, 0, 0, 0, time.UTC))
	// This one does: the month starts at midnight UTC on the 1st.
	f.AddSpend(t, f.Buyer.ID, 100, "reserved", time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))

	over := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	_, err := f.ReserveSpend(t, f.SpendInput(over, 901))
	activitytest.RequireRejection(t, err, commerce.CodeSpendingLimitExceeded)

	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	out, err := f.ReserveSpend(t, f.SpendInput(cartID, 900))
	require.NoError(t, err)
	require.Empty(t, out.Breaches)
	_, ok := f.Spend(t, cartID, 1)
	require.True(t, ok)
}

func TestReserveSpendCompanyLimitCountsEveryEmployee(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	f.AddSpendingLimit(t, uuid.Nil, commerce.PeriodMonth, 1000)
	colleague := f.Colleague(t, commerce.RoleBuyer)
	f.AddSpend(t, colleague.ID, 500, "committed", time.Date(2025, 6, 3, 0, 0, 0, 0, time.UTC))
	f.AddSpend(t, colleague.ID, 200, "reserved", time.Date(2025, 6, 14, 0, 0, 0, 0, time.UTC))

	over := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	_, err := f.ReserveSpend(t, f.SpendInput(over, 301))
	r := activitytest.RequireRejection(t, err, commerce.CodeSpendingLimitExceeded)
	require.Contains(t, r.Message, "the company's")
	require.NotContains(t, r.Message, "EUR 7.00", "a buyer is not told what colleagues spent")
	require.Contains(t, r.Details.Message, "EUR 7.00")

	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	_, err = f.ReserveSpend(t, f.SpendInput(cartID, 300))
	require.NoError(t, err)

	// The buyer's spend now counts against the colleague too.
	theirs := testenv.NewCart(t, f.Pool, colleague, "EUR", nil)
	in := f.SpendInput(theirs, 1)
	in.CustomerID = colleague.ID
	_, err = f.ReserveSpend(t, in)
	activitytest.RequireRejection(t, err, commerce.CodeSpendingLimitExceeded)
}

func TestReserveSpendOrderLimitIgnoresEarlierSpend(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	f.AddSpendingLimit(t, f.Buyer.ID, commerce.PeriodOrder, 500)
	f.AddSpend(t, f.Buyer.ID, 10_000, "committed", time.Date(2025, 6, 15, 11, 0, 0, 0, time.UTC))
	f.AddSpend(t, f.Buyer.ID, 10_000, "reserved", activitytest.SpendAt)

	ok := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	_, err := f.ReserveSpend(t, f.SpendInput(ok, 500))
	require.NoError(t, err)

	over := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	_, err = f.ReserveSpend(t, f.SpendInput(over, 501))
	r := activitytest.RequireRejection(t, err, commerce.CodeSpendingLimitExceeded)
	require.Contains(t, r.Details.Message, "order limit of EUR 5.00")
	require.NotContains(t, r.Message, "EUR")
}

func TestReserveSpendOverLimitWithApprovalRuleReservesAndReportsBreach(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	testenv.SetApprovalTimeout(t, f.Pool, f.Company, time.Hour)
	limitID := f.AddSpendingLimit(t, f.Buyer.ID, commerce.PeriodMonth, 1000)
	f.AddSpend(t, f.Buyer.ID, 600, "committed", time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC))
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	approverMax := int64(5000)
	// Inserted out of order: the result lists them by creation.
	skuRule := f.AddApprovalRule(t, commerce.RuleRestrictedSKU, 0, []string{"LASER-1", "LASER-2"}, nil, base.Add(2*time.Hour))
	overRule := f.AddApprovalRule(t, commerce.RuleOverSpendingLimit, 0, nil, &approverMax, base)
	totalRule := f.AddApprovalRule(t, commerce.RuleTotalAbove, 100_000, nil, nil, base.Add(time.Hour))

	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	in := f.SpendInput(cartID, 700)
	wantBreaches := []commerce.LimitBreach{{
		Limit: commerce.SpendingLimit{ID: limitID.String(), CustomerID: f.Buyer.ID.String(), Period: commerce.PeriodMonth, Amount: 1000, Currency: "EUR"},
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
		out, err := f.ReserveSpend(t, in)
		require.NoError(t, err, "over the limit with an over_spending_limit rule, approvers decide")
		require.Equal(t, wantBreaches, out.Breaches)
		require.Equal(t, wantRules, out.Rules)
		require.Equal(t, time.Hour, out.ApprovalTimeout)
	}

	s, ok := f.Spend(t, cartID, 1)
	require.True(t, ok, "spend waiting for approval is held, so other checkouts see it")
	require.Equal(t, "reserved", s.Status)
	require.EqualValues(t, 700, s.Amount)
	require.EqualValues(t, 1300, f.HeldSpend(t, f.Buyer.ID))
	require.Equal(t, 1, f.Count(t, "SELECT count(*) FROM spend_reservations WHERE cart_id = $1", cartID))
	require.Equal(t, []string{"spend_reserved"}, f.TimelineKinds(t, cartID))
}

// Rules other than over_spending_limit do not lift a limit: approvers of large
// orders are not thereby allowed to exceed budgets.
func TestReserveSpendOtherApprovalRulesDoNotLiftLimit(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	f.AddSpendingLimit(t, f.Buyer.ID, commerce.PeriodOrder, 1000)
	f.AddApprovalRule(t, commerce.RuleTotalAbove, 500, nil, nil, time.Now())

	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	_, err := f.ReserveSpend(t, f.SpendInput(cartID, 1001))
	activitytest.RequireRejection(t, err, commerce.CodeSpendingLimitExceeded)
	_, ok := f.Spend(t, cartID, 1)
	require.False(t, ok)
}

func TestReserveSpendTwiceForSameAttemptReservesOnce(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	f.AddSpendingLimit(t, f.Buyer.ID, commerce.PeriodMonth, 1000)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	in := f.SpendInput(cartID, 600)

	// 600 + 600 would be over 1000: the second try must not count the first.
	for range 2 {
		out, err := f.ReserveSpend(t, in)
		require.NoError(t, err)
		require.Empty(t, out.Breaches)
	}
	require.Equal(t, 1, f.Count(t, "SELECT count(*) FROM spend_reservations"))
	require.EqualValues(t, 600, f.HeldSpend(t, f.Buyer.ID))
	require.Equal(t, []string{"spend_reserved"}, f.TimelineKinds(t, cartID))

	// The next attempt of the same cart is another checkout, with spend of its own.
	in.Attempt = 2
	_, err := f.ReserveSpend(t, in)
	activitytest.RequireRejection(t, err, commerce.CodeSpendingLimitExceeded)
}

func TestReserveSpendConcurrentCheckoutsNeverExceedLimit(t *testing.T) {
	t.Parallel()
	const limit, amount, checkouts = 1000, 100, 20
	f := activitytest.New(t, 1_000_000)
	f.AddSpendingLimit(t, f.Buyer.ID, commerce.PeriodMonth, limit)
	ids := make([]uuid.UUID, checkouts)
	for i := range ids {
		ids[i] = testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	}

	// The test activity environment is not safe for concurrent use; the method
	// is called directly, which is what a worker does. The fixture's pool has
	// as few connections as the machine has CPUs, which would queue the
	// checkouts and hide a race: this one lets every checkout run at once.
	cfg := f.Pool.Config()
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
			_, errs[i] = acts.ReserveSpend(context.Background(), f.SpendInput(id, amount))
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
		activitytest.RequireRejection(t, err, commerce.CodeSpendingLimitExceeded)
	}
	require.Equal(t, limit/amount, succeeded)
	held := f.HeldSpend(t, f.Buyer.ID)
	require.EqualValues(t, limit, held)
	require.LessOrEqual(t, held, int64(limit))
	require.Equal(t, limit/amount, f.Count(t, "SELECT count(*) FROM spend_reservations WHERE status = 'reserved'"))
}

func TestReleaseSpendReleasesOnce(t *testing.T) {
	t.Parallel()
	f := activitytest.New(t, 1_000_000)
	f.AddSpendingLimit(t, f.Buyer.ID, commerce.PeriodMonth, 1000)
	cartID := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	_, err := f.ReserveSpend(t, f.SpendInput(cartID, 1000))
	require.NoError(t, err)

	for range 2 {
		require.NoError(t, f.ReleaseSpend(t, spend.ReleaseSpendInput{CartID: cartID, Attempt: 1}))
		s, ok := f.Spend(t, cartID, 1)
		require.True(t, ok)
		require.Equal(t, "released", s.Status)
		require.Zero(t, f.HeldSpend(t, f.Buyer.ID))
	}
	// Releasing an attempt that never reserved anything does nothing.
	require.NoError(t, f.ReleaseSpend(t, spend.ReleaseSpendInput{CartID: cartID, Attempt: 2}))
	require.Equal(t, []string{"spend_reserved", "spend_released"}, f.TimelineKinds(t, cartID))

	// The whole month is available again.
	other := testenv.NewCart(t, f.Pool, f.Buyer, "EUR", nil)
	_, err = f.ReserveSpend(t, f.SpendInput(other, 1000))
	require.NoError(t, err)
}
